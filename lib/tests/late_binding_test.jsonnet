// The objects of a set refer to each other through the set: an override of
// one reaches the objects derived from it, as in kube-thanos and
// grafana/jsonnet-libs.
local canarygen = import 'canarygen/main.libsonnet';
local web = import 'web.libsonnet';

local set = canarygen.new(web, {});
local contains(s, part) = std.length(std.findSubstr(part, s)) > 0;

// The Service's name and labels reach the ServiceMonitor, the rules and
// the dashboard.
local renamed = set { service+: { metadata+: { name: 'web-frontend', labels+: { tier: 'frontend' } } } };
assert renamed.serviceMonitor.spec.selector.matchLabels == { app: 'web', tier: 'frontend' } : renamed.serviceMonitor.spec.selector;
assert renamed.serviceMonitor.metadata.labels == { app: 'web', tier: 'frontend' };
assert contains(renamed.prometheusRule.spec.groups[0].rules[0].expr, 'job="web-frontend"') : renamed.prometheusRule.spec.groups[0].rules[0].expr;
assert contains(renamed.grafanaDashboard.panels[1].targets[0].expr, 'job="web-frontend"') : renamed.grafanaDashboard.panels[1].targets[0].expr;
assert renamed.mixin.prometheusRules.groups[0].rules[0].expr == renamed.prometheusRule.spec.groups[0].rules[0].expr;
// The unchanged set still says job="web".
assert contains(set.prometheusRule.spec.groups[0].rules[0].expr, 'job="web"');

// The Service's ports decide the port the ServiceMonitor scrapes.
local ported = set { service+: { spec+: { ports+: [{ name: 'metrics', port: 9090, targetPort: 'http' }] } } };
assert ported.serviceMonitor.spec.endpoints == [{ port: 'metrics' }] : ported.serviceMonitor.spec.endpoints;
assert set.serviceMonitor.spec.endpoints == [{ port: 'http' }];

true
