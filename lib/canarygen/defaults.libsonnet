// Every setting canarygen.new() understands, with its default.
// A key that is not listed here is rejected, so a typo fails loudly.
{
  canary: {
    // Image for the canary container(s); null keeps the stable's image
    // (useful for args- or env-only canaries).
    image: null,
    // Container name, or list of names, that get the canary image, args and
    // env; null means the first container of the pod.
    container: null,
    // Replica math (see ratio.libsonnet). Give either replicas or percent;
    // with neither the canary gets 1 replica.
    replicas: null,
    // Canary share of the traffic in percent, 0 < percent < 100. A number,
    // or a decimal string such as '16.67' for exact input.
    percent: null,
    // false: the stable keeps its replicas and the canary is added on top.
    // true: the stable's replicas are the total, split between the tracks.
    keepTotal: false,
    // Optional: maximum deviation, in percentage points, of the achieved
    // share from percent; above it rendering fails with a hint.
    tolerance: null,
    // Appended to the container's args.
    args: [],
    // Env vars ({ name, value } or { name, valueFrom }); a name the container
    // already has is replaced in place, a new one is appended.
    env: [],
    // Appended to the stable's name.
    suffix: '-canary',
  },

  // The label that marks canary pods. It is added to the canary's selector
  // and pod labels, and copied into every scraped series (podTargetLabels).
  track: {
    key: 'track',
    value: 'canary',
    // Stable-track mode: a value (e.g. 'stable') also puts key=<stable> on
    // the stable's selector and pod labels, so the tracks' selectors never
    // overlap (HPAs, PDBs and kubectl -l see one track). Selectors are
    // immutable: switching an existing stable over takes a migration (README,
    // "Stable-track mode"). null: the stable is left as it is.
    stable: null,
  },

  stable: {
    // Explicitly change the stable's replicas (null: leave them as they are,
    // unless canary.keepTotal moves some of them to the canary).
    replicas: null,
  },

  // 'workloads': a canary workload beside the stable (the default).
  // 'partition' (StatefulSets only): no second workload; the StatefulSet
  // itself gets the canary's changes and updateStrategy.rollingUpdate.
  // partition = stable replicas, so only the top `canary` ordinals run the
  // new template. The replica math splits the StatefulSet's replicas (as
  // with keepTotal); tracks are told apart by the apps.kubernetes.io/
  // pod-index label. Not with track.stable, hpa or templateParameters.
  mode: 'workloads',

  // StatefulSet only: what the canary does with the stable's
  // volumeClaimTemplates. 'inherit': the canary gets its own PVCs from the
  // same templates (named <claim>-<name>-canary-<n>), kept when the canary
  // is scaled down or deleted, as Kubernetes does by default. 'delete': the
  // same, plus persistentVolumeClaimRetentionPolicy Delete/Delete, so
  // removing or scaling down the canary deletes its PVCs (and their data).
  // 'emptyDir': no PVCs; each claim becomes an emptyDir volume of the same
  // name (data lives as long as the pod).
  volumeClaimTemplates: 'inherit',

  // One PodDisruptionBudget spanning both tracks (selector: the Service's,
  // without the track label), named after the stable: { minAvailable: 2 }
  // or { maxUnavailable: '25%' }. null: none. A stream that already has a
  // PDB for these pods is an error then: two PDBs over one pod make
  // evictions fail.
  pdb: null,

  // The stable's HorizontalPodAutoscaler (autoscaling/v2), to give the
  // canary one of its own: same metrics, targeting the canary, with
  // minReplicas and maxReplicas scaled by canary/stable replicas (rounded,
  // at least 1), so the share stays near c/(c+s) at both bounds while both
  // scale. null: none (an HPA on the stable alone moves the share as it
  // scales: canarygen lint CG002). The CLI (--canary-hpa) finds it in the
  // input.
  hpa: null,

  // true: generate the Service (StatefulSet: the governing headless Service
  // named spec.serviceName). A Service object: use that one (it must select
  // the stable's pods and must not select on the track label). false: none.
  service: true,

  // The Service port the ServiceMonitor scrapes. null: the port a
  // ServiceMonitor of the input scrapes (it is then adopted: its endpoints
  // stay, the track label is added to its podTargetLabels); else a port
  // named 'metrics' or 'http-metrics', else one whose name contains
  // 'metrics', else the port the pods' or the Service's
  // prometheus.io/port annotation names, else one named 'http'.
  metricsPort: null,

  // The name of the Service the ServiceMonitor selects, among the input's
  // Services over the workload's pods; null: the one a ServiceMonitor of the
  // input selects, else the one with the metrics port (the Service
  // canarygen reuses or renders first). Services that webhooks and
  // APIServices send requests to are never scraped.
  metricsService: null,

  // The namespace of a workload that has none (and of the objects rendered
  // for it); null: they stay without one (kubectl apply -n, Argo CD and
  // kustomize set it), and the dashboard and rules match the app in any
  // namespace, by its job.
  namespace: null,

  // OpenShift Templates: true puts template parameters where a deployment
  // pipeline varies things: the stable's image and replicas
  // (${IMAGE}:${IMAGE_TAG}, ${{REPLICAS}}), the canary's
  // (${IMAGE_CANARY}:${IMAGE_CANARY_TAG}, ${{CANARY_REPLICAS}}) and the
  // ServiceMonitor's namespaceSelector (${NAMESPACE}). The hidden field
  // `parameters` of the result declares them, each defaulting to what a plain
  // render gives; pass them to canarygen.openshift.template. Images without
  // a tag, or pinned by digest, stay literal. { prefix: 'API_' } prefixes the
  // names (but NAMESPACE), for templates holding several workloads.
  templateParameters: false,

  // Set by canarygen for a workload inside a Template input (see
  // templates.libsonnet): { parameters: the Template's defaults, names: {
  // image, tag, replicas } of the canary's parameters }. null otherwise.
  templateInput: null,

  // false switches the ServiceMonitor off.
  serviceMonitor: {
    // Extra labels on the ServiceMonitor (e.g. the one your Prometheus
    // selects ServiceMonitors by).
    labels: {},
    // Merged into the scrape endpoint: interval, scheme, path, tlsConfig...
    endpoint: {},
  },

  // false switches the PrometheusRule off: recording rules per track and
  // alerts comparing the canary with the stable (see rules.libsonnet).
  prometheusRule: {
    // Extra labels on the PrometheusRule (e.g. the one your Prometheus
    // selects rules by).
    labels: {},
    // CanaryErrorRatioHigh: canary error ratio above factor x the stable's
    // and above floor (a fraction: 0.01 is 1 %).
    errorRatioFactor: 2,
    errorRatioFloor: 0.01,
    // CanaryLatencyHigh: canary p99 above factor x the stable's.
    latencyFactor: 1.5,
    // No alert while the canary serves fewer requests per second.
    minRequestRate: 1,
    'for': '10m',
    severity: 'warning',
    runbookUrl: null,
  },

  // false switches the dashboard off.
  dashboard: {
    // Grafana dashboard title; null: '<name> canary'.
    title: null,
    // Extra labels on the dashboard ConfigMap, and its namespace
    // (null: the workload's namespace).
    labels: {},
    namespace: null,
    // Metric names. The request counter needs a status-code label for the
    // error panels; null switches the panels that need the metric off.
    metrics: {
      requests: 'http_requests_total',
      requestsCodeLabel: 'code',
      errorCodes: '5..',
      durationBucket: 'http_request_duration_seconds_bucket',
    },
  },

  // canarygen analyze: the canary's samples against the stable's, per
  // metric (Mann-Whitney U test, Hodges-Lehmann shift and its confidence
  // interval, effect = canary mean / stable mean), as Kayenta's judge does
  // (analysis.libsonnet, README "Analyze"). Not rendered into any object.
  analysis: {
    // rate() and increase() window of the queries; null: the query step
    // (at least 1m), so that consecutive samples count different requests.
    range: null,
    // Inconclusive while either track serves fewer requests per second on
    // average over the window...
    minRequestRate: 1,
    // ... or has fewer samples (Spinnaker advises at least 50).
    minSamples: 20,
    // Inconclusive when the canary's observed share of the requests is off
    // the rendered c/(c+s) by more than this fraction of it (0.5: between
    // half and one and a half times the rendered share).
    maxShareDeviation: 0.5,
    // Score 0-100: weighted mean of the groups' scores, each 100 x passing
    // / judged metrics. At or above passScore the canary passes; at or
    // above marginalScore it is inconclusive; below it fails. A critical
    // metric that fails fails the run whatever the score.
    passScore: 95,
    marginalScore: 75,
    // Of the confidence interval of the shift.
    confidence: 0.98,
    // Weight of each group in the score, e.g. { errors: 50 }; groups not
    // listed share what is left of 100 equally.
    groupWeights: {},
    // The metrics the library models. Each: group, direction ('increase',
    // 'decrease' or 'either': which change is bad), allowedIncrease /
    // allowedDecrease (the canary/stable ratio of means tolerated), critical
    // (fails the run alone), mustHaveData (no data counts as a failure).
    // null leaves a metric out.
    metrics: {
      errorRatio: { group: 'errors', direction: 'increase', allowedIncrease: 2, allowedDecrease: 1, critical: true, mustHaveData: false },
      latencyP50: { group: 'latency', direction: 'increase', allowedIncrease: 1.2, allowedDecrease: 1, critical: false, mustHaveData: false },
      latencyP90: { group: 'latency', direction: 'increase', allowedIncrease: 1.2, allowedDecrease: 1, critical: false, mustHaveData: false },
      latencyP99: { group: 'latency', direction: 'increase', allowedIncrease: 1.2, allowedDecrease: 1, critical: true, mustHaveData: false },
      cpu: { group: 'saturation', direction: 'increase', allowedIncrease: 1.25, allowedDecrease: 1, critical: false, mustHaveData: false },
      memory: { group: 'saturation', direction: 'increase', allowedIncrease: 1.25, allowedDecrease: 1, critical: false, mustHaveData: false },
      restarts: { group: 'availability', direction: 'increase', allowedIncrease: 1, allowedDecrease: 1, critical: false, mustHaveData: false },
      readiness: { group: 'availability', direction: 'decrease', allowedIncrease: 1, allowedDecrease: 0.9, critical: false, mustHaveData: false },
    },
    // Metrics of your own: { name, query, group, direction, allowedIncrease,
    // allowedDecrease, critical, mustHaveData, unit }. In query, $selector
    // is the track's selector of application metrics (namespace, job,
    // track), $pods the track's pod selector (container and kube-state
    // metrics) and $range the window, e.g.
    // 'sum(rate(queue_errors_total{$selector}[$range]))'.
    userMetrics: [],
  },
}
