// What `canarygen analyze` compares: per metric, one PromQL query for the
// canary track and one for the stable, from queries.libsonnet (the module the
// dashboard and the rules use, so the three never select pods differently),
// with the judge's settings. The CLI fills in '$range' (the rate() window,
// which depends on the query step) and runs each query over the window.
//
// ctx: the query context main.libsonnet builds (see queries.libsonnet);
// opts: the analysis option of defaults.libsonnet.
local util = import 'util.libsonnet';

function(ctx, opts)
  local q = (import 'queries.libsonnet')(ctx, '$range');
  local where = ctx.kind + ' ' + (if ctx.namespace == null then '' else ctx.namespace + '/') + ctx.name;
  local fail(field, msg, hint=null) = util.fail(where, 'analysis.' + field, msg, hint);
  local directions = ['increase', 'decrease', 'either'];

  // The metrics the library models, in table order: [name, available, unit,
  // query of a track].
  local builtin = [
    ['errorRatio', q.hasErrors, 'ratio', q.errorRatioOrZero],
    ['latencyP50', q.hasLatency, 'seconds', function(t) q.quantile('0.5', t)],
    ['latencyP90', q.hasLatency, 'seconds', function(t) q.quantile('0.9', t)],
    ['latencyP99', q.hasLatency, 'seconds', function(t) q.quantile('0.99', t)],
    ['cpu', true, 'cores', q.cpu],
    ['memory', true, 'bytes', q.memory],
    ['restarts', true, 'count', q.restartsPerPod],
    ['readiness', true, 'ratio', q.readiness],
  ];
  local userDefaults = {
    group: 'custom',
    direction: 'increase',
    allowedIncrease: 1,
    allowedDecrease: 1,
    critical: false,
    mustHaveData: false,
    unit: '',
  };
  local userKeys = ['name', 'query'] + std.objectFields(userDefaults);

  // One metric, its settings checked.
  local metric(name, field, m, unit, canary, stable) =
    local checks = [
      if !std.member(directions, m.direction) then
        fail(field + '.direction', 'must be "increase", "decrease" or "either", got ' + util.show(m.direction))
      else true,
      if !std.isNumber(m.allowedIncrease) || m.allowedIncrease < 1 then
        fail(field + '.allowedIncrease', 'must be a canary/stable ratio >= 1 (1.2: up to 20 % more is fine), got ' + util.show(m.allowedIncrease))
      else true,
      if !std.isNumber(m.allowedDecrease) || m.allowedDecrease <= 0 || m.allowedDecrease > 1 then
        fail(field + '.allowedDecrease', 'must be a canary/stable ratio in (0, 1] (0.9: up to 10 % less is fine), got ' + util.show(m.allowedDecrease))
      else true,
      if !std.isBoolean(m.critical) then fail(field + '.critical', 'must be true or false') else true,
      if !std.isBoolean(m.mustHaveData) then fail(field + '.mustHaveData', 'must be true or false') else true,
      if !std.isString(m.group) || m.group == '' then fail(field + '.group', 'must be a non-empty string') else true,
      if !std.isString(unit) then fail(field + '.unit', 'must be a string') else true,
    ];
    assert std.length([c for c in checks if c != true]) == 0;
    {
      name: name,
      group: m.group,
      direction: m.direction,
      allowedIncrease: m.allowedIncrease,
      allowedDecrease: m.allowedDecrease,
      critical: m.critical,
      mustHaveData: m.mustHaveData,
      unit: unit,
      canary: canary,
      stable: stable,
    };

  local builtinNames = [b[0] for b in builtin];
  local models = [
    metric(b[0], 'metrics.' + b[0], opts.metrics[b[0]], b[2], b[3]('canary'), b[3]('stable'))
    for b in builtin
    if b[1] && opts.metrics[b[0]] != null
  ];

  // User metrics: PromQL with $selector (the track's application-metric
  // selector: namespace, job, track), $pods (the track's pod selector for
  // container and kube-state metrics) and $range.
  local users = if std.isArray(opts.userMetrics) then opts.userMetrics else fail('userMetrics', 'must be a list of metrics');
  local userModels = [
    local u = users[i];
    local field = 'userMetrics[' + i + ']';
    local m = if std.isObject(u) then userDefaults + u else fail(field, 'must be an object such as { name: "queueDepth", query: "sum(queue_depth{$selector})" }');
    local unknown = [k for k in std.objectFields(m) if !std.member(userKeys, k)];
    local checks = [
      if std.length(unknown) > 0 then fail(field + '.' + unknown[0], 'unknown option', 'known options here: ' + std.join(', ', userKeys)) else true,
      if !std.isString(util.get(m, 'name')) || m.name == '' then fail(field + '.name', 'must be a non-empty string') else true,
      if std.member(builtinNames, m.name) then fail(field + '.name', util.show(m.name) + ' is a built-in metric', 'tune it under analysis.metrics.' + m.name + ', or pick another name') else true,
      if std.length([v for v in users[0:i] if std.isObject(v) && util.get(v, 'name') == m.name]) > 0 then fail(field + '.name', util.show(m.name) + ' is given twice') else true,
      if !std.isString(util.get(m, 'query')) then fail(field + '.query', 'must be a PromQL string') else true,
      if !util.contains(m.query, '$selector') && !util.contains(m.query, '$pods') then
        fail(field + '.query',
             'has neither $selector nor $pods, so the canary and the stable would get the same query',
             'select the series with {$selector} (namespace, job and track) or {$pods} (pod names of the track)')
      else true,
    ];
    assert std.length([c for c in checks if c != true]) == 0;
    local track(t) = std.strReplace(std.strReplace(m.query, '$selector', q.sel[t]), '$pods', q.pods[t]);
    metric(m.name, field, m, m.unit, track('canary'), track('stable'))
    for i in std.range(0, std.length(users) - 1)
  ];

  local num(field, v, min) =
    if !std.isNumber(v) || v < min then fail(field, 'must be a number >= ' + min + ', got ' + util.show(v)) else v;
  {
    workload: {
      kind: ctx.kind,
      namespace: ctx.namespace,
      name: ctx.name,
      canaryName: ctx.canaryName,
      job: ctx.job,
      trackLabel: ctx.trackLabel,
      trackValue: ctx.trackValue,
      // 'partition': one StatefulSet, the canary its top ordinals, told
      // apart by the pod-index label (trackLabel).
      mode: if ctx.partition != null then 'partition' else 'workloads',
    },
    // null: the CLI uses the query step (at least 1m).
    range: if opts.range == null || std.isString(opts.range) then opts.range else fail('range', 'must be a duration such as "5m", or null'),
    minRequestRate: num('minRequestRate', opts.minRequestRate, 0),
    minSamples: num('minSamples', opts.minSamples, 1),
    maxShareDeviation: num('maxShareDeviation', opts.maxShareDeviation, 0),
    passScore: num('passScore', opts.passScore, 0),
    marginalScore:
      if num('marginalScore', opts.marginalScore, 0) > opts.passScore then fail('marginalScore', 'must not be above passScore (' + opts.passScore + ')')
      else opts.marginalScore,
    confidence:
      if !std.isNumber(opts.confidence) || opts.confidence <= 0 || opts.confidence >= 1 then fail('confidence', 'must be a number in (0, 1), such as 0.98')
      else opts.confidence,
    groupWeights:
      if !std.isObject(opts.groupWeights) || std.length([g for g in std.objectFields(opts.groupWeights) if !std.isNumber(opts.groupWeights[g]) || opts.groupWeights[g] < 0]) > 0 then
        fail('groupWeights', 'must map group names to weights >= 0, such as { errors: 50, latency: 30 }')
      else opts.groupWeights,
    // Requests per second of each track: the traffic guards (minimum rate,
    // observed share against the rendered one). null without a request
    // counter.
    traffic: if q.hasRequests then { canary: q.requests('canary'), stable: q.requests('stable') } else null,
    metrics: models + userModels,
  }
