#!/usr/bin/env bash
# Installs what the test suite needs beyond Go and the modules in go.mod.
# Idempotent: installs only what is missing. Go tools (jb, jsonnet,
# jsonnetfmt) come from go.mod's tool directive and need nothing here.
set -euo pipefail

need=()
command -v jsonnet >/dev/null 2>&1 || need+=(jsonnet)       # C++ jsonnet: library portability test
command -v pre-commit >/dev/null 2>&1 || need+=(pre-commit) # the pre-commit hook test
command -v promtool >/dev/null 2>&1 || need+=(prometheus)   # promtool: rule checks and rule unit tests
command -v prometheus >/dev/null 2>&1 || need+=(prometheus) # the server: canarygen analyze's tests query a real one
# scipy for the judge's cross-check; Debian's python3, which a python3 earlier
# on PATH (pyenv...) may not be.
/usr/bin/python3 -c 'import scipy' >/dev/null 2>&1 || need+=(python3-scipy)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)      # etcd for the kube-apiserver e2e test

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "hack/install-deps.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
