// What canarygen.new knows about one workload before it builds any object:
// the options in effect, the workload's names, labels and containers, the
// replica math, the objects it reuses from the input, and the OpenShift
// template parameters. The components (workloads, service,
// servicemonitor, scaling, dashboard, rules) build the objects from it;
// checks.libsonnet validates it.
//
// Plain data, computed once: the components refer to each other through
// the set (late-bound `self`), not through this.
local context = import 'context.libsonnet';
local defaults = import 'defaults.libsonnet';
local openshift = import 'openshift.libsonnet';
local ratios = import 'ratio.libsonnet';
local util = import 'util.libsonnet';

// The ordinal label the StatefulSet controller puts on every pod (Kubernetes
// >= 1.28); partition mode tells the tracks apart by it.
local podIndexLabel = 'apps.kubernetes.io/pod-index';

// Labels whose values change with every release or rollout: a selector on
// them stops matching on the next upgrade, so the Service, ServiceMonitor
// and PDB canarygen renders never select by them.
local releaseLabels = ['app.kubernetes.io/version', 'version', 'helm.sh/chart', 'chart', 'heritage', 'pod-template-hash', 'controller-revision-hash'];

{
  podIndexLabel:: podIndexLabel,
  releaseLabels:: releaseLabels,

  new(workload, params, objects):: {
    local m = self,
    local given = if std.type(params) == 'object' then util.get(params, 'namespace') else null,
    // The namespace option fills in a namespace the workload lacks.
    local w =
      if std.type(given) == 'string' && std.type(workload) == 'object' && util.namespaceOf(workload) == null then workload { metadata+: { namespace: given } }
      else workload,
    workload: w,
    params: params,
    objects: if std.type(objects) == 'array' then objects else [],
    // The input's objects that the lookups below read (context.libsonnet),
    // sorted out once: by kind, and for namespaced kinds those in the
    // workload's namespace. An input's namespace may hold hundreds of
    // Services, and each lookup then reads only the objects it is about.
    kindsOf:: [if std.type(o) == 'object' && std.objectHasEx(o, 'kind', false) then o.kind else null for o in m.objects],
    local ofKind(k) = [m.objects[i] for i in std.range(0, std.length(m.objects) - 1) if m.kindsOf[i] == k],
    local nsHere = util.str(m.namespace),
    local namespaceIs(o) =
      local md = if std.objectHasEx(o, 'metadata', false) then o.metadata else null;
      local ns = if std.type(md) == 'object' && std.objectHasEx(md, 'namespace', false) then md.namespace else null;
      (if std.type(ns) == 'string' then ns else '') == nsHere,
    here:: {
      [k]: [o for o in ofKind(k) if namespaceIs(o)]
      for k in ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'StatefulSet', 'Deployment']
    },
    serviceMonitors:: ofKind('ServiceMonitor'),  // of every namespace: they may select Services of others
    // The cluster-scoped objects the lookups read, in input order.
    clusterObjects:: [m.objects[i] for i in std.range(0, std.length(m.objects) - 1) if std.member(context.kinds.cluster, m.kindsOf[i])],

    meta: util.get(w, 'metadata', {}),
    kind: util.get(w, 'kind'),
    name: util.get(m.meta, 'name'),
    namespace: util.get(m.meta, 'namespace'),
    // "Kind ns/name": how messages name the workload.
    where: util.describe(w),
    fail(field, msg, hint=null):: util.fail(m.where, field, msg, hint),

    config: if std.type(params) == 'object' then util.merge(defaults, params) else defaults,
    local c = m.config,

    spec: util.get(w, 'spec', {}),
    selector: util.path(m.spec, ['selector', 'matchLabels'], {}),
    template: util.get(m.spec, 'template', {}),
    podLabels: util.path(m.template, ['metadata', 'labels'], {}),
    podSpec: util.get(m.template, 'spec', {}),
    containers: util.get(m.podSpec, 'containers', []),
    containerNames: [util.get(ct, 'name') for ct in m.containers],
    isStatefulSet: m.kind == 'StatefulSet',
    partition: c.mode == 'partition',

    track: { [c.track.key]: c.track.value },
    stableTrack: if c.track.stable != null then { [c.track.key]: c.track.stable } else {},
    canaryName: m.name + c.canary.suffix,
    // The label the tracks are told apart by in every series.
    trackLabel: if m.partition then podIndexLabel else c.track.key,

    // The containers that get the canary's image, args and env.
    targets:
      if c.canary.container == null then m.containerNames[0:1]
      else if std.type(c.canary.container) == 'string' then [c.canary.container]
      else c.canary.container,

    // ---- replicas ------------------------------------------------------
    // The canary the input already has (replaced by the rendered one).
    existingCanary: if std.type(w) == 'object' && std.type(c.track) == 'object' && std.type(c.canary.suffix) == 'string' then context.canary(w, if std.type(m.kind) == 'string' then util.get(m.here, m.kind, []) else [], c) else null,
    local existingCanaryReplicas =
      local r = util.path(m.existingCanary, ['spec', 'replicas']);
      if m.existingCanary == null then 0 else if r == null then 1 else r,
    stableReplicasIn:
      if c.stable.replicas != null then c.stable.replicas
      else
        local r = util.get(m.spec, 'replicas');
        local s = if r == null then 1 else r;  // Kubernetes' default
        // Keeping the total: the input's canary holds part of it.
        if c.canary.keepTotal && !m.partition && util.isInt(s) && util.isInt(existingCanaryReplicas) then s + existingCanaryReplicas else s,
    // ---- a workload inside a Template input --------------------------------
    templateInput: c.templateInput,
    local ti = m.templateInput,
    // What checks and the replica math see: the workload as `oc process`
    // gives it with the Template's defaults (the workload itself otherwise).
    checked:
      if ti == null then m
      else $.new(openshift.substitute(w, ti.parameters), util.without(params, ['templateInput']), [openshift.substitute(o, ti.parameters) for o in m.objects]),
    // The stable's replicas when they are a parameter, ${{NAME}}: NAME.
    replicasParameter: if ti == null then null else openshift.typedName(util.get(m.spec, 'replicas')),

    ratio: if ti != null then m.checked.ratio else ratios.compute(
      { [if c.canary.keepTotal || m.partition then 'total' else 'stable']: m.stableReplicasIn }
      + (if c.canary.replicas != null then { canary: c.canary.replicas }
         else if c.canary.percent != null then { percent: c.canary.percent, tolerance: c.canary.tolerance }
         else { canary: 1 }),
      m.where,
      {
        local stableField = if c.stable.replicas != null then 'stable.replicas' else 'spec.replicas',
        stable: stableField,
        total: stableField,
        canary: 'canary.replicas',
        percent: 'canary.percent',
        tolerance: 'canary.tolerance',
      },
    ),
    setsStableReplicas:
      if (c.stable.replicas != null || (c.canary.keepTotal && !m.partition)) && m.replicasParameter != null then
        m.fail('canary.keepTotal',
               "the stable's replicas are the Template's parameter " + m.replicasParameter + ', which canarygen cannot split between the tracks',
               'add the canary on top (without `canary.keepTotal`), or give the stable literal replicas')
      else c.stable.replicas != null || (c.canary.keepTotal && !m.partition),

    // ---- what the input already has --------------------------------------
    // The Service option: an object (the user's), true (the input's Service
    // for the workload, else a generated one) or false (none).
    existingService:
      if std.type(c.service) == 'object' then c.service
      else if c.service == true then context.service(w, m.here.Service, m.services)
      else null,
    hasService: c.service != false,
    // The stable's HPA, for a canary HPA: the option's object, or with
    // hpa: true the input's.
    hpa:
      if c.hpa == true then
        local found = context.hpa(w, m.here.HorizontalPodAutoscaler);
        if found == null then
          m.fail('hpa',
                 'no autoscaling/v2 HorizontalPodAutoscaler in the input targets it',
                 "put the stable's HPA in the same input (e.g. `kubectl get deploy,hpa -o yaml`), or drop `hpa`")
        else found
      else c.hpa,
    // A PDB of the input over the workload's pods: with the pdb option, a
    // second PDB would make evictions fail (one with the identity of the PDB
    // canarygen renders is the one rendered before, and is replaced).
    inputPDB:
      if c.pdb == null then null
      else
        local ours(p) = util.nameOf(p) == m.name && util.sameNamespace(util.namespaceOf(p), m.namespace);
        local others = [p for p in m.here.PodDisruptionBudget if !ours(p)];
        context.pdb(w, others),
    // Every Service of the input over the workload's pods, and those that
    // webhooks and APIServices use ("namespace/name" -> what uses it).
    services: context.services(w, m.here.Service),
    webhookServices: context.webhookServices(m.clusterObjects),

    // ---- Service ---------------------------------------------------------
    // The labels both tracks share: the stable's selector without the track
    // and without labels that change with each release.
    serviceLabels: util.without(m.selector, [c.track.key] + releaseLabels),
    serviceName:
      local sn = util.get(m.spec, 'serviceName');
      if m.isStatefulSet && std.type(sn) == 'string' && sn != '' then sn else m.name,
    headless: m.isStatefulSet && m.serviceName == util.get(m.spec, 'serviceName'),
    ports: [
      local pname = util.get(p, 'name', 'port-' + p.containerPort);
      { name: pname, port: p.containerPort, targetPort: util.get(p, 'name', p.containerPort) }
      + (if std.objectHasEx(p, 'protocol', false) then { protocol: p.protocol } else {})
      for ct in m.containers
      for p in util.get(ct, 'ports', [])
    ],

    // ---- OpenShift template parameters ----------------------------------
    templateParameters: c.templateParameters != false,
    local tp = m.templateParameters,
    local prefix = if std.type(c.templateParameters) == 'object' then c.templateParameters.prefix else '',
    param(n):: '${' + prefix + n + '}',
    typedParam(n):: '${{' + prefix + n + '}}',
    stableReplicasParam: tp && (m.setsStableReplicas || std.objectHasEx(m.spec, 'replicas', false)),
    stableImage: util.get([ct for ct in m.containers if ct.name == m.targets[0]][0], 'image'),
    canaryImage: if c.canary.image != null then c.canary.image else if ti != null then m.checked.stableImage else m.stableImage,
    // In a Template input: the canary's image and replicas as the canary's
    // parameters, and their declarations with the rendered defaults.
    local ref = util.splitImage(m.canaryImage),
    canaryImageInTemplate: if ref == null then m.canaryImage else '${' + ti.names.image + '}:${' + ti.names.tag + '}',
    canaryReplicasInTemplate: '${{' + ti.names.replicas + '}}',
    stableRef: if tp then util.splitImage(m.stableImage) else null,
    canaryRef: if tp then util.splitImage(m.canaryImage) else null,
    parameters:
      if ti != null then
        local p(n, v, d) = { name: n, value: std.toString(v), description: d };
        (if ref != null then [
           p(ti.names.image, ref.repo, 'Image repository of the canary ' + m.canaryName),
           p(ti.names.tag, ref.tag, 'Image tag of the canary ' + m.canaryName),
         ] else [])
        + [p(ti.names.replicas, m.ratio.canary, 'Replicas of the canary ' + m.canaryName)]
      else if !tp then [] else
        local p(n, v, d) = { name: prefix + n, value: std.toString(v), description: d };
        local what = m.kind + ' ' + m.name;
        (if m.stableRef != null then [
           p('IMAGE', m.stableRef.repo, 'Image repository of the stable ' + what),
           p('IMAGE_TAG', m.stableRef.tag, 'Image tag of the stable ' + what),
         ] else [])
        + (if m.canaryRef != null then [
             p('IMAGE_CANARY', m.canaryRef.repo, 'Image repository of the canary ' + m.canaryName),
             p('IMAGE_CANARY_TAG', m.canaryRef.tag, 'Image tag of the canary ' + m.canaryName),
           ] else [])
        + (if m.stableReplicasParam then [p('REPLICAS', m.ratio.stable, 'Replicas of the stable ' + what)] else [])
        + [p('CANARY_REPLICAS', m.ratio.canary, 'Replicas of the canary ' + m.canaryName
                                                + '; its traffic share is CANARY_REPLICAS / (CANARY_REPLICAS + stable replicas)')]
        + (if m.namespace != null && c.serviceMonitor != false then [{ name: 'NAMESPACE', value: m.namespace, description: 'Namespace the ServiceMonitor selects Services in' }] else []),
    // An image replaced by its parameterized form, when it has one.
    imageOf(img, ref, repoName, tagName)::
      if img == (if ref == null then null else ref.repo + ':' + ref.tag) then m.param(repoName) + ':' + m.param(tagName) else img,
  },
}
