// The Prometheus-Operator ServiceMonitor: selects the Service that serves
// the metrics port by its labels, scrapes that port, and copies the track
// label from the pods into every series (podTargetLabels), so queries say
// track="canary" vs track!="canary".
//
// A ServiceMonitor the input already has for the pods is adopted: its
// endpoints (scheme, TLS, interval, relabelings) and labels stay, and the
// track label is added to its podTargetLabels.
//
// Which port, in this order: the one an input ServiceMonitor scrapes; the
// metricsPort option; a port named metrics or http-metrics; one whose name
// contains metrics; the one the prometheus.io/port annotation names; one
// named http. The choice and its reason are one of the set's notes.
local context = import 'context.libsonnet';
local model = import 'model.libsonnet';
local util = import 'util.libsonnet';

local preferred = ['metrics', 'http-metrics'];

local portsOf(svc) = [p for p in util.path(svc, ['spec', 'ports'], []) if std.type(p) == 'object'];
local namesOf(svc) = [p.name for p in portsOf(svc) if std.type(util.get(p, 'name')) == 'string'];
local describeIn(svc, ns) = 'Service ' + (if ns != null then ns + '/' else '') + util.str(util.nameOf(svc));
local quote(names) = std.join(', ', [util.show(n) for n in names]);

// m: model.libsonnet's facts.
function(m) {
  local set = self,
  local c = m.config,
  local ns = m.namespace,
  local key(svc) = util.str(util.namespaceOf(svc)) + '/' + util.str(util.nameOf(svc)),
  local usedBy(svc) = context.usedBy(m.webhookServices, ns, util.nameOf(svc)),
  local webhook(svc) = usedBy(svc) != null,

  // The Services that may serve metrics: the set's, then the input's other
  // Services over the pods; never one a webhook or APIService uses.
  local candidates =
    local all = (if m.hasService then [set.serviceObject] else []) + [s for s in m.services if !m.hasService || key(s) != key(set.serviceObject)];
    local named = if c.metricsService == null then all else [s for s in all if util.nameOf(s) == c.metricsService];
    [s for s in named if !webhook(s)],

  // The input's ServiceMonitors over a candidate, first found first.
  local adoptable = std.flattenArrays([
    [[sm, svc] for sm in context.serviceMonitors(svc, m.serviceMonitors)]
    for svc in candidates
  ]),

  // The port of a Service a rule picks: { port, reason } or null, or
  // { ambiguous: [...] } when several ports fit one rule.
  local annotatedPort(svc) =
    local pick(o) = util.path(o, ['metadata', 'annotations', 'prometheus.io/port']);
    local fromPods = pick(m.template);
    local value = if fromPods != null then fromPods else pick(svc);
    local number = if std.type(value) == 'string' && std.length(value) > 0 && std.length([ch for ch in std.stringChars(value) if ch < '0' || ch > '9']) == 0 then std.parseInt(value)
    else if util.isInt(value) then value else null;
    local containerPort(name) = [p.containerPort for ct in m.containers for p in util.get(ct, 'ports', []) if util.get(p, 'name') == name];
    local serves(p) =
      number != null && (util.get(p, 'port') == number || util.get(p, 'targetPort') == number
                         || (std.type(util.get(p, 'targetPort')) == 'string' && std.member(containerPort(p.targetPort), number)));
    if number == null then null
    else [util.get(p, 'name') for p in portsOf(svc) if serves(p) && std.type(util.get(p, 'name')) == 'string'],
  // [why, function of a Service giving the ports that fit].
  local rules = [
    ['the `metricsPort` option names it', function(svc) if c.metricsPort != null && std.member(namesOf(svc), c.metricsPort) then [c.metricsPort] else []],
    ['its name says metrics', function(svc) [p for p in preferred if std.member(namesOf(svc), p)][0:1]],
    ['its name contains "metrics"', function(svc) [p for p in namesOf(svc) if util.contains(p, 'metrics')]],
    ['the prometheus.io/port annotation names its port', function(svc) local a = annotatedPort(svc); if a == null then [] else a],
    ['it is named "http" (as Prometheus, Thanos and Grafana name their metrics port)', function(svc) if std.member(namesOf(svc), 'http') then ['http'] else []],
  ],
  // The first rule that fits a candidate: [rule, service, ports], or null.
  // Each rule runs once per candidate, and none after the first that fits
  // (a comprehension would run them all, twice).
  local tries = [[r, svc] for r in (if c.metricsPort != null then rules[0:1] else rules[1:]) for svc in candidates],
  local firstFit(i) =
    if i == std.length(tries) then null
    else
      local ports = tries[i][0][1](tries[i][1]);
      if std.length(ports) > 0 then [tries[i][0][0], tries[i][1], ports] else firstFit(i + 1),
  local fit = firstFit(0),

  // What the ServiceMonitor goes with: { service, port, reason, adopted
  // (the input's ServiceMonitor, or null), problem (a failure, or null) }.
  metricsChoice::
    if std.length(adoptable) > 0 then
      local sm = adoptable[0][0];
      local svc = adoptable[0][1];
      local ports = [util.get(e, 'port') for e in util.path(sm, ['spec', 'endpoints'], []) if std.type(util.get(e, 'port')) == 'string'];
      {
        service: svc,
        port: if std.length(ports) > 0 then ports[0] else null,
        reason: 'the port ' + util.describe(sm) + ' scrapes (adopted: its endpoints stay, ' + m.trackLabel + ' is added to its podTargetLabels)',
        adopted: sm,
        problem:
          if c.metricsPort != null && !std.member(ports, c.metricsPort) then
            m.fail('metricsPort',
                   util.show(c.metricsPort) + ' is not a port ' + util.describe(sm) + ' of the input scrapes (' + quote(ports) + ')',
                   'drop `metricsPort` to keep what the ServiceMonitor scrapes, or change the ServiceMonitor')
          else null,
      }
    else if fit != null then
      local f = fit;
      {
        service: f[1],
        port: f[2][0],
        reason: f[0],
        adopted: null,
        problem:
          if std.length(f[2]) > 1 then
            m.fail('metricsPort',
                   'cannot tell which port of ' + describeIn(f[1], ns) + ' serves metrics: ' + quote(f[2]) + ' fit alike (' + f[0] + ')',
                   'name it with `metricsPort`')
          else null,
      }
    else
      local seen = [describeIn(s, ns) + ' (ports ' + quote(namesOf(s)) + ')' for s in candidates];
      local skipped = [
        describeIn(s, ns) + ' (used by ' + usedBy(s) + ')'
        for s in (if m.hasService then [set.serviceObject] else []) + m.services
        if webhook(s)
      ];
      {
        service: if std.length(candidates) > 0 then candidates[0] else set.serviceObject,
        port: null,
        reason: null,
        adopted: null,
        problem:
          if c.metricsService != null && std.length(candidates) == 0 then
            m.fail('metricsService',
                   'no Service named ' + util.show(c.metricsService) + ' over the pods serves metrics'
                   + (if std.length(skipped) > 0 then ' (' + std.join('; ', skipped) + ' is not scraped)' else ''),
                   'Services over the pods: ' + std.join(', ', [util.str(util.nameOf(s)) for s in (if m.hasService then [set.serviceObject] else []) + m.services]))
          else if c.metricsPort != null then
            m.fail('metricsPort',
                   util.show(c.metricsPort) + ' is not a port of ' + (if std.length(seen) > 0 then std.join(', ', seen) else 'a Service over the pods that may be scraped'),
                   if std.length(seen) > 0 then "give one of those port names (a Service port's name, not the container's), or the Service that has it with `metricsService`"
                   else 'give the input a Service over the pods with the port, or switch the ServiceMonitor off (`serviceMonitor`)')
          else
            m.fail('metricsPort',
                   'nothing says which port serves metrics: ' + (if std.length(seen) > 0 then std.join(', ', seen) else 'no Service over the pods may be scraped')
                   + (if std.length(skipped) > 0 then '; ' + std.join(', ', skipped) + ' is not scraped' else '')
                   + ' (none is named metrics, http-metrics or http, nor named by a prometheus.io/port annotation)',
                   'name the port with `metricsPort` (and the Service with `metricsService`), or, when the workload serves no metrics, switch the ServiceMonitor off (`serviceMonitor`)'),
      },

  // The Service the ServiceMonitor selects and the port it scrapes.
  metricsService:: set.metricsChoice.service,
  metricsPort:: set.metricsChoice.port,
  // The labels the ServiceMonitor selects the Service by: its labels
  // without those that change with each release.
  local selectLabels = util.without(util.path(set.metricsService, ['metadata', 'labels'], {}), model.releaseLabels),
  local https = std.type(set.metricsPort) == 'string' && util.contains(set.metricsPort, 'https') && !std.objectHasEx(c.serviceMonitor.endpoint, 'scheme', false),

  // The Service a ServiceMonitor canarygen renders (not an adopted one)
  // scrapes, "namespace/name:port", or null: two workloads whose rendered
  // ServiceMonitors scrape the same would scrape every pod twice.
  monitoredService::
    if c.serviceMonitor == false || set.metricsChoice.adopted != null || set.metricsPort == null then null
    else util.str(m.namespace) + '/' + util.str(util.nameOf(set.metricsService)) + ':' + set.metricsPort,

  serviceMonitorNotes::
    if c.serviceMonitor == false || set.metricsPort == null then []
    else ['scrapes port ' + util.show(set.metricsPort) + ' of ' + describeIn(set.metricsService, ns) + ': ' + set.metricsChoice.reason]
         + (if set.metricsChoice.adopted == null && https then
              ['the port is https, so the ServiceMonitor scrapes with scheme https; if Prometheus must verify the certificate or send a token, set tlsConfig or bearerTokenFile in `serviceMonitor.endpoint`']
            else []),

  [if m.config.serviceMonitor != false then 'serviceMonitor']:
    local adopted = set.metricsChoice.adopted;
    if adopted != null then
      local targets = util.path(adopted, ['spec', 'podTargetLabels'], []);
      adopted {
        metadata+: if std.length(c.serviceMonitor.labels) > 0 then { labels+: c.serviceMonitor.labels } else {},
        spec+: {
          [if !std.member(targets, m.trackLabel) then 'podTargetLabels']: targets + [m.trackLabel],
          [if std.length(c.serviceMonitor.endpoint) > 0 then 'endpoints']: [e + c.serviceMonitor.endpoint for e in super.endpoints],
        },
      }
    else {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: util.metadata(m.name, m.namespace, selectLabels + c.serviceMonitor.labels),
      spec: {
        selector: { matchLabels: selectLabels },
        endpoints: [{ port: set.metricsPort } + (if https then { scheme: 'https' } else {}) + c.serviceMonitor.endpoint],
        // Copies the track label from the pods into every scraped series.
        podTargetLabels: [m.trackLabel],
        [if m.templateParameters && m.namespace != null then 'namespaceSelector']: { matchNames: ['${NAMESPACE}'] },
      },
    },
}
