local canarygen = import 'canarygen/main.libsonnet';

canarygen.new({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'node-agent', namespace: 'kube-system' },
  spec: {},
}, {})
