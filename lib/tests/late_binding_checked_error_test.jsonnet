// An override is checked like an input: a Service without labels cannot be
// selected by the ServiceMonitor.
// want error: Service shop/web: metadata.labels: is empty (but for labels that change with each release), and a ServiceMonitor selects Services by their labels
local canarygen = import 'canarygen/main.libsonnet';

local set = canarygen.new(import 'web.libsonnet', {});
(set { service+: { metadata+: { labels: {} } } }).serviceMonitor
