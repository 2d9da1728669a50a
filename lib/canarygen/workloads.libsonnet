// The two tracks: the stable (the input, changed only where asked) and the
// canary (a deep copy with its own name, track label, replicas, image, args
// and env), or in partition mode one StatefulSet whose top ordinals are the
// canary.
local util = import 'util.libsonnet';

// Fields the API server sets; a canary must not copy them from a stable
// that was exported with `kubectl get -o yaml`.
local serverMetadata = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences'];
local serverAnnotations = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

local mergeEnv(env, extra) =
  local extraNames = [e.name for e in extra];
  [if std.member(extraNames, e.name) then [x for x in extra if x.name == e.name][0] else e for e in env]
  + [x for x in extra if !std.member([e.name for e in env], x.name)];

// m: model.libsonnet's facts.
function(m) {
  local c = m.config,
  local tp = m.templateParameters,

  // Args with the canary's appended, unless they end with them already
  // (partition mode renders its own output again).
  local withArgs(args) =
    local n = std.length(args) - std.length(c.canary.args);
    if n >= 0 && args[n:] == c.canary.args then args else args + c.canary.args,
  // A target container with the canary's image, args and env.
  local patchContainer(ct) =
    ct
    + (if m.templateInput != null then { image: m.canaryImageInTemplate }
       else if c.canary.image != null || tp then
         { image: m.imageOf(if c.canary.image != null then c.canary.image else ct.image, m.canaryRef, 'IMAGE_CANARY', 'IMAGE_CANARY_TAG') }
       else {})
    + (if std.length(c.canary.args) > 0 then { args: withArgs(util.get(ct, 'args', [])) } else {})
    + (if std.length(c.canary.env) > 0 then { env: mergeEnv(util.get(ct, 'env', []), c.canary.env) } else {}),
  local canaryContainers = [if std.member(m.targets, ct.name) then patchContainer(ct) else ct for ct in m.containers],

  local stableBase =
    m.workload
    + (if m.setsStableReplicas then { spec+: { replicas: if m.partition then m.stableReplicasIn else m.ratio.stable } } else {})
    + (if c.track.stable != null then {
         spec+: {
           selector+: { matchLabels+: m.stableTrack },
           template+: { metadata+: { labels+: m.stableTrack } },
         },
       } else {}),
  local stable =
    if !tp then stableBase
    else stableBase {
      spec+: {
        [if m.stableReplicasParam then 'replicas']: m.typedParam('REPLICAS'),
        template+: { spec+: { containers: [
          if std.member(m.targets, ct.name) then ct { image: m.imageOf(ct.image, m.stableRef, 'IMAGE', 'IMAGE_TAG') } else ct
          for ct in super.containers
        ] } },
      },
    },

  // Partition mode: the stable StatefulSet is the canary too. Its template
  // gets the canary's changes, and only ordinals >= partition (the top
  // `canary` ones) are updated to it.
  local partitioned = stable {
    spec+: {
      updateStrategy: {
        type: 'RollingUpdate',
        rollingUpdate: util.path(m.spec, ['updateStrategy', 'rollingUpdate'], {}) + { partition: m.ratio.stable },
      },
      template+: { spec+: { containers: canaryContainers } },
    },
  },

  stable: if m.partition then partitioned else stable,

  local annotations = util.without(util.get(m.meta, 'annotations', {}), serverAnnotations),
  local claims = if m.isStatefulSet then util.get(m.spec, 'volumeClaimTemplates', []) else [],
  local claimsToEmptyDir = m.isStatefulSet && c.volumeClaimTemplates == 'emptyDir' && std.length(claims) > 0,
  local claimsDelete = m.isStatefulSet && c.volumeClaimTemplates == 'delete' && std.length(claims) > 0,

  // The version label: when the stable's pods say their version is the
  // stable image's tag (and the selector does not use it), the canary's pods
  // say the canary image's.
  local versionLabel = 'app.kubernetes.io/version',
  // (In a Template, compared as oc process gives them with the defaults;
  // the canary's label is then its tag parameter.)
  local stableTag = local r = util.splitImage(m.checked.stableImage); if r == null then null else r.tag,
  local canaryTag = local r = util.splitImage(m.canaryImage); if r == null then null else r.tag,
  local newVersion =
    if stableTag != null && canaryTag != null && stableTag != canaryTag && util.get(m.checked.podLabels, versionLabel) == stableTag
       && !std.objectHasEx(m.selector, versionLabel, false) then { [versionLabel]: if m.templateInput != null then '${' + m.templateInput.names.tag + '}' else canaryTag }
    else {},
  versionNotes:: if std.length(newVersion) == 0 then [] else [
    "the canary's pods say " + versionLabel + '=' + util.show(canaryTag) + " (the stable's say " + util.show(stableTag) + ", the stable image's tag)",
  ],
  local metaLabels = util.get(m.meta, 'labels', {}),

  [if !m.partition then 'canary']: util.without(m.workload, ['status']) + {
    metadata: util.without(m.meta, serverMetadata + ['annotations'])
              + { name: m.canaryName }
              + (if std.length(newVersion) > 0 && util.path(m.checked.meta, ['labels', versionLabel]) == stableTag then { labels: metaLabels + newVersion } else {})
              + (if std.length(annotations) > 0 then { annotations: annotations } else {}),
    spec: util.without(super.spec, if claimsToEmptyDir then ['volumeClaimTemplates'] else []) + {
      replicas: if m.templateInput != null then m.canaryReplicasInTemplate else if tp then m.typedParam('CANARY_REPLICAS') else m.ratio.canary,
      [if claimsDelete then 'persistentVolumeClaimRetentionPolicy']: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      selector+: { matchLabels+: m.track },
      template+: {
        metadata+: { labels+: m.track + newVersion },
        spec+: {
          containers: canaryContainers,
          [if claimsToEmptyDir then 'volumes']: util.get(m.podSpec, 'volumes', []) + [
            { name: claim.metadata.name, emptyDir: {} }
            for claim in claims
          ],
        },
      },
    },
  },
}
