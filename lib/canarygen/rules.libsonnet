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
local slots = import 'slots.libsonnet';
local util = import 'util.libsonnet';

// The prometheusRule option (defaults.libsonnet) as the strings the rules
// are written with.
local texts(opts) = {
  local n = util.num,
  errorRatioFactor: n(opts.errorRatioFactor),
  errorRatioFloor: n(opts.errorRatioFloor),
  errorRatioFloorPercent: n(100 * opts.errorRatioFloor),
  latencyFactor: n(opts.latencyFactor),
  minRequestRate: n(opts.minRequestRate),
  'for': opts['for'],
  severity: opts.severity,
  runbookUrl: opts.runbookUrl,
};

// The recording and alerting groups. ctx: as queries.libsonnet's; opts:
// texts(the prometheusRule option).
local groups(ctx, opts) = {
  local q = (import 'queries.libsonnet')(ctx, '5m'),
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
  local canaryBusy = series('canarygen:requests:rate5m', 'canary') + ' >= ' + opts.minRequestRate,
  local appBusy = (if anyNamespace then 'sum by (namespace) (' else 'sum(') + 'canarygen:requests:rate5m{' + inNs('job="' + ctx.job + '"') + '}) >= ' + opts.minRequestRate,
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
               + ' > on (namespace, job) ' + opts.errorRatioFactor + ' * ' + series('canarygen:request_error_ratio:rate5m', 'stable')
               + '\nand on (namespace, job) ' + series('canarygen:request_error_ratio:rate5m', 'canary') + ' > ' + opts.errorRatioFloor
               + '\nand on (namespace, job) ' + canaryBusy,
               'The canary ' + what + ' errs more than the stable.',
               "The canary's error ratio is above " + opts.errorRatioFactor + " times the stable's and above " + opts.errorRatioFloorPercent + ' %.'),
       ] else [])
      + (if q.hasLatency && q.hasRequests then [
           alert('CanaryLatencyHigh',
                 series('canarygen:request_duration_seconds:p99_5m', 'canary')
                 + ' > on (namespace, job) ' + opts.latencyFactor + ' * ' + series('canarygen:request_duration_seconds:p99_5m', 'stable')
                 + '\nand on (namespace, job) ' + canaryBusy,
                 'The canary ' + what + ' is slower than the stable.',
                 "The canary's p99 latency is above " + opts.latencyFactor + " times the stable's."),
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

// ---- The groups from a template (slots.libsonnet) ----------------------

// The strings the groups differ in from workload to workload.
local strings(ctx, texts) = texts {
  local m = ctx.metrics,
  name: ctx.name,
  canaryName: ctx.canaryName,
  namespace: ctx.namespace,
  job: ctx.job,
  trackLabel: ctx.trackLabel,
  trackValue: ctx.trackValue,
  requests: m.requests,
  requestsCodeLabel: m.requestsCodeLabel,
  errorCodes: m.errorCodes,
  durationBucket: m.durationBucket,
};

// The template strings s fill (a field of templates), or null for the
// direct path (partition mode computes ordinals from the replicas).
local shapeOf(ctx, s) =
  local m = ctx.metrics;
  local str(v) = v == null || std.type(v) == 'string';
  if ctx.partition != null
     || !(std.type(s.name) == 'string' && std.type(s.canaryName) == 'string' && (s.namespace == null || std.type(s.namespace) == 'string') && std.type(s.job) == 'string' && std.type(s.trackLabel) == 'string' && std.type(s.trackValue) == 'string'
          && str(s['for']) && str(s.severity) && str(s.runbookUrl) && str(m.requests) && str(m.requestsCodeLabel) && str(m.errorCodes) && str(m.durationBucket)) then null
  else
    ctx.kind
    + (if m.requests != null then '+requests' else '')
    + (if m.requestsCodeLabel != null then '+code' else '')
    + (if m.errorCodes != null then '+errors' else '')
    + (if m.durationBucket != null then '+latency' else '')
    + (if s.runbookUrl != null then '+runbook' else '')
    + (if s.namespace == null then '+anyNamespace' else '');

// Every shape's template, of the groups as the PrometheusRule lists them
// ([recording, alerts]), each made on first use and kept by the VM for the
// workloads that follow.
local on = [true, false];
local templates = {
  [kind + (if r then '+requests' else '') + (if c then '+code' else '') + (if e then '+errors' else '') + (if l then '+latency' else '') + (if u then '+runbook' else '') + (if a then '+anyNamespace' else '')]:
    local names = std.objectFields(strings({ metrics: {} }, texts({})));
    local s = slots.slots(names);
    local g = groups(s {
      kind: kind,
      namespace: if a then null else s.namespace,
      partition: null,
      metrics: {
        requests: if r then s.requests else null,
        requestsCodeLabel: if c then s.requestsCodeLabel else null,
        errorCodes: if e then s.errorCodes else null,
        durationBucket: if l then s.durationBucket else null,
      },
    }, s { runbookUrl: if u then s.runbookUrl else null });
    slots.template([g.recording, g.alerts], '')
  for kind in ['StatefulSet', 'Deployment']
  for r in on
  for c in on
  for e in on
  for l in on
  for u in on
  for a in on
};

// The template groups(ctx, texts(opts)) fills: { id (main.libsonnet's
// template(id)), key, strings }, or null for the direct path.
local templateOf(ctx, opts) =
  local s = strings(ctx, texts(opts));
  local key = shapeOf(ctx, s);
  if key == null then null else { id: 'rules/' + key, key: key, strings: s };

{
  // The groups: { recording, alerts }. ctx: as queries.libsonnet's; opts:
  // the prometheusRule option.
  groups(ctx, opts):: groups(ctx, texts(opts)),
  // The template the groups of ctx and opts fill (templateOf), or null.
  templateOf:: templateOf,
  // The template of a shape.
  template(key):: templates[key],

  // The set's PrometheusRule: the groups (hidden: set.rules) and the object.
  // m: model.libsonnet's facts.
  component(m):: {
    local set = self,
    local on = m.config.prometheusRule != false,
    local opts = if on then m.config.prometheusRule else defaults.prometheusRule,

    // The template the groups fill (templateOf), or null.
    rulesTemplate:: if on then templateOf(set.queryContext, opts) else null,
    // The groups, { recording, alerts }: groups(set.queryContext, opts),
    // filled into a template made once per process.
    rules::
      local t = set.rulesTemplate;
      if t == null then $.groups(set.queryContext, opts)
      else
        local g = std.parseJson(slots.fill($.template(t.key), t.strings));
        { recording: g[0], alerts: g[1] },
    // The PrometheusRule's groups. As the dashboard's JSON
    // (dashboard.libsonnet): with slotted:: true a slot, and templated
    // says what fills it.
    ruleGroups:: if set.slotted && set.rulesTemplate != null then slots.slot('rules') else [set.rules.recording, set.rules.alerts],
    slotted:: false,
    templated+:: if set.slotted && set.rulesTemplate != null then { rules: set.rulesTemplate { json: true, object: 'prometheusRule' } } else {},

    [if m.config.prometheusRule != false then 'prometheusRule']: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: util.metadata(m.canaryName, m.namespace, m.serviceLabels + opts.labels),
      spec: { groups: set.ruleGroups },
    },
  },
}
