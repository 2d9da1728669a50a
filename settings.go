package canarygen

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A Setting is one render setting, declared once: its name is the
// command-line flag (--canary-image) and the Helm annotation
// (canarygen.dev/canary-image); Option is where its value goes among the
// library's options (lib/canarygen/defaults.libsonnet). Adding a setting
// means adding a line here and the option to the library.
type Setting struct {
	Name   string
	Short  string // a one-letter flag, as kubectl's -n
	Option string
	Kind   Kind
	Scope  Scope
	// Const: the option's value when the flag is given (--partition sets
	// mode: "partition"). Bare: the value of a flag given without =VALUE
	// (--stable-track means --stable-track=stable).
	Const any
	Bare  string
	// Excludes names settings that cannot be given together with this one.
	Excludes []string
	Usage    string
}

// Kind says how a setting's values are read and handed to the library.
type Kind int

const (
	String       Kind = iota // the value as given: --canary-image X gives "X"
	Int                      // a whole number: --canary-replicas 2 gives 2
	Decimal                  // a decimal, passed as written so the library reads it exactly: "16.67"
	Bool                     // true when given: --keep-total
	Off                      // switches the option off: --no-service gives service: false
	Const                    // sets the option to Setting.Const: --partition
	List                     // repeatable, every value in order: --canary-arg
	OneOrList                // repeatable; one value as a string, several as a list: --container
	Env                      // repeatable NAME=VALUE, as { name, value } entries: --canary-env
	Label                    // KEY=VALUE, as { key, value } under the option: --track-label
	IntOrPercent             // N or N%, as Kubernetes' IntOrString: --pdb-min-available
	Names                    // repeatable names: --workload
)

// Scope says what a setting is an option of.
type Scope int

const (
	// Workload settings are canarygen.new's options: flags of render (for
	// manifest inputs), canarygen.dev/ annotations, gen's job flags.
	Workload Scope = iota
	// Stream settings choose among a stream's workloads.
	Stream
	// Template settings shape the Template of render --openshift.
	Template
)

// Settings are every render setting, in the order --help lists them.
var Settings = []Setting{
	{Name: "canary-image", Option: "canary.image", Kind: String, Usage: "image of the canary container(s) (default: the stable's image)"},
	{Name: "canary-replicas", Option: "canary.replicas", Kind: Int, Excludes: []string{"canary-percent"}, Usage: "canary replicas (default 1)"},
	{Name: "canary-percent", Option: "canary.percent", Kind: Decimal, Usage: "canary share of the traffic in percent, 0 < P < 100 (e.g. 10, 2.5, 16.67)"},
	{Name: "keep-total", Option: "canary.keepTotal", Kind: Bool, Usage: "split the stable's replicas between the tracks instead of adding the canary on top"},
	{Name: "tolerance", Option: "canary.tolerance", Kind: Decimal, Usage: "fail when the achieved share is more than this many percentage points off --canary-percent"},
	{Name: "container", Option: "canary.container", Kind: OneOrList, Usage: "container that gets the canary image, args and env (repeatable; default: the first)"},
	{Name: "canary-arg", Option: "canary.args", Kind: List, Usage: "argument appended to the canary container's args (repeatable)"},
	{Name: "canary-env", Option: "canary.env", Kind: Env, Usage: "NAME=VALUE env var set on the canary container (repeatable)"},
	{Name: "suffix", Option: "canary.suffix", Kind: String, Usage: "suffix of the canary's name (default \"-canary\")"},
	{Name: "track-label", Option: "track", Kind: Label, Usage: "KEY=VALUE label marking canary pods (default track=canary)"},
	{Name: "metrics-port", Option: "metricsPort", Kind: String, Usage: "Service port the ServiceMonitor scrapes (default: the one an input ServiceMonitor scrapes, else a port named metrics, http-metrics, or containing metrics, the prometheus.io/port annotation's, or http)"},
	{Name: "service", Option: "metricsService", Kind: String, Usage: "the input's Service, among those over the workload's pods, that the ServiceMonitor selects (default: the one an input ServiceMonitor selects, else the one with the metrics port)"},
	{Name: "namespace", Short: "n", Option: "namespace", Kind: String, Usage: "namespace of the objects that have none (as kubectl apply -n); without it they stay without, and the dashboard and rules match the app in any namespace"},
	{Name: "stable-track", Option: "track.stable", Kind: String, Bare: "stable", Usage: "stable-track mode: label the stable's selector and pods with the track key too, =VALUE (default stable), so the selectors never overlap; for an existing stable a migration (README: Stable-track mode)"},
	{Name: "volume-claim-templates", Option: "volumeClaimTemplates", Kind: String, Usage: "StatefulSet canary PVCs: inherit (own PVCs from the same templates, kept; default), delete (the same, deleted with the canary or on scale-down) or emptyDir"},
	{Name: "pdb-min-available", Option: "pdb.minAvailable", Kind: IntOrPercent, Excludes: []string{"pdb-max-unavailable"}, Usage: "render one PodDisruptionBudget over both tracks with this minAvailable (N or N%)"},
	{Name: "pdb-max-unavailable", Option: "pdb.maxUnavailable", Kind: IntOrPercent, Usage: "render one PodDisruptionBudget over both tracks with this maxUnavailable (N or N%)"},
	{Name: "partition", Option: "mode", Kind: Const, Const: "partition", Usage: "StatefulSets: no canary workload; the stable's template gets the canary changes and rollingUpdate.partition keeps them to its top ordinals (README: Partition mode)"},
	{Name: "canary-hpa", Option: "hpa", Kind: Bool, Usage: "give the canary an HPA of its own, from the input's HPA for the stable, bounds scaled by canary/stable replicas"},
	{Name: "no-service", Option: "service", Kind: Off, Usage: "do not render a Service"},
	{Name: "no-service-monitor", Option: "serviceMonitor", Kind: Off, Usage: "do not render a ServiceMonitor"},
	{Name: "no-dashboard", Option: "dashboard", Kind: Off, Usage: "do not render the dashboard ConfigMap"},
	{Name: "no-prometheus-rule", Option: "prometheusRule", Kind: Off, Usage: "do not render the PrometheusRule (per-track recording rules, canary alerts)"},
	{Name: "workload", Option: "workloads", Kind: Names, Scope: Stream, Usage: "render a canary for this workload only, NAME or NAMESPACE/NAME (repeatable; default: all)"},
	{Name: "openshift", Option: "template", Kind: Bool, Scope: Template, Usage: "render one OpenShift Template with image, replica and namespace parameters (an input that is a Template gives a Template without it)"},
	{Name: "template-name", Option: "template.name", Kind: String, Scope: Template, Usage: "name of the Template (default: the first workload's name)"},
	{Name: "param", Option: "template.parameters", Kind: Env, Scope: Template, Usage: "NAME=DEFAULT template parameter that the inputs use themselves (repeatable; with --openshift)"},
}

// LookupSetting finds a setting by name.
func LookupSetting(name string) (Setting, bool) {
	for _, s := range Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Repeatable tells whether a setting takes several values.
func (s Setting) Repeatable() bool {
	switch s.Kind {
	case List, OneOrList, Env, Names:
		return true
	}
	return false
}

// Flag tells whether a setting is a flag without a value (--keep-total).
func (s Setting) Flag() bool {
	return s.Kind == Bool || s.Kind == Off || s.Kind == Const
}

// SettingError is a value a setting cannot take. Callers name the setting
// as their users know it: a flag, an annotation.
type SettingError struct {
	Setting string // the setting's name
	Other   string // a setting it cannot be given with, if that is what is wrong
	Msg     string
	Hint    string
}

func (e *SettingError) Error() string {
	if e.Other != "" {
		return e.Setting + " and " + e.Other + ": give one of them"
	}
	return e.Setting + ": " + e.Msg
}

// Values are settings as given: name -> values, in order (most settings
// take the last).
type Values map[string][]string

// Check refuses settings that exclude each other.
func (v Values) Check() error {
	for _, s := range Settings {
		if len(v[s.Name]) == 0 {
			continue
		}
		for _, x := range s.Excludes {
			if len(v[x]) > 0 {
				return &SettingError{Setting: s.Name, Other: x, Hint: exclusionHint(s.Name, x)}
			}
		}
	}
	return nil
}

func exclusionHint(a, b string) string {
	switch {
	case strings.HasPrefix(a, "pdb-"):
		return "a PodDisruptionBudget takes minAvailable or maxUnavailable, not both"
	case a == "canary-replicas":
		return "the canary's replicas are either given or computed from the percent"
	}
	return ""
}

var intOrPercent = regexp.MustCompile(`^(0|[1-9][0-9]*)%?$`)

// Params turns the values of Workload settings into canarygen.new's
// options.
func (v Values) Params() (map[string]any, error) {
	if err := v.Check(); err != nil {
		return nil, err
	}
	p := map[string]any{}
	for _, s := range Settings {
		vals := v[s.Name]
		if len(vals) == 0 || s.Scope != Workload {
			continue
		}
		last := vals[len(vals)-1]
		bad := func(format string, a ...any) error {
			return &SettingError{Setting: s.Name, Msg: fmt.Sprintf(format, a...)}
		}
		var val any
		switch s.Kind {
		case String, Decimal:
			val = last
		case Int:
			n, err := strconv.Atoi(last)
			if err != nil {
				return nil, bad("%q is not a whole number", last)
			}
			val = n
		case Bool, Off, Const:
			on, err := strconv.ParseBool(last)
			if err != nil {
				return nil, bad("%q: want true or false", last)
			}
			if !on {
				continue
			}
			val = map[Kind]any{Bool: true, Off: false, Const: s.Const}[s.Kind]
		case List:
			val = anyList(vals)
		case OneOrList:
			if len(vals) == 1 {
				val = last
			} else {
				val = anyList(vals)
			}
		case Env:
			var env []any
			for _, kv := range vals {
				k, x, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return nil, bad("%q: want NAME=VALUE", kv)
				}
				env = append(env, map[string]any{"name": k, "value": x})
			}
			val = env
		case Label:
			k, x, ok := strings.Cut(last, "=")
			if !ok || k == "" || x == "" {
				return nil, bad("%q: want KEY=VALUE, such as track=canary", last)
			}
			setOption(p, s.Option+".key", k)
			setOption(p, s.Option+".value", x)
			continue
		case IntOrPercent:
			if !intOrPercent.MatchString(last) {
				return nil, bad("%q: want a whole number or a percentage, such as 2 or 25%%", last)
			}
			if n, err := strconv.Atoi(last); err == nil {
				val = n
			} else {
				val = last
			}
		default:
			continue
		}
		setOption(p, s.Option, val)
	}
	return p, nil
}

// Override sets a setting over what is there: the values of settings it
// excludes (or that exclude it) go, so that --canary-replicas from one place
// and canary-percent from a later one do not conflict.
func (v Values) Override(name string, values []string) {
	for _, s := range Settings {
		if s.Name == name {
			for _, x := range s.Excludes {
				delete(v, x)
			}
		} else if slices.Contains(s.Excludes, name) {
			delete(v, s.Name)
		}
	}
	v[name] = values
}

// Workloads are the values of --workload.
func (v Values) Workloads() []string { return v["workload"] }

// LabelPair reads a Label setting's value: KEY=VALUE.
func LabelPair(name, value string) (key, val string, err error) {
	k, x, ok := strings.Cut(value, "=")
	if !ok || k == "" || x == "" {
		return "", "", &SettingError{Setting: name, Msg: fmt.Sprintf("%q: want KEY=VALUE, such as track=canary", value)}
	}
	return k, x, nil
}

// cut splits NAME=VALUE; ok is false without "=" or a name.
func cut(kv string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(kv, "=")
	return name, value, ok && name != ""
}

func anyList(vals []string) []any {
	out := make([]any, len(vals))
	for i, s := range vals {
		out[i] = s
	}
	return out
}

// setOption sets a dotted option path in nested maps.
func setOption(p map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		next, ok := p[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			p[k] = next
		}
		p = next
	}
	p[keys[len(keys)-1]] = v
}

// SettingsFor lists the settings a library option path refers to: the one
// whose Option it is, or those below it ("pdb": pdb-min-available and
// pdb-max-unavailable; "track.key": track-label).
func SettingsFor(option string) []Setting {
	var exact, below, above []Setting
	for _, s := range Settings {
		switch {
		case s.Option == option:
			exact = append(exact, s)
		case strings.HasPrefix(s.Option, option+"."):
			below = append(below, s)
		case s.Kind == Label && strings.HasPrefix(option, s.Option+"."):
			above = append(above, s)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return slices.Concat(above, below)
}
