// The origin's OpenShift Template, written with the library: the canary
// set with template parameters, wrapped in one Template. `oc process` with
// no -p gives what examples/telemeter/telemeter.jsonnet renders.
local telemeter = import '../telemeter/objects.libsonnet';
local canarygen = import 'canarygen/main.libsonnet';

local set = canarygen.new(telemeter.statefulSet, {
  canary: {
    image: 'quay.io/openshift/origin-telemeter:v4.1',
    container: 'telemeter-server',
    replicas: 2,
    args: ['--log-level=debug'],
  },
  service: telemeter.service,
  metricsPort: 'internal',
  serviceMonitor: {
    labels: { prometheus: 'app-sre' },
    endpoint: { interval: '60s', scheme: 'https' },
  },
  templateParameters: true,
});

canarygen.openshift.template(set, {
  name: 'telemeter',
  parameters: set.parameters,
})
