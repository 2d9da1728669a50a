// The Prometheus-Operator ServiceMonitor: selects the set's Service by its
// labels, scrapes its metrics port, and copies the track label from the pods
// into every series (podTargetLabels), so queries say track="canary" vs
// track!="canary".
local util = import 'util.libsonnet';

local preferredMetricsPorts = ['metrics', 'http-metrics'];

// m: model.libsonnet's facts.
function(m) {
  local set = self,
  local c = m.config,

  // The Service port to scrape: the metricsPort option, else a port named
  // 'metrics' or 'http-metrics', else one whose name contains 'metrics',
  // else the only port; null when it cannot tell (checks.libsonnet fails).
  metricsPort::
    local names = set.servicePortNames;
    if c.metricsPort != null then c.metricsPort
    else
      local preferred = [p for p in preferredMetricsPorts if std.member(names, p)];
      local containing = [p for p in names if std.length(std.findSubstr('metrics', p)) > 0];
      if std.length(preferred) > 0 then preferred[0]
      else if std.length(containing) > 0 then containing[0]
      else if std.length(names) == 1 then names[0]
      else null,

  [if m.config.serviceMonitor != false then 'serviceMonitor']: {
    local serviceLabels = util.path(set.serviceObject, ['metadata', 'labels'], {}),
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: util.metadata(m.name, m.namespace, serviceLabels + c.serviceMonitor.labels),
    spec: {
      selector: { matchLabels: serviceLabels },
      endpoints: [{ port: set.metricsPort } + c.serviceMonitor.endpoint],
      // Copies the track label from the pods into every scraped series.
      podTargetLabels: [m.trackLabel],
      [if m.templateParameters && m.namespace != null then 'namespaceSelector']: { matchNames: ['${NAMESPACE}'] },
    },
  },
}
