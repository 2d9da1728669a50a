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
      if std.objectHas(colors, s[1])
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

local util = import 'util.libsonnet';

{
  // The dashboard model. ctx: as queries.libsonnet's, plus replicas
  // { stable, canary } (numbers, or template placeholders) and title.
  model(ctx)::
    local q = (import 'queries.libsonnet')(ctx { namespace: '$namespace' }, '$__rate_interval');
    local m = ctx.metrics;
    local perTrack(f) = [[f(t), t] for t in ['stable', 'canary']];
    local quantiles = [['0.5', 'p50', 'Median'], ['0.9', 'p90', '90th percentile of'], ['0.99', 'p99', '99th percentile of']];

    local groups = [
                     {
                       title: 'Traffic',
                       panels: [
                         timeseries('Canary share of traffic',
                                    'Observed canary share of requests next to the expected share: the rendered replicas c/(c+s) and the ready replicas now. kube-proxy balances per connection, so long-lived connections skew the observed share.',
                                    'percentunit',
                                    (if q.hasRequests then [[q.canaryShare, 'observed']] else [])
                                    + [
                                      ['vector(' + ctx.replicas.canary + ' / (' + ctx.replicas.canary + ' + ' + ctx.replicas.stable + '))', 'expected'],
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

    local anyNamespace = ctx.namespace == null;
    local uidBase = if anyNamespace then ctx.canaryName else ctx.namespace + '-' + ctx.canaryName;
    {
      title: ctx.title,
      uid: if std.length(uidBase) <= 40 then uidBase else 'canarygen-' + std.substr(std.md5(uidBase), 0, 30),
      description: 'Stable and canary tracks of ' + ctx.kind + ' ' + (if anyNamespace then '' else ctx.namespace + '/') + ctx.name + '. Made by canarygen.',
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
          // The namespace: the workload's, or, when it has none, the ones
          // its job runs in.
          if anyNamespace then {
            name: 'namespace',
            label: 'Namespace',
            type: 'query',
            datasource: datasource,
            query: 'label_values(up{job="' + ctx.job + '"}, namespace)',
            refresh: 2,
            hide: 0,
            options: [],
          } else {
            name: 'namespace',
            label: 'Namespace',
            type: 'custom',
            query: ctx.namespace,
            current: { text: ctx.namespace, value: ctx.namespace },
            hide: 0,
            options: [{ selected: true, text: ctx.namespace, value: ctx.namespace }],
          },
        ],
      },
      panels: layout(groups),
    },

  // The set's dashboard: the model (hidden: set.grafanaDashboard) and its
  // ConfigMap for the Grafana sidecar. m: model.libsonnet's facts.
  component(m):: {
    local set = self,
    local c = m.config,
    local on = c.dashboard != false,

    grafanaDashboard:: $.model(set.queryContext {
      replicas: {
        stable: if m.stableReplicasParam then m.param('REPLICAS') else m.ratio.stable,
        canary: if m.templateParameters then m.param('CANARY_REPLICAS') else m.ratio.canary,
      },
      title: if on && c.dashboard.title != null then c.dashboard.title else m.name + ' canary',
    }),

    [if m.config.dashboard != false then 'dashboard']: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: util.metadata(
        m.canaryName + '-dashboard',
        if c.dashboard.namespace != null then c.dashboard.namespace else m.namespace,
        { grafana_dashboard: '1' } + c.dashboard.labels,
      ),
      data: { [m.canaryName + '.json']: std.manifestJsonEx(set.grafanaDashboard, '  ') },
    },
  },
}
