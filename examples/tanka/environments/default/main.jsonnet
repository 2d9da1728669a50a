// A Tanka environment that adds a canary to an application from the
// project's lib/ with the canarygen library vendored by jsonnet-bundler
// (a local source, see ../../jsonnetfile.json):
//   cd examples/tanka && jb install && tk show environments/default
//   canarygen render examples/tanka/environments/default/main.jsonnet
local canarygen = import 'canarygen/main.libsonnet';
local ledger = import 'ledger.libsonnet';

local app = ledger.new('ledger', 'payments', 'registry.example.com/payments/ledger:5.1.0');

{
  ledger: canarygen.new(app.statefulSet, {
    canary: { image: 'registry.example.com/payments/ledger:5.2.0-rc.1', percent: 20 },
    service: app.service,
    volumeClaimTemplates: 'emptyDir',
  }),
}
