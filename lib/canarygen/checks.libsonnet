// Everything canarygen.new refuses, in the order a user fixes things: the
// options, the workload, the options against the workload, what the input
// already has, then the Service and ServiceMonitor as the set holds them
// (late-bound, so an override of set.service is checked too). Each check is
// true or fails with util.fail's message; the set asserts them all.
local defaults = import 'defaults.libsonnet';
local util = import 'util.libsonnet';

// Settings whose sub-keys are checked against defaults; the others
// (labels, endpoint, env...) are free-form.
local checkedKeys = ['canary', 'track', 'stable', 'serviceMonitor', 'prometheusRule', 'dashboard', 'dashboard.metrics', 'analysis', 'analysis.metrics']
                    + ['analysis.metrics.' + m for m in std.objectFields(defaults.analysis.metrics)];

// StatefulSet pods carry controller-revision-hash: <name>-<hash of up to 10
// characters>, a label value of at most 63 characters.
local maxStatefulSetName = 52;

local options(m) =
  local params = m.params;
  local unknownParams = if std.type(params) == 'object' then util.unknownKeys(defaults, params, checkedKeys) else [];
  [
    if std.type(params) != 'object' then util.fail(m.where, '', 'options must be an object, got ' + util.show(params)) else true,
    if std.length(unknownParams) > 0 then
      local path = std.split(unknownParams[0], '.');
      local parent = std.foldl(function(o, k) o[k], path[0:std.length(path) - 1], defaults);
      local prefix = std.join('', [k + '.' for k in path[0:std.length(path) - 1]]);
      m.fail(unknownParams[0],
             'unknown option',
             'known options here: ' + std.join(', ', [prefix + k for k in std.objectFields(parent)]) + ' (see canarygen/defaults.libsonnet)')
    else true,
  ];

// The stable's selector must leave the track key to canarygen: the canary
// copies the selector and sets key=value on it, so a selector that already
// decides on the key selects the wrong pods. Allowed: matchLabels with the
// stable track's own value in stable-track mode (a stable rendered before).
local selectorTrackKey(m) =
  local c = m.config;
  local key = c.track.key;
  local exprs = util.path(m.spec, ['selector', 'matchExpressions'], []);
  local onKey = if std.type(exprs) == 'array' then [e for e in exprs if std.type(e) == 'object' && util.get(e, 'key') == key] else [];
  if std.type(m.selector) == 'object' && std.objectHasEx(m.selector, key, false) && !(c.track.stable != null && m.selector[key] == c.track.stable) then
    m.fail('track.key',
           util.show(key) + " is a key of the stable's selector (" + key + '=' + util.show(m.selector[key])
           + '); the track label needs a key of its own, which the canary sets and the Service leaves out',
           if key == 'track' then 'a stable already in stable-track mode is rendered with `track.stable`; otherwise choose another `track.key`'
           else 'choose a track key the selector does not use, such as the default "track"')
  else if std.length(onKey) > 0 then
    m.fail('spec.selector.matchExpressions',
           'an expression on the track key ' + util.show(key) + ' (' + key + ' ' + util.get(onKey[0], 'operator', '?') + ' ' + util.show(util.get(onKey[0], 'values', [])) + ')'
           + ": the canary keeps the stable's selector and adds " + key + '=' + util.show(c.track.value) + ', so the expression would decide whether the canary selects its own pods',
           'select the stable by matchLabels; to keep the tracks apart, use stable-track mode (`track.stable`)')
  else true;

local workload(m) =
  local c = m.config;
  local w = m.workload;
  [
    if std.type(w) != 'object' then util.fail('', 'workload', 'must be a StatefulSet or Deployment object, got ' + util.show(std.type(w))) else true,
    if m.kind != 'StatefulSet' && m.kind != 'Deployment' then
      m.fail('kind', 'must be StatefulSet or Deployment, got ' + util.show(m.kind), 'canarygen makes canaries of apps/v1 StatefulSets and Deployments')
    else true,
    if util.get(w, 'apiVersion') != 'apps/v1' then m.fail('apiVersion', 'must be apps/v1, got ' + util.show(util.get(w, 'apiVersion'))) else true,
    if std.type(m.name) != 'string' || m.name == '' then m.fail('metadata.name', 'is missing') else true,
    if m.namespace != null && !util.isDNSLabel(m.namespace) then
      m.fail('metadata.namespace',
             util.show(m.namespace) + ' is not a valid namespace (a DNS label: lowercase letters, digits and "-")',
             'an unfilled placeholder? fill in the manifest first, or give the namespace with `namespace`')
    else true,
    local badImages = [
      ct.name
      for ct in (if std.type(m.containers) == 'array' then m.containers else [])
      if std.type(ct) == 'object' && std.type(util.get(ct, 'image')) == 'string'
         && std.length([ch for ch in ['<', '>', ' ', '\t', '{', '}'] if util.contains(ct.image, ch)]) > 0
         && !util.contains(ct.image, '${')
    ];
    if std.length(badImages) > 0 then
      m.fail('spec.template.spec.containers',
             'container ' + util.show(badImages[0]) + ' has the image ' + util.show([ct.image for ct in m.containers if ct.name == badImages[0]][0]) + ', which is not an image reference',
             'an unfilled placeholder? fill in the manifest first')
    else true,
    local noImage = [
      util.get(ct, 'name')
      for ct in (if std.type(m.containers) == 'array' then m.containers else [])
      if std.type(ct) == 'object' && (std.type(util.get(ct, 'image')) != 'string' || ct.image == '')
    ];
    if std.length(noImage) > 0 then
      m.fail('spec.template.spec.containers',
             'container ' + util.show(noImage[0]) + ' has no image, and the API server refuses a container without one (the canary would copy it)',
             "give the workload its images before canarygen (a kustomize images: transformer listed before canarygen's, a Helm value)")
    else true,
    if std.type(m.selector) != 'object' || std.length(m.selector) == 0 then
      m.fail('spec.selector.matchLabels', 'is missing or empty', 'the Service selects both tracks by these labels; give the workload a matchLabels selector')
    else true,
    if std.type(m.podLabels) != 'object' then m.fail('spec.template.metadata.labels', 'is missing') else true,
    local missing = [k for k in std.objectFields(m.selector) if util.get(m.podLabels, k) != m.selector[k]];
    if std.length(missing) > 0 then
      m.fail('spec.template.metadata.labels',
             'does not carry the selector label ' + util.show(missing[0]) + '=' + util.show(m.selector[missing[0]]),
             'the selector must match the pod labels; Kubernetes rejects this workload as it is')
    else true,
    if std.type(m.containers) != 'array' || std.length(m.containers) == 0 then m.fail('spec.template.spec.containers', 'is missing or empty') else true,
    if !util.isLabelKey(c.track.key) then m.fail('track.key', util.show(c.track.key) + ' is not a valid label key') else true,
    if !util.isLabelValue(c.track.value) || c.track.value == '' then m.fail('track.value', util.show(c.track.value) + ' is not a valid, non-empty label value') else true,
    if util.get(m.podLabels, c.track.key) == c.track.value then
      m.fail('spec.template.metadata.labels',
             'the stable pods already carry ' + c.track.key + '=' + c.track.value,
             'the track label marks canary pods only; render from the stable workload')
    else true,
    if std.type(c.canary.suffix) != 'string' || c.canary.suffix == '' then m.fail('canary.suffix', 'must be a non-empty string') else true,
    if !util.isDNSSubdomain(m.canaryName) then
      m.fail('metadata.name', 'the canary name ' + util.show(m.canaryName) + ' is not a valid Kubernetes name (lowercase letters, digits, "-" and ".", at most 253 characters)')
    else true,
    if m.isStatefulSet && std.length(m.canaryName) > maxStatefulSetName then
      m.fail('metadata.name',
             'the canary name ' + util.show(m.canaryName) + ' has ' + std.length(m.canaryName) + ' characters; a StatefulSet name may have at most ' + maxStatefulSetName,
             'its pods get the label controller-revision-hash=<name>-<hash>, at most 63 characters: use a shorter `canary.suffix`')
    else true,
    if std.type(m.targets) != 'array' || std.length([t for t in m.targets if std.type(t) != 'string']) > 0 then
      m.fail('canary.container', 'must be a container name or a list of names, got ' + util.show(c.canary.container))
    else true,
    local unknownTargets = [t for t in m.targets if !std.member(m.containerNames, t)];
    if std.length(unknownTargets) > 0 then
      m.fail('spec.template.spec.containers',
             'has no container named ' + util.show(unknownTargets[0]),
             'containers are: ' + std.join(', ', [util.show(n) for n in m.containerNames]))
    else true,
    if std.type(c.canary.args) != 'array' then m.fail('canary.args', 'must be a list of strings') else true,
    if std.type(c.canary.env) != 'array' || std.length([e for e in c.canary.env if std.type(e) != 'object' || std.type(util.get(e, 'name')) != 'string']) > 0 then
      m.fail('canary.env', 'must be a list of objects with a name, such as { name: "LOG_LEVEL", value: "debug" }')
    else true,
    if c.canary.image != null && (std.type(c.canary.image) != 'string' || c.canary.image == '') then m.fail('canary.image', 'must be a non-empty image reference') else true,
    if c.templateParameters != true && c.templateParameters != false
       && !(std.type(c.templateParameters) == 'object' && std.objectFields(c.templateParameters) == ['prefix'] && std.type(c.templateParameters.prefix) == 'string') then
      m.fail('templateParameters', 'must be true, false or { prefix: "NAME_" }, got ' + util.show(c.templateParameters))
    else true,
    if !std.member(['workloads', 'partition'], c.mode) then
      m.fail('mode', 'must be "workloads" or "partition", got ' + util.show(c.mode))
    else true,
    if m.partition && !m.isStatefulSet then
      m.fail('mode', 'partition works on StatefulSets only (a Deployment has no ordinals to partition)', 'use the default mode for Deployments')
    else true,
    if m.partition && util.path(m.spec, ['updateStrategy', 'type'], 'RollingUpdate') != 'RollingUpdate' then
      m.fail('spec.updateStrategy.type', 'is ' + util.show(m.spec.updateStrategy.type) + '; partition mode needs RollingUpdate')
    else true,
    local conflicts = [o for o in [
      ['track.stable', c.track.stable != null],
      ['hpa', c.hpa != null],
      ['templateParameters', c.templateParameters != false],
      ['volumeClaimTemplates', c.volumeClaimTemplates != 'inherit'],
    ] if m.partition && o[1]];
    if std.length(conflicts) > 0 then
      m.fail(conflicts[0][0], 'does not apply in partition mode: the canary pods are ordinals of the stable StatefulSet')
    else true,
    if !std.member(['inherit', 'delete', 'emptyDir'], c.volumeClaimTemplates) then
      m.fail('volumeClaimTemplates', 'must be "inherit", "delete" or "emptyDir", got ' + util.show(c.volumeClaimTemplates))
    else true,
    if c.track.stable != null && (!util.isLabelValue(c.track.stable) || c.track.stable == '') then
      m.fail('track.stable', util.show(c.track.stable) + ' is not a valid, non-empty label value')
    else true,
    if c.track.stable != null && c.track.stable == c.track.value then
      m.fail('track.stable', 'must differ from `track.value` (' + util.show(c.track.value) + ')')
    else true,
    if c.track.stable != null && std.objectHasEx(m.podLabels, c.track.key, false) && m.podLabels[c.track.key] != c.track.stable then
      m.fail('spec.template.metadata.labels',
             'the stable pods carry ' + c.track.key + '=' + util.show(m.podLabels[c.track.key]) + ', not the stable track ' + util.show(c.track.stable))
    else true,
    selectorTrackKey(m),
  ];

// What the input already has, and the options that depend on it.
local input(m) =
  local c = m.config;
  [
    if m.inputPDB != null then
      m.fail('pdb',
             'the input already has PodDisruptionBudget ' + util.namespaceOf(m.inputPDB) + '/' + util.nameOf(m.inputPDB) + ' over these pods; with a second one, evictions of these pods fail',
             "keep yours (make its selector the Service's, so it spans both tracks) and drop `pdb`, or remove yours")
    else true,
    local hpa = m.hpa;
    if hpa != null && !(std.type(hpa) == 'object' && util.get(hpa, 'kind') == 'HorizontalPodAutoscaler'
                        && util.get(hpa, 'apiVersion') == 'autoscaling/v2') then
      m.fail('hpa', 'must be null, true or an autoscaling/v2 HorizontalPodAutoscaler object, got ' + util.show(if std.type(hpa) == 'object' then util.get(hpa, 'kind') else hpa))
    else true,
    if m.hpa != null && util.path(m.hpa, ['spec', 'scaleTargetRef', 'name']) != m.name then
      m.fail('hpa', 'HorizontalPodAutoscaler ' + util.show(util.nameOf(m.hpa)) + ' does not target ' + m.where)
    else true,
    if m.hpa != null && !util.isInt(util.path(m.hpa, ['spec', 'maxReplicas'])) then
      m.fail('hpa', 'spec.maxReplicas must be an integer')
    else true,
    if c.pdb != null && !(std.type(c.pdb) == 'object' && std.length(std.objectFields(c.pdb)) == 1
                          && (std.objectHasEx(c.pdb, 'minAvailable', false) || std.objectHasEx(c.pdb, 'maxUnavailable', false))) then
      m.fail('pdb', 'must be null, { minAvailable: N } or { maxUnavailable: N } (N a number or a percentage such as "25%"), got ' + util.show(c.pdb))
    else true,
  ];

// How messages name the Service: in the workload's namespace.
local serviceWhereOf(m, svc) =
  'Service ' + (if m.namespace != null then m.namespace + '/' else '') + util.path(svc, ['metadata', 'name'], '<unnamed>');

// The Service as the set holds it.
local service(m, set) =
  local c = m.config;
  local existing = m.existingService;
  local serviceWhere = serviceWhereOf(m, set.serviceObject);
  [
    if c.service != true && c.service != false && existing == null then m.fail('service', 'must be true, false or a Service object') else true,
    if existing != null && util.get(existing, 'kind') != 'Service' then m.fail('service', 'must be a Service object, got kind ' + util.show(util.get(existing, 'kind'))) else true,
    local generatedKey = util.str(m.namespace) + '/' + m.serviceName;
    local usedBy = (import 'context.libsonnet').usedBy(m.webhookServices, m.namespace, m.serviceName);
    if existing == null && c.service == true && usedBy != null then
      m.fail('service',
             usedBy + ' sends requests to Service ' + generatedKey + ", which is not in the input; the Service canarygen would render in its place has only the containers' ports and could break it",
             'add the Service to the input (kubectl get service ' + m.serviceName + ' -o yaml), or leave the Service out (`service`)')
    else true,
    if existing == null && c.service == true && std.length(m.ports) == 0 && !m.headless then
      m.fail('spec.template.spec.containers',
             'declare no ports, so the Service would have none',
             "declare the containers' ports (containerPort), or bring your own Service")
    else true,
    if existing != null then
      local sel = util.path(existing, ['spec', 'selector'], {});
      local mismatch = [k for k in std.objectFields(sel) if util.get(m.podLabels, k) != sel[k]];
      if std.length(sel) == 0 then util.fail(serviceWhere, 'spec.selector', "is empty: it does not select the workload's pods")
      else if std.objectHasEx(sel, c.track.key, false) then
        util.fail(serviceWhere,
                  'spec.selector',
                  'selects on the track label ' + util.show(c.track.key) + ', so it cannot select both tracks',
                  'remove ' + c.track.key + ' from the Service selector')
      else if std.length(mismatch) > 0 then
        util.fail(serviceWhere, 'spec.selector', 'label ' + mismatch[0] + '=' + util.show(sel[mismatch[0]]) + ' does not match the pods of ' + m.where)
      else true
    else true,
  ];

// The ServiceMonitor: a Service to select, by labels, and a port to scrape.
local serviceMonitor(m, set) =
  local choice = set.metricsChoice;
  local svc = set.metricsService;
  local serviceWhere = serviceWhereOf(m, svc);
  local name = util.identity({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: m.name, namespace: m.namespace } });
  local clash = [o for o in m.serviceMonitors if util.identity(o) == name];  // only a ServiceMonitor has its identity
  // The Service port the ServiceMonitor scrapes must reach a container of
  // the pods (by its targetPort's name, or number; the port's number when
  // it has none).
  local containerPorts = [p for ct in m.containers for p in util.get(ct, 'ports', []) if std.type(p) == 'object'];
  local servicePort = [p for p in util.path(svc, ['spec', 'ports'], []) if util.get(p, 'name') == set.metricsPort];
  local target = if std.length(servicePort) == 0 then null else util.get(servicePort[0], 'targetPort', util.get(servicePort[0], 'port'));
  local reaches =
    target == null
    || (std.type(target) == 'string' && std.length([p for p in containerPorts if util.get(p, 'name') == target]) > 0)
    || (util.isInt(target) && std.length([p for p in containerPorts if util.get(p, 'containerPort') == target]) > 0)
    || std.length(containerPorts) == 0;
  if m.config.serviceMonitor == false then [] else [
    if choice.problem != null then choice.problem else true,
    if !reaches then
      util.fail(serviceWhere,
                'spec.ports',
                'port ' + util.show(set.metricsPort) + ' targets ' + util.show(target) + ', which no container of ' + m.where + ' listens on, so it would scrape nothing',
                'make its targetPort a port the containers declare (' + std.join(', ', [util.show(util.get(p, 'name', p.containerPort)) for p in containerPorts]) + ')')
    else true,
    if choice.adopted == null && std.length(clash) > 0 then
      m.fail('serviceMonitor',
             'the input has ' + util.describe(clash[0]) + ', which does not select ' + serviceWhere + ', the Service with the metrics port; a second ServiceMonitor of that name cannot be rendered',
             'make it select the Service (canarygen then adopts it), rename it, or switch the ServiceMonitor off (`serviceMonitor`)')
    else true,
    if choice.adopted == null && std.length(util.without(util.path(svc, ['metadata', 'labels'], {}), (import 'model.libsonnet').releaseLabels)) == 0 then
      util.fail(serviceWhere,
                'metadata.labels',
                'is empty (but for labels that change with each release), and a ServiceMonitor selects Services by their labels',
                'label the Service (e.g. with its selector labels), or switch the ServiceMonitor off')
    else true,
  ];

// Every Service of the input over the stable's pods keeps selecting the
// canary's: one that selects on the track label or on a label the canary's
// pods change (its version) would leave the canary out.
local services(m, set) =
  if m.partition || !std.objectHasEx(set, 'canary', false) then []
  else
    local pods = util.path(set.canary, ['spec', 'template', 'metadata', 'labels'], {});
    [
      local sel = svc.spec.selector;
      local missing = [k for k in std.objectFields(sel) if util.get(pods, k) != sel[k]];
      if std.length(missing) > 0 then
        util.fail(serviceWhereOf(m, svc),
                  'spec.selector',
                  'selects the pods of ' + m.where + ' by ' + missing[0] + '=' + util.show(sel[missing[0]]) + ", which the canary's pods do not carry, so it would send no traffic to the canary",
                  'select by labels both tracks share (leave ' + missing[0] + ' out of the selector)')
      else true
      for svc in m.services
    ];

local ok(list) = std.length([x for x in list if x != true]) == 0;

{
  // The options, the workload and the input, checked when canarygen.new is
  // called (so an error's trace shows the call).
  model(m):: ok(options(m) + workload(m) + input(m)),
  // The Service and ServiceMonitor as the set holds them, asserted by the
  // set itself, so that an override of set.service is checked too.
  set(m, set):: ok(service(m, set) + serviceMonitor(m, set) + services(m, set)),
}
