local canarygen = import 'canarygen/main.libsonnet';

canarygen.new(import '../identity/web.json', {
  canary: { replica: 2 },
})
