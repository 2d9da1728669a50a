// The dashboard's JSON and the PrometheusRule's groups come from templates
// (slots.libsonnet): each equals what the direct path (the model
// manifested, the groups evaluated) gives, for every shape of context and
// for strings that need escaping; workloads the templates cannot serve
// take the direct path.
local dashboard = import 'canarygen/dashboard.libsonnet';
local canarygen = import 'canarygen/main.libsonnet';
local rules = import 'canarygen/rules.libsonnet';
local slots = import 'canarygen/slots.libsonnet';
local web = import 'web.libsonnet';

// What the CLI does in Go: the set with slots, each slot replaced by its
// template filled with its strings.
local filledByCaller(unslotted) =
  local set = unslotted { slotted:: true };
  local values = {
    [slots.slot(k)]:
      local t = set.templated[k];
      local text = slots.fill(canarygen.template(t.id), t.strings);
      if t.json then std.parseJson(text) else text
    for k in std.objectFields(set.templated)
  };
  local replace(v) =
    if std.isString(v) && std.objectHas(values, v) then values[v]
    else if std.isObject(v) then std.mapWithKey(function(_, x) replace(x), v)
    else if std.isArray(v) then std.map(replace, v)
    else v;
  replace(std.parseJson(std.manifestJson(set)));

local sts = web {
  kind: 'StatefulSet',
  metadata+: { name: 'db' },
  spec+: { serviceName: 'db-headless', selector: { matchLabels: { app: 'db' } }, template+: { metadata: { labels: { app: 'db' } } } },
};
// No namespace: the queries keep the namespace label (sum by (namespace)).
local noNamespace = web { metadata: { name: 'api' } };
local dotted = web { metadata+: { name: 'web.v2' } };

local metrics(m) = { dashboard: { metrics: m } };
// [workload, params, templated]
local cases = [
  [web, {}, true],
  [web, { canary: { percent: 10 } }, true],
  [sts, { canary: { replicas: 2 } }, true],
  [noNamespace, {}, true],
  [noNamespace, { prometheusRule: { runbookUrl: 'https://runbooks.example.com/x' } }, true],
  [web, metrics({ requests: null }), true],
  [web, metrics({ durationBucket: null }), true],
  [web, metrics({ requestsCodeLabel: null }), true],
  [web, metrics({ errorCodes: null }), true],
  [web, metrics({ requests: 'grpc_server_handled_total', requestsCodeLabel: 'grpc_code', errorCodes: 'Unknown|Internal|Unavailable' }), true],
  [web, { dashboard: { title: 'Web "canary" \\ ünïcode\tand a\nnewline' } }, true],
  // Characters go-jsonnet's std.escapeStringJson and std.manifestJsonEx
  // write differently: the fill writes them as the direct path does.
  [web, { dashboard: { title: 'line ' + std.char(8232) + ' para ' + std.char(8233) + ' del ' + std.char(127) + ' nel ' + std.char(133) + ' c1 ' + std.char(159) + ' nul ' + std.char(0) } }, true],
  [web, { prometheusRule: { runbookUrl: 'https://x.example.com/' + std.char(8232) + std.char(127) } }, true],
  // The slot character in a string: escaped alone.
  [web, { dashboard: { title: 'a ' + std.char(57344) + ' b' } }, true],
  [web, { track: { key: 'example.com/track', value: 'canary-v2' } }, true],
  [web, { templateParameters: true }, true],
  [web, { prometheusRule: { runbookUrl: 'https://runbooks.example.com/canary?x="1"', errorRatioFloor: 0.005, errorRatioFactor: 1.25, minRequestRate: 0.5, 'for': '5m', severity: 'critical' } }, true],
  [web, { canary: { suffix: '-next' } }, true],
  // Pod-name regexes escape the '.' of a name: the dashboard's direct path.
  [dotted, {}, false],
  [sts, { mode: 'partition', canary: { replicas: 1 } }, false],
];

local check(c) =
  local set = canarygen.new(c[0], c[1]);
  local opts = set.config.prometheusRule;
  local direct = std.manifestJsonEx(set.grafanaDashboard, '  ');
  assert (set.grafanaDashboardTemplate != null) == c[2] : [c[1], 'dashboard templated', !c[2]];
  assert set.grafanaDashboardJson == direct : [c[1], 'dashboard JSON differs from the model manifested'];
  assert (set.rulesTemplate != null) == (c[1] != { mode: 'partition', canary: { replicas: 1 } }) : [c[1], 'rules templated'];
  assert std.manifestJson(set.rules) == std.manifestJson(rules.groups(set.queryContext, opts)) : [c[1], 'rules differ from the groups evaluated'];
  assert std.manifestJson(filledByCaller(set)) == std.manifestJson(set) : [c[1], 'the templates filled by a caller give other objects'];
  true;

std.length([c for c in cases if check(c)]) == std.length(cases)
