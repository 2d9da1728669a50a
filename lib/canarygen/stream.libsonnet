// Whole inputs: which objects of a stream get a canary (select), and the
// stream with their sets in place (stream).
//
//   canarygen.stream(objects, { canary: { percent: 10 } })
//
// Placement: each member of a workload's set that has the identity (group,
// kind, namespace, name) of an object of the input takes that object's
// place; the stable and the other members go where the workload was, in the
// set's field order. So a Service the input already has stays where it is,
// the input's canary is replaced where it was, and rendering canarygen's own
// output again gives the same objects in the same order.
//
// The CLI does the same with the library's select and new, dispatching the
// workloads in parallel; a test compares the two.
local context = import 'context.libsonnet';
local defaults = import 'defaults.libsonnet';
local util = import 'util.libsonnet';

local workloadKinds = ['StatefulSet', 'Deployment'];
// Workload apiVersions Kubernetes removed (1.16): canarygen refuses them
// rather than skip them.
local oldWorkloadVersions = ['apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1'];

local isWorkload(o) =
  std.type(o) == 'object' && util.get(o, 'apiVersion') == 'apps/v1' && std.member(workloadKinds, util.get(o, 'kind'));
local isTemplate(o) =
  std.type(o) == 'object' && util.get(o, 'kind') == 'Template' && std.member(['template.openshift.io/v1', 'v1'], util.get(o, 'apiVersion'));

// Kinds that have no namespace; -n (the namespace option) leaves them alone.
local clusterScoped = std.set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'PriorityClass',
  'RuntimeClass',
  'IngressClass',
  'PodSecurityPolicy',
  'ClusterIssuer',
  'CertificateSigningRequest',
  'FlowSchema',
  'PriorityLevelConfiguration',
  'Template',
]);
local namespaced(o) = std.type(o) == 'object' && std.type(util.get(o, 'kind')) == 'string' && !std.setMember(o.kind, clusterScoped);

// A problem select found: the object's index (null for the whole input), the
// message (naming the object) and a hint.
local problem(index, message, hint=null) = { index: index, message: message, hint: hint };

local configOf(params) = if std.type(params) == 'object' then util.merge(defaults, params) else defaults;

// Where each workload is: "kind/namespace/name" -> index.
local workloadIndex(objects) = util.firstByKey([
  [util.get(objects[i], 'kind') + '/' + util.str(util.namespaceOf(objects[i])) + '/' + util.str(util.nameOf(objects[i])), i]
  for i in std.range(0, std.length(objects) - 1)
  if std.type(objects[i]) == 'object' && std.member(workloadKinds, util.get(objects[i], 'kind'))
]);

// The canary the workload at i has among objects: the workload of the same
// kind and namespace named <name><suffix> whose pods carry the track label
// ({ index }). null when there is none; { named: index } when one is named
// so but is not a canary (its pods lack the label). c: configOf(its params).
local canaryIn(objects, index, i, c) =
  local w = objects[i];
  local key = util.get(w, 'kind') + '/' + util.str(util.namespaceOf(w)) + '/' + util.str(util.nameOf(w))
              + (if std.type(c.canary.suffix) == 'string' then c.canary.suffix else '');
  if !std.objectHasEx(index, key, false) || index[key] == i then null
  else
    local j = index[key];
    local pods = util.path(objects[j], ['spec', 'template', 'metadata', 'labels'], {});
    if std.type(c.track) == 'object' && util.get(pods, c.track.key) == c.track.value then { index: j } else { named: j };

// select(objects, params, workloads, sources, opts): which objects get a
// canary.
//   params: canarygen.new's options (the suffix and track label say which
//     workloads are canaries already); opts.paramsAt: { [index]: params }
//     for workloads with options of their own (the CLI's --annotations),
//     and with opts.annotated only those get a canary.
//   workloads: names ("name" or "namespace/name"); [] means every
//     StatefulSet and Deployment. With opts.strict false a name that is not
//     in these objects is no problem (a Template's objects, when the names
//     were checked over the whole input).
//   sources[i]: where object i comes from ("file:line"), for messages.
//   opts.namespace: the namespace for objects of namespaced kinds that have
//     none (the CLI's -n).
//   opts.narrow: also say what each chosen workload's set may read
//     (`context`, see context.libsonnet's keys).
//
// select reads apiVersion, kind, metadata, the selector and pod labels of
// the objects, and the objects of Templates, so a caller may pass just
// those.
local select(objects, params={}, workloads=[], sources=[], opts={}) =
  local strict = util.get(opts, 'strict', true);
  local annotated = util.get(opts, 'annotated', false);
  local paramsAt = util.get(opts, 'paramsAt', {});
  local ns = util.get(opts, 'namespace');
  local n = std.length(objects);
  local idx = if n == 0 then [] else std.range(0, n - 1);
  // The objects as they will be written: -n's namespace on those without.
  local give(o) = ns != null && namespaced(o) && (util.namespaceOf(o) == null || util.namespaceOf(o) == '');
  local toNamespace = [i for i in idx if give(objects[i])];
  local objs = [if give(objects[i]) then objects[i] { metadata+: { namespace: ns } } else objects[i] for i in idx];
  // The options in effect for object i, merged once for the workloads
  // that take the stream's rather than once per workload.
  local streamConfig = configOf(params);
  local configAt(i) = local k = std.toString(i); if std.objectHasEx(paramsAt, k, false) then configOf(paramsAt[k]) else streamConfig;
  local source(i) = if i < std.length(sources) && sources[i] != null then sources[i] else null;
  local describe(i) = util.describe(objs[i]);

  local candidates = [i for i in idx if isWorkload(objs[i])];
  local old = [i for i in idx if std.type(objs[i]) == 'object' && std.member(workloadKinds, util.get(objs[i], 'kind')) && std.member(oldWorkloadVersions, util.get(objs[i], 'apiVersion'))];
  local templates = [i for i in idx if isTemplate(objs[i])];
  local index = workloadIndex(objs);
  local canaryOf = { [std.toString(i)]: canaryIn(objs, index, i, configAt(i)) for i in candidates };
  local canaries = std.set([canaryOf[k].index for k in std.objectFields(canaryOf) if canaryOf[k] != null && std.objectHasEx(canaryOf[k], 'index', false)]);
  local named(i, w) = w == util.nameOf(objs[i]) || (util.namespaceOf(objs[i]) != null && w == util.namespaceOf(objs[i]) + '/' + util.nameOf(objs[i]));
  local isNamed(i) = std.length([w for w in workloads if named(i, w)]) > 0;
  local wanted(i) =
    (std.length(workloads) == 0 || isNamed(i))
    && (!annotated || std.objectHasEx(paramsAt, std.toString(i), false));
  local chosen = [i for i in candidates if !std.setMember(i, canaries) && wanted(i)];

  // Templates: their objects are a stream of their own.
  local inner = [
    { index: t, select: select(util.get(objs[t], 'objects', []), params, workloads, [], opts { strict: false, annotated: false, paramsAt: {}, narrow: false }) }
    for t in templates
    if std.type(util.get(objs[t], 'objects')) == 'array'
  ];
  local innerChosen = std.flattenArrays([t.select.workloads for t in inner]);
  local innerNames = std.flattenArrays([t.select.names for t in inner]);

  local ids = [util.identity(o) for o in objs];
  local firstOf = util.firstByKey([[ids[i], i] for i in idx]);
  local duplicates = [
    problem(i,
            describe(i) + ': appears twice' + (if source(firstOf[ids[i]]) != null then ' (first at ' + source(firstOf[ids[i]]) + ')' else ''),
            'no output may hold two objects of one identity (kind, namespace, name): remove one, or give each its own name')
    for i in idx
    if firstOf[ids[i]] != i
  ];
  local notCanaries = [
    problem(canaryOf[std.toString(i)].named,
            describe(canaryOf[std.toString(i)].named) + ': is named like the canary of ' + describe(i)
            + ', but its pods do not carry ' + configAt(i).track.key + '=' + configAt(i).track.value,
            'rename it, or give the canary another `canary.suffix`')
    for i in chosen
    if canaryOf[std.toString(i)] != null && std.objectHasEx(canaryOf[std.toString(i)], 'named', false)
  ];
  local oldOnes = [
    problem(i,
            describe(i) + ': apiVersion ' + objs[i].apiVersion + ' is gone from Kubernetes (since 1.16); canarygen renders apps/v1',
            'change apiVersion to apps/v1 (`kubectl convert`, or by hand: apps/v1 also needs spec.selector.matchLabels equal to the pod labels it selects)')
    for i in old
    if std.length(workloads) == 0 || isNamed(i)
  ];
  local namesHere = [util.nameOf(objs[i]) for i in candidates];
  local missing = if !strict then [] else [
    problem(null,
            'workloads: no StatefulSet or Deployment named ' + util.show(w),
            'workloads in this input: ' + (if std.length(namesHere + innerNames) == 0 then 'none' else std.join(', ', namesHere + innerNames)))
    for w in workloads
    if std.length([i for i in candidates if named(i, w)]) == 0 && !std.member(innerNames, w)
  ];
  local namedCanaries = [
    problem(j, describe(j) + ': is a canary already (of ' + describe(i) + ')', 'name the stable: ' + util.nameOf(objs[i]))
    for i in candidates
    for j in [if canaryOf[std.toString(i)] != null && std.objectHasEx(canaryOf[std.toString(i)], 'index', false) then canaryOf[std.toString(i)].index]
    if j != null && std.length(workloads) > 0 && isNamed(j)
  ];
  local innerProblems = std.flattenArrays([
    [p { index: t.index, message: describe(t.index) + ': ' + p.message } for p in t.select.problems]
    for t in inner
  ]);
  local kindsFound = std.set([util.get(o, 'kind') for o in objs if std.type(o) == 'object' && std.type(util.get(o, 'kind')) == 'string']);
  local insideTemplates = std.set(std.flattenArrays([
    [util.get(x, 'kind') for x in util.get(objs[t], 'objects', []) if std.type(x) == 'object' && std.type(util.get(x, 'kind')) == 'string']
    for t in templates
    if std.type(util.get(objs[t], 'objects')) == 'array'
  ]));
  local nothing =
    if !strict || annotated || std.length(chosen) > 0 || std.length(innerChosen) > 0 || std.length(old) > 0 || std.length(workloads) > 0 then []
    else [problem(null,
                  'no StatefulSet or Deployment to give a canary: the input holds ' + (if std.length(kindsFound) == 0 then 'no objects' else std.join(', ', kindsFound))
                  + (if std.length(insideTemplates) > 0 then ' (its Templates: ' + std.join(', ', insideTemplates) + ')' else ''),
                  'canarygen makes canaries of apps/v1 StatefulSets and Deployments')];
  {
    // Indices of the objects that get a canary, in stream order.
    workloads: chosen,
    // Each chosen workload's canary in the input: { [index]: index }.
    canaries: { [std.toString(i)]: canaryOf[std.toString(i)].index for i in chosen if canaryOf[std.toString(i)] != null && std.objectHasEx(canaryOf[std.toString(i)], 'index', false) },
    // Templates holding chosen workloads: [{ index, workloads }].
    templates: [{ index: t.index, workloads: t.select.workloads } for t in inner if std.length(t.select.workloads) > 0],
    // Objects that get -n's namespace.
    namespaced: toNamespace,
    // Names of the StatefulSets and Deployments here (Templates' included).
    names: namesHere + innerNames,
    // What is wrong, in the order a user fixes it; the first is reported.
    problems: duplicates + oldOnes + notCanaries + namedCanaries + missing + innerProblems + nothing,
    // With opts.narrow: what each chosen workload's set may read
    // (context.libsonnet's keys), so that the caller gives it only those
    // objects: the keys of the objects of the kinds the sets read, the
    // keys each chosen workload reaches, and those each Service brings.
    // (No wants when no object has keys: a stream of workloads alone.)
    [if util.get(opts, 'narrow', false) then 'context']:
      local keys = { [std.toString(i)]: context.keysOf(objs[i]) for i in idx if std.member(context.kinds.namespaced, util.get(objs[i], 'kind')) };
      {
        keys: keys,
        wants: if std.length(keys) == 0 then {} else { [std.toString(i)]: context.wantsOf(objs[i], configAt(i)) for i in chosen },
        serviceWants: { [std.toString(i)]: context.serviceWants(objs[i]) for i in idx if util.get(objs[i], 'kind') == 'Service' },
      },
  };

// The problem of two workloads whose rendered ServiceMonitors would scrape
// one Service's port (monitored: "namespace/name:port").
local sharedMonitor(second, first, monitored) = {
  local parts = std.split(monitored, ':'),
  message: second + ': its ServiceMonitor would scrape port ' + util.show(parts[1]) + ' of Service ' + parts[0]
           + ', which the ServiceMonitor of ' + first + ' scrapes too: every pod behind it would be scraped twice',
  hint: 'render one of them at a time (`workloads`), give each a Service of its own (`metricsService`), or leave the ServiceMonitor out (`serviceMonitor`)',
};

// The first problem as an error, for jsonnet callers.
local failOn(sel) =
  if std.length(sel.problems) == 0 then true
  else
    local p = sel.problems[0];
    error 'canarygen: ' + p.message + (if p.hint == null then '' else '\nhint: ' + p.hint);

// place(new, objects, params, workloads, opts): the objects with the
// selected workloads' sets in place ({ objects, sets: [[index, set], ...] }).
// new is canarygen.new, or a function of the same arguments; opts as
// select's (namespace, paramsAt, annotated), and template: a function
// rendering a Template object (canarygen.openshift.canaries).
local place(new, objects, params={}, workloads=[], opts={}) =
  local sel = select(objects, params, workloads, [], opts);
  local ns = util.get(opts, 'namespace');
  local toNamespace = std.set(sel.namespaced);
  local objs = [
    if std.setMember(i, toNamespace) then objects[i] { metadata+: { namespace: ns } } else objects[i]
    for i in std.range(0, std.length(objects) - 1)
  ];
  local n = std.length(objs);
  local paramsAt = util.get(opts, 'paramsAt', {});
  local paramsOf(i) = local k = std.toString(i); if std.objectHasEx(paramsAt, k, false) then paramsAt[k] else params;
  local ids = [util.identity(o) for o in objs];
  // Identity -> the place of its first object in the input.
  local placeOf = util.firstByKey([[ids[i], i] for i in std.range(0, n - 1)]);
  local chosen = { [util.pad(i)]: true for i in sel.workloads };
  local sets = { [util.pad(i)]: new(objs[i], paramsOf(i), objs) for i in sel.workloads };
  local templateFn = util.get(opts, 'template');
  local rendered = { [util.pad(t.index)]: templateFn(objs[t.index]) for t in sel.templates };
  local members(i) = [sets[util.pad(i)][k] for k in std.objectFields(sets[util.pad(i)])];
  local placeOfMember(i, o) = local id = util.identity(o); if std.objectHasEx(placeOf, id, false) then placeOf[id] else i;
  // Two rendered ServiceMonitors over one Service would scrape every pod
  // twice.
  local monitored = [[sets[util.pad(i)].monitoredService, i] for i in sel.workloads if sets[util.pad(i)].monitoredService != null];
  local firstMonitor = util.firstByKey(monitored);
  local shared = [p for p in monitored if firstMonitor[p[0]] != p[1]];
  local sharedOK =
    if std.length(shared) == 0 then true
    else error 'canarygen: ' + sharedMonitor(util.describe(objs[shared[0][1]]), util.describe(objs[firstMonitor[shared[0][0]]]), shared[0][0]).message;
  // Members that take the place of another object of the input; the first
  // of each place wins.
  local replacements = util.firstByKey([
    [util.pad(placeOfMember(i, o)), o]
    for i in sel.workloads
    for o in members(i)
    if placeOfMember(i, o) != i
  ]);
  assert failOn(sel) && sharedOK;
  {
    objects: std.flattenArrays([
      if std.objectHasEx(chosen, util.pad(i), false) then [o for o in members(i) if placeOfMember(i, o) == i]
      else if std.objectHasEx(replacements, util.pad(i), false) then [replacements[util.pad(i)]]
      else if std.objectHasEx(rendered, util.pad(i), false) then [rendered[util.pad(i)].template]
      else [objs[i]]
      for i in std.range(0, n - 1)
    ]),
    sets: [[i, sets[util.pad(i)]] for i in sel.workloads],
    templates: [rendered[util.pad(t.index)] for t in sel.templates],
  };

{
  sharedMonitor:: sharedMonitor,
  isWorkload:: isWorkload,
  isTemplate:: isTemplate,
  select:: select,
  place:: place,
  // The objects only.
  stream(new, objects, params={}, workloads=[], opts={}):: place(new, objects, params, workloads, opts).objects,
}
