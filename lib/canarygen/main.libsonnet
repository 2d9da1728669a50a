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
// grafanaDashboard (the dashboard model, without its ConfigMap), parameters
// (OpenShift template parameters, with templateParameters on), mixin (the
// dashboard and rules in monitoring-mixin form), analysis (what canarygen
// analyze compares, see analysis.libsonnet).
local dashboards = import 'dashboard.libsonnet';
local defaults = import 'defaults.libsonnet';
local openshift = import 'openshift.libsonnet';
local ratios = import 'ratio.libsonnet';
local util = import 'util.libsonnet';

// Settings whose sub-keys are checked against defaults; the others
// (labels, endpoint, env...) are free-form.
local checkedKeys = ['canary', 'track', 'stable', 'serviceMonitor', 'prometheusRule', 'dashboard', 'dashboard.metrics', 'analysis', 'analysis.metrics']
                    + ['analysis.metrics.' + m for m in std.objectFields(defaults.analysis.metrics)];

// Fields the API server sets; a canary must not copy them from a stable
// that was exported with `kubectl get -o yaml`.
local serverMetadata = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences'];
local serverAnnotations = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

// StatefulSet pods carry controller-revision-hash: <name>-<hash of up to 10
// characters>, a label value of at most 63 characters.
local maxStatefulSetName = 52;

local preferredMetricsPorts = ['metrics', 'http-metrics'];

// The ordinal label the StatefulSet controller puts on every pod (Kubernetes
// >= 1.28); partition mode tells the tracks apart by it.
local podIndexLabel = 'apps.kubernetes.io/pod-index';

{
  defaults:: defaults,

  // canarygen.openshift.template(objects, { name, parameters }): see
  // openshift.libsonnet.
  openshift:: openshift,

  // The replica math on its own: ratio({ stable: 10, percent: 10 }),
  // ratio({ total: 12, percent: 16.67 }), ratio({ stable: 10, canary: 2 }).
  ratio(spec):: ratios.ratio(spec),

  new(workload, params={})::
    local w = workload;
    local meta = util.get(w, 'metadata', {});
    local kind = util.get(w, 'kind');
    local name = util.get(meta, 'name');
    local ns = util.get(meta, 'namespace');
    local where = (if std.isString(kind) then kind else 'object') + ' '
                  + (if std.isString(ns) then ns + '/' else '') + (if std.isString(name) then name else '<unnamed>');
    local fail(field, msg, hint=null) = util.fail(where, field, msg, hint);

    local unknownParams = if std.isObject(params) then util.unknownKeys(defaults, params, checkedKeys) else [];
    local c = util.merge(defaults, params);

    local spec = util.get(w, 'spec', {});
    local selector = util.get(util.get(spec, 'selector', {}), 'matchLabels', {});
    local template = util.get(spec, 'template', {});
    local podLabels = util.get(util.get(template, 'metadata', {}), 'labels', {});
    local podSpec = util.get(template, 'spec', {});
    local containers = util.get(podSpec, 'containers', []);
    local containerNames = [util.get(ct, 'name') for ct in containers];
    local isSts = kind == 'StatefulSet';
    local partition = c.mode == 'partition';

    local track = { [c.track.key]: c.track.value };
    local canaryName = name + c.canary.suffix;

    local targets =
      if c.canary.container == null then containerNames[0:1]
      else if std.isString(c.canary.container) then [c.canary.container]
      else c.canary.container;

    // Every check, in the order a user fixes things; each is true or fails.
    local checks = [
      if !std.isObject(params) then util.fail(where, '', 'options must be an object, got ' + util.show(params)) else true,
      if std.length(unknownParams) > 0 then
        local path = std.split(unknownParams[0], '.');
        local parent = std.foldl(function(o, k) o[k], path[0:std.length(path) - 1], defaults);
        local prefix = std.join('', [k + '.' for k in path[0:std.length(path) - 1]]);
        fail(unknownParams[0],
             'unknown option',
             'known options here: ' + std.join(', ', [prefix + k for k in std.objectFields(parent)]) + ' (see canarygen/defaults.libsonnet)')
      else true,
      if !std.isObject(w) then util.fail('', 'workload', 'must be a StatefulSet or Deployment object, got ' + util.show(std.type(w))) else true,
      if kind != 'StatefulSet' && kind != 'Deployment' then
        fail('kind', 'must be StatefulSet or Deployment, got ' + util.show(kind), 'canarygen makes canaries of apps/v1 StatefulSets and Deployments')
      else true,
      if util.get(w, 'apiVersion') != 'apps/v1' then fail('apiVersion', 'must be apps/v1, got ' + util.show(util.get(w, 'apiVersion'))) else true,
      if !std.isString(name) || name == '' then fail('metadata.name', 'is missing') else true,
      if !std.isObject(selector) || std.length(selector) == 0 then
        fail('spec.selector.matchLabels', 'is missing or empty', 'the Service selects both tracks by these labels; give the workload a matchLabels selector')
      else true,
      if !std.isObject(podLabels) then fail('spec.template.metadata.labels', 'is missing') else true,
      local missing = [k for k in std.objectFields(selector) if util.get(podLabels, k) != selector[k]];
      if std.length(missing) > 0 then
        fail('spec.template.metadata.labels',
             'does not carry the selector label ' + util.show(missing[0]) + '=' + util.show(selector[missing[0]]),
             'the selector must match the pod labels; Kubernetes rejects this workload as it is')
      else true,
      if !std.isArray(containers) || std.length(containers) == 0 then fail('spec.template.spec.containers', 'is missing or empty') else true,
      if !util.isLabelKey(c.track.key) then fail('track.key', util.show(c.track.key) + ' is not a valid label key') else true,
      if !util.isLabelValue(c.track.value) || c.track.value == '' then fail('track.value', util.show(c.track.value) + ' is not a valid, non-empty label value') else true,
      if util.get(podLabels, c.track.key) == c.track.value then
        fail('spec.template.metadata.labels',
             'the stable pods already carry ' + c.track.key + '=' + c.track.value,
             'the track label marks canary pods only; render from the stable workload')
      else true,
      if !std.isString(c.canary.suffix) || c.canary.suffix == '' then fail('canary.suffix', 'must be a non-empty string') else true,
      if !util.isDNSSubdomain(canaryName) then
        fail('metadata.name', 'the canary name ' + util.show(canaryName) + ' is not a valid Kubernetes name (lowercase letters, digits, "-" and ".", at most 253 characters)')
      else true,
      if isSts && std.length(canaryName) > maxStatefulSetName then
        fail('metadata.name',
             'the canary name ' + util.show(canaryName) + ' has ' + std.length(canaryName) + ' characters; a StatefulSet name may have at most ' + maxStatefulSetName,
             'its pods get the label controller-revision-hash=<name>-<hash>, at most 63 characters: use a shorter canary.suffix (--suffix)')
      else true,
      if !std.isArray(targets) || std.length([t for t in targets if !std.isString(t)]) > 0 then
        fail('canary.container', 'must be a container name or a list of names, got ' + util.show(c.canary.container))
      else true,
      local unknownTargets = [t for t in targets if !std.member(containerNames, t)];
      if std.length(unknownTargets) > 0 then
        fail('spec.template.spec.containers',
             'has no container named ' + util.show(unknownTargets[0]),
             'containers are: ' + std.join(', ', [util.show(n) for n in containerNames]))
      else true,
      if !std.isArray(c.canary.args) then fail('canary.args', 'must be a list of strings') else true,
      if !std.isArray(c.canary.env) || std.length([e for e in c.canary.env if !std.isObject(e) || !std.isString(util.get(e, 'name'))]) > 0 then
        fail('canary.env', 'must be a list of objects with a name, such as { name: "LOG_LEVEL", value: "debug" }')
      else true,
      if c.canary.image != null && (!std.isString(c.canary.image) || c.canary.image == '') then fail('canary.image', 'must be a non-empty image reference') else true,
      if c.templateParameters != true && c.templateParameters != false
         && !(std.isObject(c.templateParameters) && std.objectFields(c.templateParameters) == ['prefix'] && std.isString(c.templateParameters.prefix)) then
        fail('templateParameters', 'must be true, false or { prefix: "NAME_" }, got ' + util.show(c.templateParameters))
      else true,
      if !std.member(['workloads', 'partition'], c.mode) then
        fail('mode', 'must be "workloads" or "partition", got ' + util.show(c.mode))
      else true,
      if partition && !isSts then
        fail('mode', 'partition works on StatefulSets only (a Deployment has no ordinals to partition)', 'use the default mode for Deployments')
      else true,
      if partition && util.get(util.get(spec, 'updateStrategy', {}), 'type', 'RollingUpdate') != 'RollingUpdate' then
        fail('spec.updateStrategy.type', 'is ' + util.show(spec.updateStrategy.type) + '; partition mode needs RollingUpdate')
      else true,
      local conflicts = [o for o in [
        ['track.stable', c.track.stable != null],
        ['hpa', c.hpa != null],
        ['templateParameters', c.templateParameters != false],
        ['volumeClaimTemplates', c.volumeClaimTemplates != 'inherit'],
      ] if partition && o[1]];
      if std.length(conflicts) > 0 then
        fail(conflicts[0][0], 'does not apply in partition mode: the canary pods are ordinals of the stable StatefulSet')
      else true,
      if !std.member(['inherit', 'delete', 'emptyDir'], c.volumeClaimTemplates) then
        fail('volumeClaimTemplates', 'must be "inherit", "delete" or "emptyDir", got ' + util.show(c.volumeClaimTemplates))
      else true,
      if c.track.stable != null && (!util.isLabelValue(c.track.stable) || c.track.stable == '') then
        fail('track.stable', util.show(c.track.stable) + ' is not a valid, non-empty label value')
      else true,
      if c.track.stable != null && c.track.stable == c.track.value then
        fail('track.stable', 'must differ from track.value (' + util.show(c.track.value) + ')')
      else true,
      if c.track.stable != null && std.objectHas(podLabels, c.track.key) && podLabels[c.track.key] != c.track.stable then
        fail('spec.template.metadata.labels',
             'the stable pods carry ' + c.track.key + '=' + util.show(podLabels[c.track.key]) + ', not the stable track ' + util.show(c.track.stable))
      else true,
      if c.hpa != null && !(std.isObject(c.hpa) && util.get(c.hpa, 'kind') == 'HorizontalPodAutoscaler'
                            && util.get(c.hpa, 'apiVersion') == 'autoscaling/v2') then
        fail('hpa', 'must be null or an autoscaling/v2 HorizontalPodAutoscaler object, got ' + util.show(if std.isObject(c.hpa) then util.get(c.hpa, 'kind') else c.hpa))
      else true,
      if c.hpa != null && util.get(util.get(util.get(c.hpa, 'spec', {}), 'scaleTargetRef', {}), 'name') != name then
        fail('hpa', 'HorizontalPodAutoscaler ' + util.show(util.get(util.get(c.hpa, 'metadata', {}), 'name')) + ' does not target ' + where)
      else true,
      if c.hpa != null && !util.isInt(util.get(util.get(c.hpa, 'spec', {}), 'maxReplicas')) then
        fail('hpa', 'spec.maxReplicas must be an integer')
      else true,
      if c.pdb != null && !(std.isObject(c.pdb) && std.length(std.objectFields(c.pdb)) == 1
                            && (std.objectHas(c.pdb, 'minAvailable') || std.objectHas(c.pdb, 'maxUnavailable'))) then
        fail('pdb', 'must be null, { minAvailable: N } or { maxUnavailable: N } (N a number or a percentage such as "25%"), got ' + util.show(c.pdb))
      else true,
    ];

    // ---- replicas -------------------------------------------------------
    local stableReplicas =
      if c.stable.replicas != null then c.stable.replicas
      else
        local r = util.get(spec, 'replicas');
        if r == null then 1 else r;  // Kubernetes' default
    local stableField = if c.stable.replicas != null then 'stable.replicas' else 'spec.replicas';
    local ratio = ratios.compute(
      { [if c.canary.keepTotal || partition then 'total' else 'stable']: stableReplicas }
      + (if c.canary.replicas != null then { canary: c.canary.replicas }
         else if c.canary.percent != null then { percent: c.canary.percent, tolerance: c.canary.tolerance }
         else { canary: 1 }),
      where,
      {
        stable: stableField,
        total: stableField,
        canary: 'canary.replicas',
        percent: 'canary.percent',
        tolerance: 'canary.tolerance',
      },
    );

    // ---- template parameters (OpenShift) --------------------------------
    local tp = c.templateParameters != false;
    local prefix = if std.isObject(c.templateParameters) then c.templateParameters.prefix else '';
    local param(n) = '${' + prefix + n + '}';
    local typedParam(n) = '${{' + prefix + n + '}}';
    local setsStableReplicas = c.stable.replicas != null || (c.canary.keepTotal && !partition);
    local stableReplicasParam = tp && (setsStableReplicas || std.objectHas(spec, 'replicas'));
    local stableImage = util.get([ct for ct in containers if ct.name == targets[0]][0], 'image');
    local canaryImage = if c.canary.image != null then c.canary.image else stableImage;
    local stableRef = if tp then util.splitImage(stableImage) else null;
    local canaryRef = if tp then util.splitImage(canaryImage) else null;
    local parameters = if !tp then [] else
      local p(n, v, d) = { name: prefix + n, value: std.toString(v), description: d };
      local what = kind + ' ' + name;
      (if stableRef != null then [
         p('IMAGE', stableRef.repo, 'Image repository of the stable ' + what),
         p('IMAGE_TAG', stableRef.tag, 'Image tag of the stable ' + what),
       ] else [])
      + (if canaryRef != null then [
           p('IMAGE_CANARY', canaryRef.repo, 'Image repository of the canary ' + canaryName),
           p('IMAGE_CANARY_TAG', canaryRef.tag, 'Image tag of the canary ' + canaryName),
         ] else [])
      + (if stableReplicasParam then [p('REPLICAS', ratio.stable, 'Replicas of the stable ' + what)] else [])
      + [p('CANARY_REPLICAS', ratio.canary, 'Replicas of the canary ' + canaryName
                                            + '; its traffic share is CANARY_REPLICAS / (CANARY_REPLICAS + stable replicas)')]
      + (if ns != null && c.serviceMonitor != false then [{ name: 'NAMESPACE', value: ns, description: 'Namespace the ServiceMonitor selects Services in' }] else []);
    // Replace an image by its parameterized form, when it has one.
    local imageOf(img, ref, repoName, tagName) =
      if img == (if ref == null then null else ref.repo + ':' + ref.tag) then param(repoName) + ':' + param(tagName) else img;

    // ---- workloads ------------------------------------------------------
    local stableTrack = if c.track.stable != null then { [c.track.key]: c.track.stable } else {};
    local stableBase =
      w
      + (if setsStableReplicas then { spec+: { replicas: if partition then stableReplicas else ratio.stable } } else {})
      + (if c.track.stable != null then {
           spec+: {
             selector+: { matchLabels+: stableTrack },
             template+: { metadata+: { labels+: stableTrack } },
           },
         } else {});
    local stable =
      if !tp then stableBase
      else stableBase {
        spec+: {
          [if stableReplicasParam then 'replicas']: typedParam('REPLICAS'),
          template+: { spec+: { containers: [
            if std.member(targets, ct.name) then ct { image: imageOf(ct.image, stableRef, 'IMAGE', 'IMAGE_TAG') } else ct
            for ct in super.containers
          ] } },
        },
      };

    local mergeEnv(env, extra) =
      local extraNames = [e.name for e in extra];
      [if std.member(extraNames, e.name) then [x for x in extra if x.name == e.name][0] else e for e in env]
      + [x for x in extra if !std.member([e.name for e in env], x.name)];
    local patchContainer(ct) =
      ct
      + (if c.canary.image != null || tp then { image: imageOf(if c.canary.image != null then c.canary.image else ct.image, canaryRef, 'IMAGE_CANARY', 'IMAGE_CANARY_TAG') } else {})
      + (if std.length(c.canary.args) > 0 then { args: util.get(ct, 'args', []) + c.canary.args } else {})
      + (if std.length(c.canary.env) > 0 then { env: mergeEnv(util.get(ct, 'env', []), c.canary.env) } else {});

    // Partition mode: the stable StatefulSet is the canary too. Its template
    // gets the canary's changes, and only ordinals >= partition (the top
    // `canary` ones) are updated to it.
    local partitioned = stable {
      spec+: {
        updateStrategy: {
          type: 'RollingUpdate',
          rollingUpdate: util.get(util.get(spec, 'updateStrategy', {}), 'rollingUpdate', {}) + { partition: ratio.stable },
        },
        template+: { spec+: { containers: [if std.member(targets, ct.name) then patchContainer(ct) else ct for ct in containers] } },
      },
    };

    local annotations = util.without(util.get(meta, 'annotations', {}), serverAnnotations);
    local claims = if isSts then util.get(spec, 'volumeClaimTemplates', []) else [];
    local claimsToEmptyDir = isSts && c.volumeClaimTemplates == 'emptyDir' && std.length(claims) > 0;
    local claimsDelete = isSts && c.volumeClaimTemplates == 'delete' && std.length(claims) > 0;

    local canary = util.without(w, ['status']) + {
      metadata: util.without(meta, serverMetadata + ['annotations'])
                + { name: canaryName }
                + (if std.length(annotations) > 0 then { annotations: annotations } else {}),
      spec: util.without(super.spec, if claimsToEmptyDir then ['volumeClaimTemplates'] else []) + {
        replicas: if tp then typedParam('CANARY_REPLICAS') else ratio.canary,
        [if claimsDelete then 'persistentVolumeClaimRetentionPolicy']: { whenDeleted: 'Delete', whenScaled: 'Delete' },
        selector+: { matchLabels+: track },
        template+: {
          metadata+: { labels+: track },
          spec+: {
            containers: [if std.member(targets, ct.name) then patchContainer(ct) else ct for ct in containers],
            [if claimsToEmptyDir then 'volumes']: util.get(podSpec, 'volumes', []) + [
              { name: claim.metadata.name, emptyDir: {} }
              for claim in claims
            ],
          },
        },
      },
    };

    // ---- Service --------------------------------------------------------
    local serviceLabels = util.without(selector, [c.track.key]);
    local serviceName =
      if isSts && std.isString(util.get(spec, 'serviceName')) && spec.serviceName != '' then spec.serviceName else name;
    local headless = isSts && serviceName == util.get(spec, 'serviceName');
    local ports = [
      local pname = util.get(p, 'name', 'port-' + p.containerPort);
      { name: pname, port: p.containerPort, targetPort: util.get(p, 'name', p.containerPort) }
      + (if std.objectHas(p, 'protocol') then { protocol: p.protocol } else {})
      for ct in containers
      for p in util.get(ct, 'ports', [])
    ];
    local existing = if std.isObject(c.service) then c.service else null;
    local service =
      if existing != null then existing
      else {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: serviceName,
          labels: serviceLabels,
          [if ns != null then 'namespace']: ns,
        },
        spec: {
          selector: serviceLabels,
          ports: ports,
          [if headless then 'clusterIP']: 'None',
        },
      };
    local serviceWhere = 'Service ' + (if ns != null then ns + '/' else '') + util.get(util.get(service, 'metadata', {}), 'name', '<unnamed>');
    local serviceChecks = [
      if c.service != true && c.service != false && existing == null then fail('service', 'must be true, false or a Service object') else true,
      if existing != null && util.get(existing, 'kind') != 'Service' then fail('service', 'must be a Service object, got kind ' + util.show(util.get(existing, 'kind'))) else true,
      if existing == null && c.service == true && std.length(ports) == 0 && !headless then
        fail('spec.template.spec.containers',
             'declare no ports, so the Service would have none',
             "declare the containers' ports (containerPort), or bring your own Service")
      else true,
      if existing != null then
        local sel = util.get(util.get(existing, 'spec', {}), 'selector', {});
        local mismatch = [k for k in std.objectFields(sel) if util.get(podLabels, k) != sel[k]];
        if std.length(sel) == 0 then util.fail(serviceWhere, 'spec.selector', "is empty: it does not select the workload's pods")
        else if std.objectHas(sel, c.track.key) then
          util.fail(serviceWhere,
                    'spec.selector',
                    'selects on the track label ' + util.show(c.track.key) + ', so it cannot select both tracks',
                    'remove ' + c.track.key + ' from the Service selector')
        else if std.length(mismatch) > 0 then
          util.fail(serviceWhere, 'spec.selector', 'label ' + mismatch[0] + '=' + util.show(sel[mismatch[0]]) + ' does not match the pods of ' + where)
        else true
      else true,
    ];
    local hasService = c.service != false;

    // ---- HorizontalPodAutoscaler -----------------------------------------
    // Bounds scaled by canary/stable, rounded half up in integers, >= 1.
    local scaled(n) = std.max(1, std.floor((2 * n * ratio.canary + ratio.stable) / (2 * ratio.stable)));
    local hpaSpec = util.get(c.hpa, 'spec', {});
    local hpaMin =
      if tp then fail('hpa', 'a canary HPA and OpenShift template parameters do not go together: its bounds follow the rendered replicas')
      else if ratio.stable == 0 then fail('hpa', 'the stable has 0 replicas, so there is no ratio to scale the bounds by')
      else scaled(util.get(hpaSpec, 'minReplicas', 1));
    local hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: canaryName,
        labels: util.get(util.get(c.hpa, 'metadata', {}), 'labels', {}),
        [if ns != null then 'namespace']: ns,
      },
      spec: hpaSpec {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: kind, name: canaryName },
        minReplicas: hpaMin,
        maxReplicas: std.max(hpaMin, scaled(hpaSpec.maxReplicas)),
      },
    };

    // ---- PodDisruptionBudget --------------------------------------------
    local pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: {
        name: name,
        labels: serviceLabels,
        [if ns != null then 'namespace']: ns,
      },
      // Both tracks: the same pods as the Service.
      spec: c.pdb { selector: { matchLabels: serviceLabels } },
    };

    // ---- ServiceMonitor -------------------------------------------------
    local smOn = c.serviceMonitor != false;
    local servicePortNames = [util.get(p, 'name') for p in util.get(util.get(service, 'spec', {}), 'ports', []) if std.isString(util.get(p, 'name'))];
    local metricsPort =
      if c.metricsPort != null then c.metricsPort
      else
        local preferred = [p for p in preferredMetricsPorts if std.member(servicePortNames, p)];
        local containing = [p for p in servicePortNames if std.length(std.findSubstr('metrics', p)) > 0];
        if std.length(preferred) > 0 then preferred[0]
        else if std.length(containing) > 0 then containing[0]
        else if std.length(servicePortNames) == 1 then servicePortNames[0]
        else null;
    local serviceLabelsForSM = util.get(util.get(service, 'metadata', {}), 'labels', {});
    local smChecks = if !smOn then [] else [
      if !hasService then fail('serviceMonitor', 'needs a Service to select', 'keep the Service on, or switch the ServiceMonitor off') else true,
      if metricsPort == null then
        fail('metricsPort',
             'cannot tell which Service port serves metrics among ' + std.join(', ', [util.show(p) for p in servicePortNames]),
             'name it with metricsPort (CLI: --metrics-port), or name the port "metrics"')
      else true,
      if !std.member(servicePortNames, metricsPort) then
        fail('metricsPort', util.show(metricsPort) + ' is not a port of the Service; ports are: ' + std.join(', ', [util.show(p) for p in servicePortNames]))
      else true,
      if std.length(serviceLabelsForSM) == 0 then
        util.fail(serviceWhere,
                  'metadata.labels',
                  'is empty, and a ServiceMonitor selects Services by their labels',
                  'label the Service (e.g. with its selector labels), or switch the ServiceMonitor off')
      else true,
    ];
    local serviceMonitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: name,
        labels: serviceLabelsForSM + c.serviceMonitor.labels,
        [if ns != null then 'namespace']: ns,
      },
      spec: {
        selector: { matchLabels: serviceLabelsForSM },
        endpoints: [{ port: metricsPort } + c.serviceMonitor.endpoint],
        // Copies the track label from the pods into every scraped series.
        podTargetLabels: [if partition then podIndexLabel else c.track.key],
        [if tp && ns != null then 'namespaceSelector']: { matchNames: ['${NAMESPACE}'] },
      },
    };

    // ---- dashboard ------------------------------------------------------
    local dashOn = c.dashboard != false;
    // What the PromQL of both the dashboard and the rules is built from
    // (queries.libsonnet), so that they never select pods differently.
    local queryCtx = {
      kind: kind,
      name: name,
      canaryName: canaryName,
      namespace: if ns != null then ns else 'default',
      job: util.get(service.metadata, 'name', serviceName),
      trackLabel: util.promLabel(if partition then podIndexLabel else c.track.key),
      trackValue: c.track.value,
      partition: if partition then { first: ratio.stable, total: ratio.total } else null,
      metrics: if dashOn then c.dashboard.metrics else defaults.dashboard.metrics,
    };
    local model = dashboards.new(queryCtx {
      replicas: {
        stable: if stableReplicasParam then param('REPLICAS') else ratio.stable,
        canary: if tp then param('CANARY_REPLICAS') else ratio.canary,
      },
      title: if dashOn && c.dashboard.title != null then c.dashboard.title else name + ' canary',
    });
    // ---- PrometheusRule and mixin ---------------------------------------
    local ruleOn = c.prometheusRule != false;
    local ruleOpts = if ruleOn then c.prometheusRule else defaults.prometheusRule;
    local rules = (import 'rules.libsonnet')(queryCtx, ruleOpts);
    local prometheusRule = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: canaryName,
        labels: serviceLabels + ruleOpts.labels,
        [if ns != null then 'namespace']: ns,
      },
      spec: { groups: [rules.recording, rules.alerts] },
    };

    local dashboardConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: name + c.canary.suffix + '-dashboard',
        labels: { grafana_dashboard: '1' } + c.dashboard.labels,
        [if c.dashboard.namespace != null || ns != null then 'namespace']:
          if c.dashboard.namespace != null then c.dashboard.namespace else ns,
      },
      data: { [name + c.canary.suffix + '.json']: std.manifestJsonEx(model, '  ') },
    };

    assert std.length([x for x in checks + serviceChecks + smChecks if x != true]) == 0;
    {
      config:: c,
      ratio:: ratio,
      grafanaDashboard:: model,
      // canarygen analyze: the metrics and their canary/stable PromQL.
      analysis:: (import 'analysis.libsonnet')(queryCtx, c.analysis),
      parameters:: parameters,
      // kube-prometheus style: set.mixin.grafanaDashboards, .prometheusAlerts,
      // .prometheusRules.
      mixin:: {
        grafanaDashboards: { [canaryName + '.json']: model },
        prometheusAlerts: { groups: [rules.alerts] },
        prometheusRules: { groups: [rules.recording] },
      },

      stable: if partition then partitioned else stable,
      [if !partition then 'canary']: canary,
      [if hasService then 'service']: service,
      [if c.pdb != null then 'podDisruptionBudget']: pdb,
      [if c.hpa != null then 'horizontalPodAutoscaler']: hpa,
      [if smOn then 'serviceMonitor']: serviceMonitor,
      [if dashOn then 'dashboard']: dashboardConfigMap,
      [if ruleOn then 'prometheusRule']: prometheusRule,
    },
}
