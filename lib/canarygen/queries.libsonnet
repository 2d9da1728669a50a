// The PromQL of both the dashboard and the PrometheusRule, so that a panel
// and a rule never select pods differently.
//
// Application metrics are split by the track label the ServiceMonitor copies
// from the pods (podTargetLabels); container metrics, which carry no pod
// labels, by pod-name patterns that hold for any replica count: StatefulSet
// pods are <name>-<ordinal>, Deployment pods <name>-<pod-template-hash>-<suffix>.
//
// ctx: kind, name, canaryName, namespace (a name, '$namespace' in Grafana, or
// null: the workload has none, and every query keeps the namespace label, by
// namespace, instead of pinning one),
// job, trackLabel, trackValue, metrics, partition (null, or { first, total }
// in partition mode). range: '5m', '$__rate_interval' (Grafana), or '$range'
// (canarygen analyze fills it in).
local util = import 'util.libsonnet';

function(ctx, range) {
  local q = self,
  local m = ctx.metrics,
  local anyNamespace = ctx.namespace == null,
  // A selector, with the namespace matcher first when there is one.
  local inNs(rest) = if anyNamespace then rest else 'namespace="' + ctx.namespace + '", ' + rest,
  // sum(x), or sum by (namespace) (x) when the namespace is not pinned.
  local sum(x) = if anyNamespace then 'sum by (namespace) (' + x + ')' else 'sum(' + x + ')',
  local by(labels) = if anyNamespace then 'namespace, ' + labels else labels,
  // How the tracks' series join: on the namespace when it is not pinned.
  joinOn:: if anyNamespace then 'on (namespace)' else 'on ()',

  hasRequests: m.requests != null,
  hasErrors: q.hasRequests && m.requestsCodeLabel != null && m.errorCodes != null,
  hasLatency: m.durationBucket != null,

  app: inNs('job="' + ctx.job + '"'),
  // Partition mode: one StatefulSet, the canary its ordinals >= first,
  // told apart by the pod-index label ('none' when there is no canary pod:
  // it matches no ordinal).
  local part = ctx.partition != null,
  local ordinals =
    if !part || ctx.partition.first >= ctx.partition.total then 'none'
    else std.join('|', [std.toString(i) for i in std.range(ctx.partition.first, ctx.partition.total - 1)]),
  sel:
    if part then {
      stable: q.app + ', ' + ctx.trackLabel + '!~"' + ordinals + '"',
      canary: q.app + ', ' + ctx.trackLabel + '=~"' + ordinals + '"',
    } else {
      stable: q.app + ', ' + ctx.trackLabel + '!="' + ctx.trackValue + '"',
      canary: q.app + ', ' + ctx.trackLabel + '="' + ctx.trackValue + '"',
    },
  local podPattern(n) =
    util.promRegexName(n) + if ctx.kind == 'StatefulSet' then '-[0-9]+' else '-[a-z0-9]+-[a-z0-9]+',
  pods:
    if part then {
      stable: inNs('pod=~"' + podPattern(ctx.name) + '", pod!~"' + util.promRegexName(ctx.name) + '-(' + ordinals + ')"'),
      canary: inNs('pod=~"' + util.promRegexName(ctx.name) + '-(' + ordinals + ')"'),
    } else {
      stable: inNs('pod=~"' + podPattern(ctx.name) + '"'),
      canary: inNs('pod=~"' + podPattern(ctx.canaryName) + '"'),
    },
  local rate(metric, s) = sum('rate(' + metric + '{' + s + '}[' + range + '])'),
  local errorSel(t) = q.sel[t] + ', ' + m.requestsCodeLabel + '=~"' + m.errorCodes + '"',

  requests(t):: rate(m.requests, q.sel[t]),
  allRequests:: rate(m.requests, q.app),
  canaryShare:: q.requests('canary') + ' / ' + q.allRequests,
  errors(t):: rate(m.requests, errorSel(t)),
  errorRatio(t):: q.errors(t) + ' / ' + q.requests(t),
  quantile(quant, t):: 'histogram_quantile(' + quant + ', sum by (' + by('le') + ') (rate(' + m.durationBucket + '{' + q.sel[t] + '}[' + range + '])))',

  local avgPerPod(x) = (if anyNamespace then 'avg by (namespace) (' else 'avg(') + 'sum by (' + by('pod') + ') (' + x + '))',
  cpu(t):: avgPerPod('rate(container_cpu_usage_seconds_total{' + q.pods[t] + ', container!="", container!="POD"}[' + range + '])'),
  memory(t):: avgPerPod('container_memory_working_set_bytes{' + q.pods[t] + ', container!="", container!="POD"}'),
  restarts(t):: sum('increase(kube_pod_container_status_restarts_total{' + q.pods[t] + '}[1h])'),

  // For canarygen analyze, which compares samples of the two tracks: no
  // series of error responses is no errors, not no data; restarts per pod,
  // so that tracks of different sizes compare; ready over desired replicas.
  errorRatioOrZero(t):: '(' + q.errors(t) + ' or ' + (if anyNamespace then q.requests(t) + ' * 0' else 'vector(0)') + ') / ' + q.requests(t),
  restartsPerPod(t):: avgPerPod('increase(kube_pod_container_status_restarts_total{' + q.pods[t] + '}[' + range + '])'),
  readiness(t):: q.ready(t) + ' / ' + q.desired(t),

  local workload(t) = if t == 'canary' then ctx.canaryName else ctx.name,
  // Partition mode: per-track readiness from the pods; the desired split is
  // the rendered one.
  ready(t)::
    if part then sum('kube_pod_status_ready{' + q.pods[t] + ', condition="true"}')
    else if ctx.kind == 'StatefulSet' then sum('kube_statefulset_status_replicas_ready{' + inNs('statefulset="' + workload(t) + '"') + '}')
    else sum('kube_deployment_status_replicas_available{' + inNs('deployment="' + workload(t) + '"') + '}'),
  // Partition mode's desired split is a number: a vector() without the
  // namespace label would match nothing when the namespace is not pinned.
  desired(t)::
    if part then
      local n = std.toString(if t == 'canary' then ctx.partition.total - ctx.partition.first else ctx.partition.first);
      if anyNamespace then n else 'vector(' + n + ')'
    else if ctx.kind == 'StatefulSet' then sum('kube_statefulset_replicas{' + inNs('statefulset="' + workload(t) + '"') + '}')
    else sum('kube_deployment_spec_replicas{' + inNs('deployment="' + workload(t) + '"') + '}'),
}
