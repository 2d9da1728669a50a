// The library doing what `canarygen render --canary-image ... --canary-percent
// 16.67 --canary-arg=--log-level=debug web.json` does: the golden test checks
// that both give the same bytes.
local canarygen = import 'canarygen/main.libsonnet';

canarygen.new(import 'web.json', {
  canary: {
    image: 'registry.example.com/web:1.1.0',
    percent: '16.67',
    args: ['--log-level=debug'],
  },
})
