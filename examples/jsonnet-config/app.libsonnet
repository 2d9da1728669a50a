// An existing jsonnet config, kube-thanos style: hidden settings, every
// visible field a deployable object. It knows nothing about canaries.
function(params) {
  local app = self,
  config:: {
    name: 'checkout',
    namespace: 'shop',
    image: error 'must provide image',
    replicas: 6,
  } + params,

  local labels = { 'app.kubernetes.io/name': app.config.name },

  deployment: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: app.config.name, namespace: app.config.namespace, labels: labels },
    spec: {
      replicas: app.config.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: labels },
        spec: {
          containers: [{
            name: 'checkout',
            image: app.config.image,
            ports: [{ name: 'http', containerPort: 8080 }, { name: 'http-metrics', containerPort: 8081 }],
          }],
        },
      },
    },
  },

  service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: app.config.name, namespace: app.config.namespace, labels: labels },
    spec: {
      selector: labels,
      ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'http-metrics', port: 8081, targetPort: 'http-metrics' }],
    },
  },

  podDisruptionBudget: {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: app.config.name, namespace: app.config.namespace },
    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
  },
}
