// Telemeter's StatefulSet and headless Service, as in the origin post.
local labels = { 'app.kubernetes.io/name': 'telemeter-server' };

{
  statefulSet: {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'telemeter-server', namespace: 'telemeter', labels: labels },
    spec: {
      replicas: 10,
      selector: { matchLabels: labels },
      serviceName: 'telemeter-server',
      template: {
        metadata: { labels: labels },
        spec: {
          serviceAccountName: 'telemeter-server',
          containers: [{
            name: 'telemeter-server',
            image: 'quay.io/openshift/origin-telemeter:v4.0',
            command: [
              '/usr/bin/telemeter-server',
              '--listen=0.0.0.0:8443',
              '--listen-internal=0.0.0.0:8081',
              '--shared-key=/etc/pki/service/tls.key',
              '--tls-key=/etc/pki/service/tls.key',
              '--tls-crt=/etc/pki/service/tls.crt',
              '--internal.tls-key=/etc/pki/service/tls.key',
              '--internal.tls-crt=/etc/pki/service/tls.crt',
              '--forward-url=http://thanos-receive.telemeter.svc:19291/api/v1/receive',
            ],
            ports: [
              { name: 'external', containerPort: 8443 },
              { name: 'internal', containerPort: 8081 },
            ],
            readinessProbe: { httpGet: { path: '/healthz/ready', port: 8443, scheme: 'HTTPS' } },
            volumeMounts: [{ name: 'telemeter-server-tls', mountPath: '/etc/pki/service', readOnly: true }],
          }],
          volumes: [{ name: 'telemeter-server-tls', secret: { secretName: 'telemeter-server-shared' } }],
        },
      },
    },
  },

  service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'telemeter-server', namespace: 'telemeter', labels: labels },
    spec: {
      clusterIP: 'None',
      ports: [
        { name: 'external', port: 8443, targetPort: 'external' },
        { name: 'internal', port: 8081, targetPort: 'internal' },
      ],
      selector: labels,
    },
  },
}
