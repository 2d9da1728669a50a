// The Grafana dashboard comparing the tracks. Every metric is shown as one
// stable and one canary series. Application metrics are split by the track
// label that the ServiceMonitor copies into every series (podTargetLabels);
// container metrics, which do not carry pod labels, by pod-name patterns that
// hold for any replica count (StatefulSet pods <name>-<ordinal>, Deployment
// pods <name>-<pod-template-hash>-<suffix>).
//
// Deterministic: panel ids and positions follow the panel order, the uid is
// derived from the names, no timestamps.
local util = import 'util.libsonnet';

// '$datasource', not '${datasource}': the braced form is also OpenShift
// template parameter syntax.
local datasource = { type: 'prometheus', uid: '$datasource' };
local colors = { stable: 'blue', canary: 'orange', expected: 'green', ready: 'purple' };

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
  options: {
    legend: { showLegend: true, displayMode: 'table', placement: 'bottom', calcs: ['mean', 'lastNotNull', 'max'] },
    tooltip: { mode: 'multi', sort: 'none' },
  },
  targets: [target(i, series[i][0], series[i][1]) for i in std.range(0, std.length(series) - 1)],
};

local row(title) = { type: 'row', title: title, collapsed: false, panels: [] };

// Rows span the width; panels sit two to a line under their row.
local layout(groups) =
  local items = std.flattenArrays([[row(g.title)] + g.panels for g in groups]);
  local place(acc, p) =
    if p.type == 'row' then
      local y = if acc.x == 0 then acc.y else acc.y + 8;
      { x: 0, y: y + 1, out: acc.out + [p { gridPos: { h: 1, w: 24, x: 0, y: y } }] }
    else
      local x = acc.x;
      { x: if x == 0 then 12 else 0, y: if x == 0 then acc.y else acc.y + 8, out: acc.out + [p { gridPos: { h: 8, w: 12, x: x, y: acc.y } }] };
  local placed = std.foldl(place, items, { x: 0, y: 0, out: [] }).out;
  [placed[i] { id: i + 1 } for i in std.range(0, std.length(placed) - 1)];

{
  // ctx: kind, name, canaryName, namespace, job, trackLabel, trackValue,
  // replicas { stable, canary } (numbers, or template placeholders), title,
  // metrics (see defaults.libsonnet).
  new(ctx)::
    local m = ctx.metrics;
    local app = 'namespace="$namespace", job="' + ctx.job + '"';
    local sel = {
      stable: app + ', ' + ctx.trackLabel + '!="' + ctx.trackValue + '"',
      canary: app + ', ' + ctx.trackLabel + '="' + ctx.trackValue + '"',
    };
    local podPattern(n) =
      util.promRegexName(n) + if ctx.kind == 'StatefulSet' then '-[0-9]+' else '-[a-z0-9]+-[a-z0-9]+';
    local pods = {
      stable: 'namespace="$namespace", pod=~"' + podPattern(ctx.name) + '"',
      canary: 'namespace="$namespace", pod=~"' + podPattern(ctx.canaryName) + '"',
    };
    local perTrack(f) = [[f(t), t] for t in ['stable', 'canary']];
    local rate(metric, s) = 'sum(rate(' + metric + '{' + s + '}[$__rate_interval]))';
    local ready(t) =
      local n = if t == 'canary' then ctx.canaryName else ctx.name;
      if ctx.kind == 'StatefulSet' then 'sum(kube_statefulset_status_replicas_ready{namespace="$namespace", statefulset="' + n + '"})'
      else 'sum(kube_deployment_status_replicas_available{namespace="$namespace", deployment="' + n + '"})';
    local hasRequests = m.requests != null;
    local hasErrors = hasRequests && m.requestsCodeLabel != null && m.errorCodes != null;
    local hasLatency = m.durationBucket != null;
    local errorSel(t) = sel[t] + ', ' + m.requestsCodeLabel + '=~"' + m.errorCodes + '"';
    local quantile(q, t) = 'histogram_quantile(' + q + ', sum by (le) (rate(' + m.durationBucket + '{' + sel[t] + '}[$__rate_interval])))';

    local groups = [
                     {
                       title: 'Traffic',
                       panels: [
                         timeseries('Canary share of traffic',
                                    'Observed canary share of requests next to the expected share: the rendered replicas c/(c+s) and the ready replicas now. kube-proxy balances per connection, so long-lived connections skew the observed share.',
                                    'percentunit',
                                    (if hasRequests then [[rate(m.requests, sel.canary) + ' / ' + rate(m.requests, app), 'observed']] else [])
                                    + [
                                      ['vector(' + ctx.replicas.canary + ' / (' + ctx.replicas.canary + ' + ' + ctx.replicas.stable + '))', 'expected'],
                                      [ready('canary') + ' / (' + ready('canary') + ' + ' + ready('stable') + ')', 'ready'],
                                    ]),
                       ] + (if hasRequests then [
                              timeseries('Requests per second', 'All requests per track.', 'reqps', perTrack(function(t) rate(m.requests, sel[t]))),
                            ] else []),
                     },
                   ] + (if hasErrors then [{
                          title: 'Errors',
                          panels: [
                            timeseries('Error ratio',
                                       'Share of requests answered with ' + m.requestsCodeLabel + '=~"' + m.errorCodes + '", per track.',
                                       'percentunit',
                                       perTrack(function(t) rate(m.requests, errorSel(t)) + ' / ' + rate(m.requests, sel[t]))),
                            timeseries('Errors per second', 'Error responses per track.', 'reqps', perTrack(function(t) rate(m.requests, errorSel(t)))),
                          ],
                        }] else [])
                   + (if hasLatency then [{
                        title: 'Latency',
                        panels: [
                          timeseries('p99 latency', '99th percentile of the request duration, per track.', 's', perTrack(function(t) quantile('0.99', t))),
                          timeseries('p50 latency', 'Median request duration, per track.', 's', perTrack(function(t) quantile('0.5', t))),
                        ],
                      }] else [])
                   + [
                     {
                       title: 'Saturation',
                       panels: [
                         timeseries('CPU per pod',
                                    'Average CPU usage of one pod, per track (cAdvisor).',
                                    'short',
                                    perTrack(function(t) 'avg(sum by (pod) (rate(container_cpu_usage_seconds_total{' + pods[t] + ', container!="", container!="POD"}[$__rate_interval])))')),
                         timeseries('Memory per pod',
                                    'Average working-set memory of one pod, per track (cAdvisor).',
                                    'bytes',
                                    perTrack(function(t) 'avg(sum by (pod) (container_memory_working_set_bytes{' + pods[t] + ', container!="", container!="POD"}))')),
                         timeseries('Container restarts',
                                    'Container restarts per track over the last hour (kube-state-metrics).',
                                    'short',
                                    perTrack(function(t) 'sum(increase(kube_pod_container_status_restarts_total{' + pods[t] + '}[1h]))')),
                         timeseries('Ready replicas', 'Ready replicas per track (kube-state-metrics).', 'short', perTrack(ready)),
                       ],
                     },
                   ];

    local uidBase = ctx.namespace + '-' + ctx.canaryName;
    {
      title: ctx.title,
      uid: if std.length(uidBase) <= 40 then uidBase else 'canarygen-' + std.substr(std.md5(uidBase), 0, 30),
      description: 'Stable and canary tracks of ' + ctx.kind + ' ' + ctx.namespace + '/' + ctx.name + '. Made by canarygen.',
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
          {
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
}
