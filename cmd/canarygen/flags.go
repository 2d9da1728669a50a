package main

import (
	"github.com/spf13/pflag"

	"github.com/canarygen/canarygen"
)

// addSettingFlags declares a flag for each setting of the given scopes, as
// canarygen.Settings describes it.
func addSettingFlags(fs *pflag.FlagSet, scopes ...canarygen.Scope) {
	for _, s := range canarygen.Settings {
		if !hasScope(s, scopes) {
			continue
		}
		switch {
		case s.Flag():
			fs.BoolP(s.Name, s.Short, false, s.Usage)
		case s.Kind == canarygen.Int:
			fs.IntP(s.Name, s.Short, 0, s.Usage)
		case s.Repeatable():
			fs.StringArrayP(s.Name, s.Short, nil, s.Usage)
		default:
			fs.StringP(s.Name, s.Short, "", s.Usage)
		}
		if s.Bare != "" {
			fs.Lookup(s.Name).NoOptDefVal = s.Bare
		}
	}
}

// settingValues reads the setting flags given on a parsed flag set.
func settingValues(fs *pflag.FlagSet, scopes ...canarygen.Scope) canarygen.Values {
	v := canarygen.Values{}
	for _, s := range canarygen.Settings {
		f := fs.Lookup(s.Name)
		if f == nil || !f.Changed || !hasScope(s, scopes) {
			continue
		}
		if s.Repeatable() {
			v[s.Name], _ = fs.GetStringArray(s.Name)
		} else {
			v[s.Name] = []string{f.Value.String()}
		}
	}
	return v
}

// changedSettings lists the flags of the given scopes that were given.
func changedSettings(fs *pflag.FlagSet, scopes ...canarygen.Scope) []string {
	var out []string
	for _, s := range canarygen.Settings {
		if f := fs.Lookup(s.Name); f != nil && f.Changed && hasScope(s, scopes) {
			out = append(out, "--"+s.Name)
		}
	}
	return out
}

func hasScope(s canarygen.Setting, scopes []canarygen.Scope) bool {
	for _, sc := range scopes {
		if s.Scope == sc {
			return true
		}
	}
	return false
}

// isCanarySetting tells a setting of canarygen.new (or of the workload
// selection): these apply to manifest inputs only.
func isCanarySetting(name string) bool {
	s, ok := canarygen.LookupSetting(name)
	return ok && (s.Scope == canarygen.Workload || s.Scope == canarygen.Stream)
}
