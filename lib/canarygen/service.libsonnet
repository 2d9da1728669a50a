// One Service in front of both tracks, so traffic splits by ready replicas:
// the input's (reused as it is, after checks.libsonnet made sure it selects
// both tracks), or one generated from the workload: its selector without the
// track label, its containers' ports; for a StatefulSet the governing
// headless Service named spec.serviceName.
//
// The ServiceMonitor, the dashboard and the rules read the Service from the
// set (set.serviceObject), so an override of set.service reaches them.
local util = import 'util.libsonnet';

// m: model.libsonnet's facts.
function(m) {
  local set = self,

  // The Service canarygen would render.
  generatedService:: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: util.metadata(m.serviceName, m.namespace, m.serviceLabels),
    spec: {
      selector: m.serviceLabels,
      ports: m.ports,
      [if m.headless then 'clusterIP']: 'None',
    },
  },

  // The Service the other objects are derived from, also when none is
  // rendered (service: false): the one it would be.
  serviceObject:: if m.hasService then set.service else set.generatedService,
  servicePortNames:: [
    util.get(p, 'name')
    for p in util.path(set.serviceObject, ['spec', 'ports'], [])
    if std.type(util.get(p, 'name')) == 'string'
  ],

  [if m.hasService then 'service']: if m.existingService != null then m.existingService else set.generatedService,
}
