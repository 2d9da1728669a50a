// Recording rules per track and alerts that compare the canary with the
// stable. Every alert is gated on a minimum request rate, so an idle app, or
// a canary with a handful of requests, does not page anyone.
//
// Recorded series carry namespace, job and track="stable"|"canary" labels:
//   canarygen:requests:rate5m             requests per second
//   canarygen:request_errors:rate5m       error responses per second
//   canarygen:request_error_ratio:rate5m  errors / requests
//   canarygen:request_duration_seconds:p99_5m
//   canarygen:canary_traffic_share:rate5m canary requests / all requests
local defaults = import 'defaults.libsonnet';
local util = import 'util.libsonnet';

// ctx: as queries.libsonnet's; opts: the prometheusRule
// option of defaults.libsonnet.
local groups(ctx, opts) = {
  local q = (import 'queries.libsonnet')(ctx, '5m'),
  local n = util.num,
  // Without a namespace (the workload has none), series keep the namespace
  // label of the data: nothing is pinned to one namespace.
  local anyNamespace = ctx.namespace == null,
  local labels(t) = (if anyNamespace then {} else { namespace: ctx.namespace }) + { job: ctx.job } + (if t == null then {} else { track: t }),
  local inNs(rest) = if anyNamespace then rest else 'namespace="' + ctx.namespace + '", ' + rest,
  local series(name, t) = name + '{' + inNs('job="' + ctx.job + '", track="' + t + '"') + '}',
  local groupName(kind) = 'canarygen.' + (if anyNamespace then '' else ctx.namespace + '.') + ctx.canaryName + '.' + kind,
  local perTrack(name, f) = [{ record: name, expr: f(t), labels: labels(t) } for t in ['stable', 'canary']],

  recording: {
    name: groupName('rules'),
    rules:
      (if q.hasRequests then
         perTrack('canarygen:requests:rate5m', q.requests)
         + [{ record: 'canarygen:canary_traffic_share:rate5m', expr: q.canaryShare, labels: labels(null) }]
       else [])
      + (if q.hasErrors then
           perTrack('canarygen:request_errors:rate5m', q.errors)
           + perTrack('canarygen:request_error_ratio:rate5m', q.errorRatio)
         else [])
      + (if q.hasLatency then perTrack('canarygen:request_duration_seconds:p99_5m', function(t) q.quantile('0.99', t)) else []),
  },

  // Alerts fire only while the canary serves at least minRequestRate
  // requests per second (CanaryNotReady: while the app does).
  local canaryBusy = series('canarygen:requests:rate5m', 'canary') + ' >= ' + n(opts.minRequestRate),
  local appBusy = (if anyNamespace then 'sum by (namespace) (' else 'sum(') + 'canarygen:requests:rate5m{' + inNs('job="' + ctx.job + '"') + '}) >= ' + n(opts.minRequestRate),
  local what = ctx.kind + ' ' + (if anyNamespace then '' else ctx.namespace + '/') + ctx.canaryName,
  local alert(name, expr, summary, description) = {
    alert: name,
    expr: expr,
    'for': opts['for'],
    labels: { severity: opts.severity },
    annotations: {
      summary: summary,
      description: description + " Compare the tracks on the canary dashboard; to stop the canary's traffic, scale it to 0 replicas (canary.replicas: 0, --canary-replicas 0, or CANARY_REPLICAS=0).",
    } + (if opts.runbookUrl != null then { runbook_url: opts.runbookUrl } else {}),
  },

  alerts: {
    name: groupName('alerts'),
    rules:
      (if q.hasErrors then [
         alert('CanaryErrorRatioHigh',
               series('canarygen:request_error_ratio:rate5m', 'canary')
               + ' > on (namespace, job) ' + n(opts.errorRatioFactor) + ' * ' + series('canarygen:request_error_ratio:rate5m', 'stable')
               + '\nand on (namespace, job) ' + series('canarygen:request_error_ratio:rate5m', 'canary') + ' > ' + n(opts.errorRatioFloor)
               + '\nand on (namespace, job) ' + canaryBusy,
               'The canary ' + what + ' errs more than the stable.',
               "The canary's error ratio is above " + n(opts.errorRatioFactor) + " times the stable's and above " + n(100 * opts.errorRatioFloor) + ' %.'),
       ] else [])
      + (if q.hasLatency && q.hasRequests then [
           alert('CanaryLatencyHigh',
                 series('canarygen:request_duration_seconds:p99_5m', 'canary')
                 + ' > on (namespace, job) ' + n(opts.latencyFactor) + ' * ' + series('canarygen:request_duration_seconds:p99_5m', 'stable')
                 + '\nand on (namespace, job) ' + canaryBusy,
                 'The canary ' + what + ' is slower than the stable.',
                 "The canary's p99 latency is above " + n(opts.latencyFactor) + " times the stable's."),
         ] else [])
      + [
        alert('CanaryNotReady',
              q.ready('canary') + ' < ' + q.desired('canary')
              + (if q.hasRequests then '\nand ' + q.joinOn + ' ' + appBusy else ''),
              'The canary ' + what + ' has fewer ready replicas than it asks for.',
              'Some canary pods are not ready, so the canary takes less traffic than rendered, or none.'),
      ],
  },
};

{
  groups:: groups,

  // The set's PrometheusRule: the groups (hidden: set.rules) and the object.
  // m: model.libsonnet's facts.
  component(m):: {
    local set = self,
    local on = m.config.prometheusRule != false,
    local opts = if on then m.config.prometheusRule else defaults.prometheusRule,

    rules:: groups(set.queryContext, opts),

    [if m.config.prometheusRule != false then 'prometheusRule']: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: util.metadata(m.canaryName, m.namespace, m.serviceLabels + opts.labels),
      spec: { groups: [set.rules.recording, set.rules.alerts] },
    },
  },
}
