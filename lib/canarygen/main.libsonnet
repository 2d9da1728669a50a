// canarygen: one stable StatefulSet or Deployment in, a replica-ratio canary
// out.
//
//   local canarygen = import 'canarygen/main.libsonnet';
//   canarygen.new(statefulSet, { canary: { image: 'quay.io/org/app:v2', percent: 10 } })
//
// Visible fields of the result are the objects to deploy: stable, canary,
// service, serviceMonitor, dashboard, prometheusRule (the last four can be
// switched off), and podDisruptionBudget and horizontalPodAutoscaler when
// asked for.
// Hidden: config (the settings in effect), ratio (the replica math),
// grafanaDashboard (the dashboard model, without its ConfigMap), rules (the
// PrometheusRule's groups), parameters (OpenShift template parameters, with
// templateParameters on), mixin (the dashboard and rules in
// monitoring-mixin form), queryContext (what every PromQL is built from),
// notes (what was chosen and adopted, and why: the CLI prints them),
// analysis (what canarygen analyze compares, see analysis.libsonnet).
//
// The objects refer to each other through the set, late-bound: an override
// such as `set + { service+: { metadata+: { labels+: { tier: 'web' } } } }`
// reaches the ServiceMonitor's selector, the dashboard and the rules.
local checks = import 'checks.libsonnet';
local context = import 'context.libsonnet';
local dashboard = import 'dashboard.libsonnet';
local defaults = import 'defaults.libsonnet';
local model = import 'model.libsonnet';
local openshift = import 'openshift.libsonnet';
local ratios = import 'ratio.libsonnet';
local rules = import 'rules.libsonnet';
local scaling = import 'scaling.libsonnet';
local service = import 'service.libsonnet';
local serviceMonitor = import 'servicemonitor.libsonnet';
local stream = import 'stream.libsonnet';
local templates = import 'templates.libsonnet';
local util = import 'util.libsonnet';
local workloads = import 'workloads.libsonnet';

// One workload's set. objects: the other objects of the input, where
// canarygen.new finds the Service, HorizontalPodAutoscaler and
// PodDisruptionBudget that already exist for the workload.
local new(workload, params={}, objects=[]) =
  local m = model.new(workload, params, objects);
  assert checks.model(m.checked);
  {
    local set = self,
    assert checks.set(m, set),

    config:: m.config,
    ratio:: m.ratio,
    parameters:: m.parameters,

    // What was chosen and adopted from the input, and why, in words.
    notes:: (if m.existingCanary != null then ["replaces the input's canary " + util.describe(m.existingCanary)] else [])
            + (if m.replicasParameter != null then ["the stable's replicas are the Template's parameter " + m.replicasParameter + ' (' + m.ratio.stable + ' by default): the percent math uses its default'] else [])
            + (if m.templateInput != null then ["the canary's parameters: " + std.join(', ', [p.name for p in m.parameters])] else [])
            + set.serviceMonitorNotes
            + set.versionNotes,

    // What the PromQL of the dashboard and of the rules is built from
    // (queries.libsonnet), so that they never select pods differently.
    // namespace null: the workload has none, and the queries match its job
    // in every namespace.
    queryContext:: {
      kind: m.kind,
      name: m.name,
      canaryName: m.canaryName,
      namespace:
        if m.namespace != null then m.namespace
        else if m.templateInput != null && std.objectHasEx(m.templateInput.parameters, 'NAMESPACE', false) then '${NAMESPACE}'
        else null,
      // Prometheus' job label of the scraped pods: the Service's name, or
      // the value of the Service label an adopted ServiceMonitor names as
      // its jobLabel.
      job:
        local svc = if m.config.serviceMonitor != false then set.metricsService else set.serviceObject;
        local jobLabel = util.path(set.metricsChoice.adopted, ['spec', 'jobLabel']);
        local byLabel = util.path(svc, ['metadata', 'labels', jobLabel]);
        if m.config.serviceMonitor != false && std.type(jobLabel) == 'string' && std.type(byLabel) == 'string' then byLabel
        else util.path(svc, ['metadata', 'name'], m.serviceName),
      trackLabel: util.promLabel(m.trackLabel),
      trackValue: m.config.track.value,
      partition: if m.partition then { first: m.ratio.stable, total: m.ratio.total } else null,
      metrics: if m.config.dashboard != false then m.config.dashboard.metrics else defaults.dashboard.metrics,
    },

    // canarygen analyze: the metrics and their canary and stable PromQL.
    analysis:: (import 'analysis.libsonnet')(set.queryContext, m.config.analysis),

    // kube-prometheus style: set.mixin.grafanaDashboards, .prometheusAlerts,
    // .prometheusRules.
    mixin:: {
      grafanaDashboards: { [m.canaryName + '.json']: set.grafanaDashboard },
      prometheusAlerts: { groups: [set.rules.alerts] },
      prometheusRules: { groups: [set.rules.recording] },
    },
  }
  + workloads(m)
  + service(m)
  + serviceMonitor(m)
  + scaling(m)
  + dashboard.component(m)
  + rules.component(m);

{
  defaults:: defaults,

  // canarygen.openshift.template(objects, { name, parameters }): see
  // openshift.libsonnet.
  openshift:: openshift,

  // The replica math on its own: ratio({ stable: 10, percent: 10 }),
  // ratio({ total: 12, percent: 16.67 }), ratio({ stable: 10, canary: 2 }).
  ratio(spec):: ratios.ratio(spec),

  new:: new,

  // The fleet dashboard (dashboard.libsonnet): one ConfigMap whose
  // dashboard picks any canary with its variables, for repositories with
  // many canaries, rendered with `dashboard: false` each. params: as
  // new's; the track label, suffix and dashboard options apply.
  fleetDashboard(params={}):: dashboard.fleet(util.merge(defaults, params)),

  // A whole input at once: canarygen.stream(objects, params) gives every
  // selected StatefulSet and Deployment its set, among the other objects
  // (see stream.libsonnet).
  // opts: namespace (for objects without one), as the CLI's -n.
  stream(objects, params={}, workloads=[], opts={})::
    stream.stream(new, objects, params, workloads, opts { template: function(t) templates.canaries(new, t, params, workloads) }),

  // A whole stream as one OpenShift Template, for `oc process`: every
  // selected workload's set with template parameters (prefixed with the
  // workload's name when there are several), and the other objects.
  // template: { name (default: the first workload's), parameters (the
  // inputs' own: [{ name, value }]) }. Gives { template, reports }.
  openshiftTemplate(objects, params={}, workloads=[], template={})::
    local inputTemplates = [o for o in objects if stream.isTemplate(o)];
    assert std.length(inputTemplates) == 0 :
           'canarygen: ' + util.describe(inputTemplates[0]) + ': the input is an OpenShift Template already, and a Template in a Template does not process'
           + "\nhint: render it without `template`: canarygen renders a Template into a Template, with its parameters and the canaries'"
           ;
    local sel = stream.select(objects, params, workloads);
    local prefixed = std.length(sel.workloads) > 1;
    local withParameters(w, p, objs) = new(w, p {
      templateParameters: if prefixed then { prefix: util.parameterPrefix(util.nameOf(w)) } else true,
    }, objs);
    local placed = stream.place(withParameters, objects, params, workloads);
    local name =
      if util.get(template, 'name') != null then template.name
      else if std.length(sel.workloads) > 0 then util.nameOf(objects[sel.workloads[0]])
      else util.fail('', 'template.name', 'no workload to name the Template after', 'give the Template a name (`template.name`)');
    {
      template: openshift.template(placed.objects, {
        name: name,
        parameters: std.flattenArrays([s[1].parameters for s in placed.sets]) + util.get(template, 'parameters', []),
      }),
      reports: [{ object: util.describe(objects[s[0]]), ratio: s[1].ratio } for s in placed.sets],
    },

  // An OpenShift Template input: its workloads get their canaries inside
  // it; its parameters stay and the canaries' are added (see
  // templates.libsonnet). Gives { template, reports }.
  openshiftCanaries(template, params={}, workloads=[]):: templates.canaries(new, template, params, workloads),

  // For callers that fill the templates of the dashboard and the rules
  // themselves (the CLI, in Go; see slots.libsonnet): the template of an
  // id, as a set's `templated` names them in `canarygen.new(...) {
  // slotted:: true }`, which holds slots in place of those values.
  template(id)::
    local p = std.splitLimit(id, '/', 1);
    if p[0] == 'dashboard' then dashboard.template(p[1])
    else if p[0] == 'rules' then rules.template(p[1])
    else error 'canarygen: no template ' + id,

  // For callers that dispatch workloads themselves (the CLI): the kinds
  // canarygen.new reads among `objects`, and the selection of a stream.
  contextKinds:: context.kinds,
  select(objects, params={}, workloads=[], sources=[], opts={}):: stream.select(objects, params, workloads, sources, opts),
  // The problem of two workloads whose rendered ServiceMonitors scrape one
  // Service: { message, hint }.
  sharedMonitor(second, first, monitored):: stream.sharedMonitor(second, first, monitored),
}
