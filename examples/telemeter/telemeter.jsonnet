// The origin: Telemeter's StatefulSet and its headless Service, as in
// "Simple Canary Deployments using Kubernetes StatefulSets on OpenShift".
// Where the post wrote `statefulSetCanary: self.statefulSet { ... }` by hand,
// canarygen.new derives it, plus the ServiceMonitor and the dashboard.
local canarygen = import 'canarygen/main.libsonnet';

local telemeter = import 'objects.libsonnet';

canarygen.new(telemeter.statefulSet, {
  canary: {
    image: 'quay.io/openshift/origin-telemeter:v4.1',
    container: 'telemeter-server',
    replicas: 2,  // 2 / (2 + 10) ~ 16 % of the traffic
    args: ['--log-level=debug'],  // always debug logging on the canary
  },
  service: telemeter.service,
  metricsPort: 'internal',
  serviceMonitor: {
    labels: { prometheus: 'app-sre' },
    endpoint: { interval: '60s', scheme: 'https' },
  },
})
