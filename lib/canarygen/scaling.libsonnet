// Scaling and disruption: a HorizontalPodAutoscaler of the canary's own
// (the stable's, with bounds scaled by canary/stable replicas), and one
// PodDisruptionBudget over both tracks.
local util = import 'util.libsonnet';

// m: model.libsonnet's facts.
function(m) {
  local ratio = m.ratio,

  // Bounds scaled by canary/stable, rounded half up in integers, >= 1.
  local scaled(n) = std.max(1, std.floor((2 * n * ratio.canary + ratio.stable) / (2 * ratio.stable))),

  [if m.config.hpa != null then 'horizontalPodAutoscaler']:
    local hpaSpec = util.get(m.hpa, 'spec', {});
    local min =
      if m.templateParameters then m.fail('hpa', 'a canary HPA and OpenShift template parameters do not go together: its bounds follow the rendered replicas')
      else if ratio.stable == 0 then m.fail('hpa', 'the stable has 0 replicas, so there is no ratio to scale the bounds by')
      else scaled(util.get(hpaSpec, 'minReplicas', 1));
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: util.metadata(m.canaryName, m.namespace, util.path(m.hpa, ['metadata', 'labels'], {})),
      spec: hpaSpec {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: m.kind, name: m.canaryName },
        minReplicas: min,
        maxReplicas: std.max(min, scaled(hpaSpec.maxReplicas)),
      },
    },

  // Both tracks: the same pods as the Service.
  [if m.config.pdb != null then 'podDisruptionBudget']: {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: util.metadata(m.name, m.namespace, m.serviceLabels),
    spec: m.config.pdb { selector: { matchLabels: m.serviceLabels } },
  },
}
