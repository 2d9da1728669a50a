// Adding a canary to an existing config: the config's own objects stay as
// they are, the Deployment and its Service go through canarygen.new.
// Render: canarygen render --tla-str canaryImage=... examples/jsonnet-config/main.jsonnet
// or, with jsonnet-bundler: jsonnet -J examples/vendor --tla-str canaryImage=... ...
local app = (import 'app.libsonnet')({ image: 'registry.example.com/shop/checkout:3.2.0' });
local canarygen = import 'canarygen/main.libsonnet';

function(canaryImage='registry.example.com/shop/checkout:3.3.0-rc.1')
  local canary = canarygen.new(app.deployment, {
    canary: { image: canaryImage, percent: 10, keepTotal: true },
    service: app.service,
    serviceMonitor: { labels: { prometheus: 'k8s' }, endpoint: { interval: '30s' } },
    dashboard: { title: 'Checkout: canary vs stable', labels: { team: 'shop' } },
  });
  // Every visible field is a deployable object.
  { [k]: app[k] for k in std.objectFields(app) if k != 'deployment' && k != 'service' }
  + { ['checkout-' + k]: canary[k] for k in std.objectFields(canary) }
