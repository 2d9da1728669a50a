package canarygen

import (
	"encoding/json"
	"sync"

	"github.com/canarygen/canarygen/internal/lint"
)

// LintDefaults are the options lint recognises canaries by when nothing
// else is said: the library's default track label and suffix, and a
// tolerance of 1 percentage point.
func LintDefaults() (lint.Options, error) { return lintDefaults() }

// lintDefaults asks the (embedded, so unchanging) library once.
var lintDefaults = sync.OnceValues(func() (lint.Options, error) {
	vm := takeLibVM(0)
	out, err := call(vm.VM, "defaults", defaultsCall, JsonnetOptions{})
	giveLibVM(0, vm)
	if err != nil {
		return lint.Options{}, libraryError("", err)
	}
	var d struct{ TrackKey, TrackValue, Suffix string }
	if err := json.Unmarshal(out, &d); err != nil {
		return lint.Options{}, err
	}
	return lint.Options{TrackKey: d.TrackKey, TrackValue: d.TrackValue, Suffix: d.Suffix, Tolerance: 1}, nil
})

// lintOptions are the track label and suffix of canarygen.new's options p,
// as lint needs them.
func lintOptions(p map[string]any) (lint.Options, error) {
	opts, err := LintDefaults()
	if err != nil {
		return opts, err
	}
	if track, ok := p["track"].(map[string]any); ok {
		if k, ok := track["key"].(string); ok {
			opts.TrackKey = k
		}
		if v, ok := track["value"].(string); ok {
			opts.TrackValue = v
		}
	}
	if c, ok := p["canary"].(map[string]any); ok {
		if s, ok := c["suffix"].(string); ok {
			opts.Suffix = s
		}
	}
	return opts, nil
}
