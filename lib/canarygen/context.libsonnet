// The objects around a workload: what canarygen.new finds among the other
// objects of the input (the `objects` argument), so that jsonnet users and
// CLI users get the same reuse and the same refusals.
//
// The model (model.libsonnet) sorts the objects it is given out once and
// gives each lookup the objects of its kind in the workload's namespace
// (ServiceMonitors: of every namespace, as a namespaceSelector may reach
// across).
local util = import 'util.libsonnet';

// The kinds a lookup here reads. A caller holding a large input may pass
// only the objects of these kinds that share a key with the workload (the
// keys below; canarygen.select gives them with opts.narrow), all of
// `cluster`, and the workload's existing canary (select names it), and get
// the same result as with the whole input.
local kinds = {
  namespaced: ['Service', 'ServiceMonitor', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
  cluster: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService', 'CustomResourceDefinition'],
};

local podLabelsOf(w) = util.path(w, ['spec', 'template', 'metadata', 'labels'], {});

// "namespace/name" of a service reference ({ namespace, name }); "*/name"
// when it names no namespace.
local ref(svc) =
  local ns = util.str(util.get(svc, 'namespace'));
  (if ns == '' then '*' else ns) + '/' + util.str(util.get(svc, 'name'));

// What a set may read, as keys: keysOf(o) are the keys an object of
// `kinds.namespaced` is reached by, wantsOf(w, config) those a workload's
// set reaches, and serviceWants(svc) those a Service the workload has (its
// own, or one over its pods) brings along: the ServiceMonitors that may
// select it. Every object a lookup below can read (and the name clash
// checks.libsonnet looks for) shares a key with the workload, so a caller
// that gives each set only those objects, plus the cluster-scoped ones
// and its canary, gets the set it would get with all of them, in the same
// order; only a set reads what matters to it, not every Service of its
// namespace. The keys say "may": a Service shares a key with every
// workload whose pods carry one label of its selector, and the lookups
// still decide.
local labelKeys(m) = if std.type(m) == 'object' then [k + '=' + std.toString(m[k]) for k in std.objectFields(m)] else [];
local keysOf(o) =
  local kind = util.get(o, 'kind');
  local ns = util.str(util.namespaceOf(o)) + '/';
  local matchLabels = util.path(o, ['spec', 'selector', 'matchLabels']);
  if kind == 'Service' then
    ['svc/name/' + ns + util.str(util.nameOf(o))] + ['svc/label/' + ns + l for l in labelKeys(util.path(o, ['spec', 'selector']))]
  else if kind == 'ServiceMonitor' then
    // By name (the clash with the one canarygen renders), and by its
    // matchLabels; one without any (matchExpressions, or empty) may
    // select every Service. One with a namespaceSelector (any, or
    // matchNames) may select Services of other namespaces: '*'.
    local nsSel = util.path(o, ['spec', 'namespaceSelector'], {});
    local names = util.get(nsSel, 'matchNames');
    local where = if util.get(nsSel, 'any') == true || (std.type(names) == 'array' && std.length(names) > 0) then '*/' else ns;
    ['sm/name/' + ns + util.str(util.nameOf(o))]
    + (if std.type(matchLabels) == 'object' && std.length(matchLabels) > 0 then ['sm/label/' + where + l for l in labelKeys(matchLabels)] else ['sm/any/' + where])
  else if kind == 'HorizontalPodAutoscaler' then ['hpa/' + ns + util.str(util.path(o, ['spec', 'scaleTargetRef', 'name']))]
  else if kind == 'PodDisruptionBudget' then
    if std.type(matchLabels) == 'object' && std.length(matchLabels) > 0 then ['pdb/label/' + ns + l for l in labelKeys(matchLabels)] else ['pdb/any/' + ns]
  else [];
local wantsOf(w, config) =
  local ns = util.str(util.namespaceOf(w)) + '/';
  local name = util.str(util.nameOf(w));
  local serviceName = util.path(w, ['spec', 'serviceName']);
  local pods = labelKeys(podLabelsOf(w));
  // The Service the options give: the ServiceMonitors over its labels.
  local given = if std.type(config) == 'object' && std.type(util.get(config, 'service')) == 'object' then labelKeys(util.path(config.service, ['metadata', 'labels'])) else [];
  ['svc/name/' + ns + name] + (if std.type(serviceName) == 'string' then ['svc/name/' + ns + serviceName] else [])
  + ['svc/label/' + ns + l for l in pods]
  + ['sm/name/' + ns + name, 'sm/any/' + ns, 'sm/any/*/'] + [prefix + l for prefix in ['sm/label/' + ns, 'sm/label/*/'] for l in pods + given]
  + ['hpa/' + ns + name, 'pdb/any/' + ns] + ['pdb/label/' + ns + l for l in pods];
local serviceWants(svc) =
  local ns = util.str(util.namespaceOf(svc)) + '/';
  [prefix + l for prefix in ['sm/label/' + ns, 'sm/label/*/'] for l in labelKeys(util.path(svc, ['metadata', 'labels']))];

{
  kinds:: kinds,
  keysOf:: keysOf,
  wantsOf:: wantsOf,
  serviceWants:: serviceWants,

  // Every Service of the workload's namespace whose selector (not empty)
  // picks the workload's pods, in input order. services: the Services of
  // the namespace.
  services(w, services)::
    local pods = podLabelsOf(w);
    [
      s
      for s in services
      if std.type(util.path(s, ['spec', 'selector'])) == 'object' && std.length(s.spec.selector) > 0 && util.subset(s.spec.selector, pods)
    ],

  // The Services that webhooks, APIServices and CRD conversion webhooks of
  // the input send requests to: "namespace/name" -> what uses it. Such a
  // Service is never the one metrics are scraped from.
  webhookServices(objects)::
    local uses = std.flattenArrays([
      local kind = util.get(o, 'kind');
      if kind == 'APIService' then [[ref(util.path(o, ['spec', 'service'])), util.describe(o)]]
      else if kind == 'MutatingWebhookConfiguration' || kind == 'ValidatingWebhookConfiguration' then
        [[ref(util.path(h, ['clientConfig', 'service'])), util.describe(o)] for h in util.get(o, 'webhooks', []) if util.path(h, ['clientConfig', 'service']) != null]
      else if kind == 'CustomResourceDefinition' && util.path(o, ['spec', 'conversion', 'webhook', 'clientConfig', 'service']) != null then
        [[ref(o.spec.conversion.webhook.clientConfig.service), util.describe(o)]]
      else []
      for o in objects
      if std.type(o) == 'object'
    ]);
    util.firstByKey([u for u in uses if !std.endsWith(u[0], '/')]),

  // What sends requests to a Service ("namespace", "name"), or null.
  usedBy(webhookServices, ns, name)::
    local exact = util.str(ns) + '/' + util.str(name);
    if std.objectHasEx(webhookServices, exact, false) then webhookServices[exact]
    else if std.objectHasEx(webhookServices, '*/' + util.str(name), false) then webhookServices['*/' + util.str(name)]
    else null,

  // The ServiceMonitors of the input that select a Service: by its labels,
  // in its namespace (the ServiceMonitor's own, namespaceSelector.matchNames
  // or any: true), in input order.
  serviceMonitors(svc, objects)::
    local ns = util.str(util.namespaceOf(svc));
    local labels = util.path(svc, ['metadata', 'labels'], {});
    local reaches(sm) =
      local nsSel = util.path(sm, ['spec', 'namespaceSelector'], {});
      local names = util.get(nsSel, 'matchNames');
      // In a Template, objects without a namespace go where it is
      // processed, which a placeholder (${NAMESPACE}) names.
      local placeholder(n) = std.type(n) == 'string' && std.length(std.split(n, '$')) > 1;
      if util.get(nsSel, 'any') == true then true
      else if std.type(names) == 'array' && std.length(names) > 0 then std.member(names, ns) || (ns == '' && std.length([n for n in names if placeholder(n)]) > 0)
      else util.str(util.namespaceOf(sm)) == ns;
    [
      sm
      for sm in objects
      if std.type(sm) == 'object' && util.get(sm, 'kind') == 'ServiceMonitor' && reaches(sm)
         && util.selectorMatches(util.path(sm, ['spec', 'selector'], {}), labels)
    ],

  // The workload's canary in the input: the workload of the same kind and
  // namespace named <name><suffix> whose pods carry the track label, or
  // null. workloads: those of its kind in its namespace.
  canary(w, workloads, config)::
    local name = util.str(util.nameOf(w)) + config.canary.suffix;
    local found = [
      o
      for o in workloads
      if util.nameOf(o) == name && util.get(podLabelsOf(o), config.track.key) == config.track.value
    ];
    if std.length(found) > 0 then found[0] else null,

  // The Service that already fronts the workload: for a StatefulSet its
  // governing Service (spec.serviceName), for a Deployment one named like
  // it; else the first whose selector picks the workload's pods. null when
  // there is none. canarygen.new checks it. services: the Services of the
  // namespace; selecting: those of them whose selector picks the
  // workload's pods (services(w, ...), which the model has already).
  service(w, services, selecting)::
    local spec = util.get(w, 'spec', {});
    local serviceName = util.get(spec, 'serviceName');
    local want =
      if util.get(w, 'kind') == 'StatefulSet' && std.type(serviceName) == 'string' && serviceName != '' then serviceName
      else util.nameOf(w);
    local named = [s for s in services if util.nameOf(s) == want];
    if std.length(named) > 0 then named[0]
    else if std.length(selecting) > 0 then selecting[0]
    else null,

  // The autoscaling/v2 HorizontalPodAutoscaler that scales the workload, or
  // null. hpas: the HorizontalPodAutoscalers of its namespace.
  hpa(w, hpas)::
    local scales(h) =
      local ref = util.path(h, ['spec', 'scaleTargetRef'], {});
      util.get(h, 'apiVersion') == 'autoscaling/v2' && util.get(ref, 'kind') == util.get(w, 'kind') && util.get(ref, 'name') == util.nameOf(w);
    local found = [h for h in hpas if scales(h)];
    if std.length(found) > 0 then found[0] else null,

  // A PodDisruptionBudget whose selector (matchLabels and
  // matchExpressions) picks the workload's pods, or null. pdbs: the
  // PodDisruptionBudgets of its namespace.
  pdb(w, pdbs)::
    local pods = util.path(w, ['spec', 'template', 'metadata', 'labels'], {});
    local covers(p) =
      local sel = util.path(p, ['spec', 'selector']);
      std.type(sel) == 'object' && !util.selectorEmpty(sel) && util.selectorMatches(sel, pods);
    local found = [p for p in pdbs if covers(p)];
    if std.length(found) > 0 then found[0] else null,
}
