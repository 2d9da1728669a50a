#!/bin/sh
# The command of the Helm 4 post-renderer plugin (plugin.yaml): the chart's
# manifests on stdin, the same with canaries on stdout, for workloads
# annotated canarygen.dev/<render flag>. Arguments (--post-renderer-args)
# are more `canarygen render` flags.
#
# Helm 4.3 keeps a post-renderer plugin's stderr in a buffer it never shows,
# and drops its stdout when it exits non-zero: a failing canarygen would
# leave only `plugin "canarygen" exited with error`. So on failure this
# script exits 0 and writes canarygen's message as a YAML document that is a
# string (a block scalar). Helm refuses the output, since every document
# must be an object, quotes the string in its error ("node contents:") and
# exits 1; nothing is installed.
out=$(mktemp) || exit 1
err=$(mktemp) || { rm -f "$out"; exit 1; }
trap 'rm -f "$out" "$err"' EXIT

"${CANARYGEN:-canarygen}" render --annotations -q ${1+"$@"} - >"$out" 2>"$err"
status=$?
if [ "$status" -eq 0 ]; then
	cat "$out"
	exit 0
fi
printf -- '--- |\n'
if [ -s "$err" ]; then
	sed 's/^/  /' "$err"
else
	printf '  canarygen exited with status %s and no message\n' "$status"
fi
exit 0
