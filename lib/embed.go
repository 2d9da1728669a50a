// Package lib embeds the canarygen jsonnet library, so the CLI serves the
// very files that jsonnet-bundler users vendor.
package lib

import "embed"

// FS holds canarygen/*.libsonnet and canarygen/jsonnetfile.json.
//
//go:embed canarygen
var FS embed.FS
