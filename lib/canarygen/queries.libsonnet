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
//
// kind null is any kind (the fleet dashboard, where the names are Grafana
// variables): a track's pods are those its StatefulSet, or a ReplicaSet of
// its Deployment, owns (kube-state-metrics' kube_pod_owner), and its
// replicas the Deployment's or the StatefulSet's, whichever exists.
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
  local fleet = ctx.kind == null,
  // Fleet (whose namespace is always a variable): a series of every pod of
  // the namespace, joined with the pods the track's workload owns; else the
  // series of the track's pods.
  local owned(t) =
    'max by (namespace, pod) (kube_pod_owner{' + inNs('owner_kind="StatefulSet", owner_name="' + workload(t) + '"') + '}'
    + ' or kube_pod_owner{' + inNs('owner_kind="ReplicaSet", owner_name=~"' + workload(t) + '-[a-z0-9]+"') + '})',
  local ofPods(t, metric, rest, f) =
    if fleet then f(metric + '{namespace="' + ctx.namespace + '"' + rest + '}') + ' * on (namespace, pod) group_left() ' + owned(t)
    else f(metric + '{' + q.pods[t] + rest + '}'),
  local rate(metric, s) = sum('rate(' + metric + '{' + s + '}[' + range + '])'),
  local errorSel(t) = q.sel[t] + ', ' + m.requestsCodeLabel + '=~"' + m.errorCodes + '"',

  requests(t):: rate(m.requests, q.sel[t]),
  allRequests:: rate(m.requests, q.app),
  canaryShare:: q.requests('canary') + ' / ' + q.allRequests,
  errors(t):: rate(m.requests, errorSel(t)),
  errorRatio(t):: q.errors(t) + ' / ' + q.requests(t),
  quantile(quant, t):: 'histogram_quantile(' + quant + ', sum by (' + by('le') + ') (rate(' + m.durationBucket + '{' + q.sel[t] + '}[' + range + '])))',

  local avgPerPod(x) = (if anyNamespace then 'avg by (namespace) (' else 'avg(') + 'sum by (' + by('pod') + ') (' + x + '))',
  local containers = ', container!="", container!="POD"',
  cpu(t):: avgPerPod(ofPods(t, 'container_cpu_usage_seconds_total', containers, function(s) 'rate(' + s + '[' + range + '])')),
  memory(t):: avgPerPod(ofPods(t, 'container_memory_working_set_bytes', containers, function(s) s)),
  restarts(t):: sum(ofPods(t, 'kube_pod_container_status_restarts_total', '', function(s) 'increase(' + s + '[1h])')),

  // For canarygen analyze, which compares samples of the two tracks: no
  // series of error responses is no errors, not no data; restarts per pod,
  // so that tracks of different sizes compare; ready over desired replicas.
  errorRatioOrZero(t):: '(' + q.errors(t) + ' or ' + (if anyNamespace then q.requests(t) + ' * 0' else 'vector(0)') + ') / ' + q.requests(t),
  restartsPerPod(t):: avgPerPod(ofPods(t, 'kube_pod_container_status_restarts_total', '', function(s) 'increase(' + s + '[' + range + '])')),
  readiness(t):: q.ready(t) + ' / ' + q.desired(t),

  local workload(t) = if t == 'canary' then ctx.canaryName else ctx.name,
  local sts(metric, t) = sum(metric + '{' + inNs('statefulset="' + workload(t) + '"') + '}'),
  local deploy(metric, t) = sum(metric + '{' + inNs('deployment="' + workload(t) + '"') + '}'),
  // Partition mode: per-track readiness from the pods; the desired split is
  // the rendered one. Fleet: the Deployment's, or else the StatefulSet's.
  ready(t)::
    if part then sum('kube_pod_status_ready{' + q.pods[t] + ', condition="true"}')
    else if fleet then '(' + deploy('kube_deployment_status_replicas_available', t) + ' or ' + sts('kube_statefulset_status_replicas_ready', t) + ')'
    else if ctx.kind == 'StatefulSet' then sts('kube_statefulset_status_replicas_ready', t)
    else deploy('kube_deployment_status_replicas_available', t),
  // Partition mode's desired split is a number: a vector() without the
  // namespace label would match nothing when the namespace is not pinned.
  desired(t)::
    if part then
      local n = std.toString(if t == 'canary' then ctx.partition.total - ctx.partition.first else ctx.partition.first);
      if anyNamespace then n else 'vector(' + n + ')'
    else if fleet then '(' + deploy('kube_deployment_spec_replicas', t) + ' or ' + sts('kube_statefulset_replicas', t) + ')'
    else if ctx.kind == 'StatefulSet' then sts('kube_statefulset_replicas', t)
    else deploy('kube_deployment_spec_replicas', t),
}
