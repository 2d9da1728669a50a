// The Grafana dashboard comparing the tracks. Every metric is shown as one
// stable and one canary series; the queries are queries.libsonnet's.
//
// Deterministic: panel ids and positions follow the panel order, the uid is
// derived from the names, no timestamps.

// '$datasource', not '${datasource}': the braced form is also OpenShift
// template parameter syntax.
local datasource = { type: 'prometheus', uid: '$datasource' };
local colors = { stable: 'blue', canary: 'orange', expected: 'green', ready: 'purple' };

// The same for every panel; a file-level constant is evaluated once.
local panelOptions = {
  legend: { showLegend: true, displayMode: 'table', placement: 'bottom', calcs: ['mean', 'lastNotNull', 'max'] },
  tooltip: { mode: 'multi', sort: 'none' },
};

local target(i, expr, legend) = {
  datasource: datasource,
  expr: expr,
  legendFormat: legend,
  refId: std.char(65 + i),
};

local timeseries(title, description, unit, series) = {
  type: 'timeseries',
  title: title,
  description: description,
  datasource: datasource,
  fieldConfig: {
    defaults: { unit: unit },
    overrides: [
      {
        matcher: { id: 'byName', options: s[1] },
        properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: colors[s[1]] } }],
      }
      for s in series
      if std.objectHasEx(colors, s[1], false)
    ],
  },
  options: panelOptions,
  targets: [target(i, series[i][0], series[i][1]) for i in std.range(0, std.length(series) - 1)],
};

local row(title) = { type: 'row', title: title, collapsed: false, panels: [] };

// Rows span the width; panels sit two to a line under their row. A group
// takes 1 + 8 * ceil(panels / 2) units of height.
local layout(groups) =
  local height(g) = 1 + 8 * std.ceil(std.length(g.panels) / 2);
  local top = std.foldl(function(acc, g) acc + [acc[std.length(acc) - 1] + height(g)], groups, [0]);
  local placed = std.flattenArrays([
    local g = groups[gi];
    local y = top[gi];
    [row(g.title) { gridPos: { h: 1, w: 24, x: 0, y: y } }]
    + [
      g.panels[j] { gridPos: { h: 8, w: 12, x: 12 * (j % 2), y: y + 1 + 8 * std.floor(j / 2) } }
      for j in std.range(0, std.length(g.panels) - 1)
    ]
    for gi in std.range(0, std.length(groups) - 1)
  ]);
  [placed[i] { id: i + 1 } for i in std.range(0, std.length(placed) - 1)];

local defaults = import 'defaults.libsonnet';
local slots = import 'slots.libsonnet';
local util = import 'util.libsonnet';

// The fleet dashboard's variables: the namespace and the workload pick any
// canary (its namespace, and the name of its stable, found from the
// canary workloads kube-state-metrics reports), the job its Service (from
// the canary pods' targets). ctx: trackLabel, trackValue, suffix.
local fleetVariables(ctx) =
  local suffixRe = util.promRegexName(ctx.suffix);
  local query(name, label, q, regex) = {
    name: name,
    label: label,
    type: 'query',
    datasource: datasource,
    query: { query: q, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    definition: q,
    regex: regex,
    refresh: 2,
    sort: 1,
    hide: 0,
    includeAll: false,
    multi: false,
    // Grafana picks the first value it finds.
    current: { text: '', value: '' },
    options: [],
  };
  local workloads(ns) =
    'label_replace(kube_deployment_spec_replicas{' + ns + 'deployment=~".+' + suffixRe + '"}, "workload", "$1", "deployment", "(.+)' + suffixRe + '")'
    + ' or label_replace(kube_statefulset_replicas{' + ns + 'statefulset=~".+' + suffixRe + '"}, "workload", "$1", "statefulset", "(.+)' + suffixRe + '")';
  [
    query('namespace', 'Namespace', 'query_result(count by (namespace) (' + workloads('') + '))', '/namespace="([^"]+)"/'),
    query('workload', 'Workload', 'query_result(count by (workload) (' + workloads('namespace="$namespace", ') + '))', '/workload="([^"]+)"/'),
    query('job', 'Job', 'label_values(up{namespace="$namespace", ' + ctx.trackLabel + '="' + ctx.trackValue + '", pod=~"$workload' + suffixRe + '-.+"}, job)', ''),
  ];

// The dashboard model. ctx: as queries.libsonnet's, plus replicas
// { stable, canary } (numbers, or template placeholders), title and uid
// ($.uid). kind null is the fleet dashboard (fleet, below).
local model(ctx) =
  local fleet = ctx.kind == null;
  // No namespace (the workload has none): the dashboard's namespace
  // variable lists the ones its job runs in.
  local anyNamespace = ctx.namespace == null;
  local q = (import 'queries.libsonnet')(ctx { namespace: '$namespace' }, '$__rate_interval');
  local m = ctx.metrics;
  local perTrack(f) = [[f(t), t] for t in ['stable', 'canary']];
  local quantiles = [['0.5', 'p50', 'Median'], ['0.9', 'p90', '90th percentile of'], ['0.99', 'p99', '99th percentile of']];

  local groups = [
                   {
                     title: 'Traffic',
                     panels: [
                       timeseries('Canary share of traffic',
                                  'Observed canary share of requests next to the expected share: the '
                                  + (if fleet then 'desired replicas c/(c+s) kube-state-metrics reports' else 'rendered replicas c/(c+s)')
                                  + ' and the ready replicas now. kube-proxy balances per connection, so long-lived connections skew the observed share.',
                                  'percentunit',
                                  (if q.hasRequests then [[q.canaryShare, 'observed']] else [])
                                  + [
                                    [
                                      if fleet then q.desired('canary') + ' / (' + q.desired('canary') + ' + ' + q.desired('stable') + ')'
                                      else 'vector(' + ctx.replicas.canary + ' / (' + ctx.replicas.canary + ' + ' + ctx.replicas.stable + '))',
                                      'expected',
                                    ],
                                    [q.ready('canary') + ' / (' + q.ready('canary') + ' + ' + q.ready('stable') + ')', 'ready'],
                                  ]),
                     ] + (if q.hasRequests then [
                            timeseries('Requests per second', 'All requests per track.', 'reqps', perTrack(q.requests)),
                          ] else []),
                   },
                 ] + (if q.hasErrors then [{
                        title: 'Errors',
                        panels: [
                          timeseries('Error ratio',
                                     'Share of requests answered with ' + m.requestsCodeLabel + '=~"' + m.errorCodes + '", per track.',
                                     'percentunit',
                                     perTrack(q.errorRatio)),
                          timeseries('Canary / stable error ratio',
                                     "How many times the stable's error ratio the canary has: above 1 the canary errs more.",
                                     'short',
                                     [['(' + q.errorRatio('canary') + ') / (' + q.errorRatio('stable') + ')', 'canary / stable']]),
                          timeseries('Errors per second', 'Error responses per track.', 'reqps', perTrack(q.errors)),
                        ],
                      }] else [])
                 + (if q.hasLatency then [{
                      title: 'Latency',
                      panels: [
                        timeseries(x[1] + ' latency', x[2] + ' the request duration, per track.', 's', perTrack(function(t) q.quantile(x[0], t)))
                        for x in quantiles
                      ],
                    }] else [])
                 + [
                   {
                     title: 'Saturation',
                     panels: [
                       timeseries('CPU per pod', 'Average CPU usage of one pod, per track (cAdvisor).', 'short', perTrack(q.cpu)),
                       timeseries('Memory per pod', 'Average working-set memory of one pod, per track (cAdvisor).', 'bytes', perTrack(q.memory)),
                       timeseries('Container restarts', 'Container restarts per track over the last hour (kube-state-metrics).', 'short', perTrack(q.restarts)),
                     ],
                   },
                   {
                     title: 'Rollout',
                     panels: [
                       timeseries('Ready replicas', 'Ready replicas per track (kube-state-metrics).', 'short', perTrack(q.ready)),
                       timeseries('Desired replicas', 'Replicas each track asks for (kube-state-metrics).', 'short', perTrack(q.desired)),
                     ],
                   },
                 ];

  {
    title: ctx.title,
    uid: ctx.uid,
    description:
      if fleet then 'Stable and canary tracks of any canary canarygen renders: pick its namespace and workload. Made by canarygen.'
      else 'Stable and canary tracks of ' + ctx.kind + ' ' + (if anyNamespace then '' else ctx.namespace + '/') + ctx.name + '. Made by canarygen.',
    tags: ['canarygen', 'canary'],
    editable: true,
    graphTooltip: 1,
    refresh: '1m',
    schemaVersion: 39,
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    timezone: 'utc',
    links: [],
    annotations: {
      list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      }],
    },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: { text: 'default', value: 'default' },
          hide: 0,
          refresh: 1,
          options: [],
        },
      ] + (
        if fleet then fleetVariables(ctx)
        else if anyNamespace then [{
          name: 'namespace',
          label: 'Namespace',
          type: 'query',
          datasource: datasource,
          query: 'label_values(up{job="' + ctx.job + '"}, namespace)',
          refresh: 2,
          hide: 0,
          options: [],
        }]
        else [{
          name: 'namespace',
          label: 'Namespace',
          type: 'custom',
          query: ctx.namespace,
          current: { text: ctx.namespace, value: ctx.namespace },
          hide: 0,
          options: [{ selected: true, text: ctx.namespace, value: ctx.namespace }],
        }]
      ),
    },
    panels: layout(groups),
  };

// ---- The model's JSON from a template (slots.libsonnet) ---------------

// The strings a dashboard differs in from workload to workload.
local strings(ctx) = {
  local m = ctx.metrics,
  name: ctx.name,
  canaryName: ctx.canaryName,
  namespace: ctx.namespace,
  job: ctx.job,
  trackLabel: ctx.trackLabel,
  trackValue: ctx.trackValue,
  replicasStable: std.toString(ctx.replicas.stable),
  replicasCanary: std.toString(ctx.replicas.canary),
  title: ctx.title,
  uid: ctx.uid,
  requests: m.requests,
  requestsCodeLabel: m.requestsCodeLabel,
  errorCodes: m.errorCodes,
  durationBucket: m.durationBucket,
};

// The template a context fills (a field of templates), or null for the
// direct path: partition mode computes ordinals from the replicas, and
// pod-name patterns escape the '.' of a name.
local shapeOf(ctx) =
  local m = ctx.metrics;
  local str(v) = v == null || std.type(v) == 'string';
  if ctx.partition != null || util.promRegexName(ctx.name) != ctx.name || util.promRegexName(ctx.canaryName) != ctx.canaryName
     || !((ctx.namespace == null || std.type(ctx.namespace) == 'string') && std.type(ctx.job) == 'string' && std.type(ctx.trackLabel) == 'string' && std.type(ctx.trackValue) == 'string' && std.type(ctx.uid) == 'string'
          && str(ctx.title) && str(m.requests) && str(m.requestsCodeLabel) && str(m.errorCodes) && str(m.durationBucket)) then null
  else
    ctx.kind
    + (if m.requests != null then '+requests' else '')
    + (if m.requestsCodeLabel != null then '+code' else '')
    + (if m.errorCodes != null then '+errors' else '')
    + (if m.durationBucket != null then '+latency' else '')
    + (if ctx.namespace == null then '+anyNamespace' else '');

// Every shape's template, each made on first use and kept by the VM for
// the workloads that follow.
local on = [true, false];
local templates = {
  [kind + (if r then '+requests' else '') + (if c then '+code' else '') + (if e then '+errors' else '') + (if l then '+latency' else '') + (if a then '+anyNamespace' else '')]:
    local s = slots.slots(std.objectFields(strings({ metrics: {}, replicas: {} })));
    slots.template(model(s {
      kind: kind,
      namespace: if a then null else s.namespace,
      partition: null,
      metrics: {
        requests: if r then s.requests else null,
        requestsCodeLabel: if c then s.requestsCodeLabel else null,
        errorCodes: if e then s.errorCodes else null,
        durationBucket: if l then s.durationBucket else null,
      },
      replicas: { stable: s.replicasStable, canary: s.replicasCanary },
    }), '  ')
  for kind in ['StatefulSet', 'Deployment']
  for r in on
  for c in on
  for e in on
  for l in on
  for a in on
};

{
  model(ctx):: model(ctx),

  // A dashboard's uid: unique per namespace (when there is one) and
  // canary, at most 40 characters (Grafana's limit).
  uid(namespace, canaryName)::
    local base = if namespace == null then canaryName else namespace + '-' + canaryName;
    if std.length(base) <= 40 then base else 'canarygen-' + std.substr(std.md5(base), 0, 30),

  // The template the JSON of ctx's dashboard fills: { id (main.libsonnet's
  // template(id)), key (template(key)), strings (for its slots) }, or null
  // when the JSON takes the direct path (std.manifestJsonEx of the model).
  templateOf(ctx)::
    local key = shapeOf(ctx);
    if key == null then null else { id: 'dashboard/' + key, key: key, strings: strings(ctx) },
  template(key):: templates[key],

  // The model's JSON, as std.manifestJsonEx(model(ctx), '  ') gives it,
  // from the template of its shape when it has one.
  json(ctx)::
    local t = $.templateOf(ctx);
    if t == null then std.manifestJsonEx(model(ctx), '  ') else slots.fill(templates[t.key], t.strings),

  // The fleet dashboard: one dashboard whose variables pick any canary, the
  // way the kubernetes-mixin dashboards serve every workload, for
  // repositories with many canaries instead of a dashboard each. c: the
  // options in effect (defaults.libsonnet merged with the user's); those
  // of the track label, the suffix, and the dashboard's metrics, title,
  // labels and namespace apply.
  fleet(c)::
    local d = if c.dashboard != false then c.dashboard else defaults.dashboard;
    local ctx = {
      kind: null,
      name: '$workload',
      canaryName: '$workload' + c.canary.suffix,
      namespace: '$namespace',
      job: '$job',
      trackLabel: util.promLabel(c.track.key),
      trackValue: c.track.value,
      suffix: c.canary.suffix,
      partition: null,
      metrics: d.metrics,
      title: if d.title != null then d.title else 'Canaries',
      uid: 'canarygen-fleet',
    };
    local dashboard = model(ctx);
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: util.metadata('canarygen-fleet-dashboard', d.namespace, { grafana_dashboard: '1' } + d.labels),
      data: { 'canarygen-fleet.json': std.manifestJsonEx(dashboard, '  ') },
      grafanaDashboard:: dashboard,
    },

  // The set's dashboard: the model (hidden: set.grafanaDashboard), its JSON
  // (hidden: set.grafanaDashboardJson) and its ConfigMap for the Grafana
  // sidecar. m: model.libsonnet's facts.
  component(m):: {
    local set = self,
    local c = m.config,
    local on = c.dashboard != false,

    // What the model is made of: the query context, the replicas, the
    // title and the uid.
    dashboardContext:: set.queryContext {
      replicas: {
        stable: if m.stableReplicasParam then m.param('REPLICAS') else m.ratio.stable,
        canary: if m.templateParameters then m.param('CANARY_REPLICAS') else m.ratio.canary,
      },
      title: if on && c.dashboard.title != null then c.dashboard.title else m.name + ' canary',
      uid: $.uid(set.queryContext.namespace, set.queryContext.canaryName),
    },
    grafanaDashboard:: $.model(set.dashboardContext),
    // The template the ConfigMap's JSON fills (templateOf), or null.
    grafanaDashboardTemplate:: if on then $.templateOf(set.dashboardContext) else null,
    // The ConfigMap's JSON: std.manifestJsonEx(set.grafanaDashboard, '  '),
    // filled into a template made once per process. An override of
    // grafanaDashboard reaches the ConfigMap with
    // `grafanaDashboardJson:: std.manifestJsonEx(self.grafanaDashboard, '  ')`.
    grafanaDashboardJson::
      local t = set.grafanaDashboardTemplate;
      if t == null then std.manifestJsonEx(set.grafanaDashboard, '  ')
      else if set.slotted then slots.slot('dashboard')
      else slots.fill($.template(t.key), t.strings),
    // A caller that fills the templates itself (the CLI, in Go) renders
    // `canarygen.new(...) { slotted:: true }`: the set then holds a slot
    // where the JSON goes, and `templated` says what fills it (the
    // template, its strings, whether the text is JSON or a string, and the
    // object of the set that holds the slot).
    slotted:: false,
    templated+:: if set.slotted && set.grafanaDashboardTemplate != null then { dashboard: set.grafanaDashboardTemplate { json: false, object: 'dashboard' } } else {},

    [if m.config.dashboard != false then 'dashboard']: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: util.metadata(
        m.canaryName + '-dashboard',
        if c.dashboard.namespace != null then c.dashboard.namespace else m.namespace,
        { grafana_dashboard: '1' } + c.dashboard.labels,
      ),
      data: { [m.canaryName + '.json']: set.grafanaDashboardJson },
    },
  },
}
