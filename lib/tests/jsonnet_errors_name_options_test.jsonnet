// A jsonnet program's mistakes are named by the option it set, which the
// CLI does not rename into flags (cmd/canarygen's TestJsonnetErrorsNameOptions).
// want error: Deployment shop/web: canary.percent: must be greater than 0 and less than 100, got 150
local canarygen = import 'canarygen/main.libsonnet';

canarygen.new(import 'web.libsonnet', { canary: { percent: 150 } })
