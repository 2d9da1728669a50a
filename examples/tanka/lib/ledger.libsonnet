// A small application library of the Tanka project (lib/ is on Tanka's
// import path): a StatefulSet and its headless Service. It knows nothing
// about canaries.
{
  new(name, namespace, image, replicas=4):: {
    local labels = { 'app.kubernetes.io/name': name },

    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: name, namespace: namespace, labels: labels },
      spec: {
        clusterIP: 'None',
        selector: labels,
        ports: [
          { name: 'grpc', port: 9000, targetPort: 'grpc' },
          { name: 'metrics', port: 9090, targetPort: 'metrics' },
        ],
      },
    },

    statefulSet: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: name, namespace: namespace, labels: labels },
      spec: {
        serviceName: name,
        replicas: replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: labels },
          spec: {
            containers: [{
              name: name,
              image: image,
              ports: [
                { name: 'grpc', containerPort: 9000 },
                { name: 'metrics', containerPort: 9090 },
              ],
            }],
          },
        },
      },
    },
  },
}
