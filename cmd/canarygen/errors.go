package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/canarygen/canarygen"
)

// exitCode ends a command with a status and nothing more to print: the
// command said what it had to (lint's findings, a stale --check's diff).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError is a mistake in the command line: exit status 2, and a hint
// pointing at the command's help.
type usageError struct {
	cmd  string // the command whose --help explains it
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, a ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, a...)}
}

// checkError is an error of a --check run other than a usage error: exit
// status 3, so that it is told apart from a stale output's 1.
type checkError struct{ err error }

func (e *checkError) Error() string { return e.err.Error() }
func (e *checkError) Unwrap() error { return e.err }

// checkStatus gives err the exit status of a --check run when check is set.
func checkStatus(check bool, err error) error {
	if !check || err == nil {
		return err
	}
	return &checkError{err}
}

// exit prints err the way every command does and gives the exit status.
// name says how the settings in messages are called (flags, annotations).
func (c *cli) exit(err error, name namer) int {
	if err == nil {
		return exitOK
	}
	var code exitCode
	if errors.As(err, &code) {
		return int(code)
	}
	var u *usageError
	if errors.As(err, &u) {
		fmt.Fprintf(c.stderr, "canarygen: error: %s\n", renameOptions(u.msg, name))
		switch {
		case u.hint != "":
			fmt.Fprintf(c.stderr, "canarygen: hint: %s\n", u.hint)
		case u.cmd != "":
			fmt.Fprintf(c.stderr, "canarygen: hint: see 'canarygen %s --help'\n", u.cmd)
		default:
			fmt.Fprintf(c.stderr, "canarygen: hint: see 'canarygen --help'\n")
		}
		return exitUsage
	}
	c.report(err, name)
	var ce *checkError
	if errors.As(err, &ce) {
		return exitCheckError
	}
	return exitFailure
}

// report prints an error:
//
//	canarygen: error: FILE:LINE: Kind ns/name: field: what is wrong
//	canarygen:   at FILE:LINE:COLUMN        (jsonnet frames in the user's files)
//	canarygen: hint: how to fix it
func (c *cli) report(err error, name namer) {
	var e *canarygen.Error
	var s *canarygen.SettingError
	switch {
	case errors.As(err, &e):
		if (canarygen.Input{Name: e.File}).IsJsonnet() {
			name = nil // a jsonnet program sets the library's options itself
		}
		fmt.Fprintf(c.stderr, "canarygen: error: %s\n", renameOptions(e.Error(), name))
		for _, t := range e.Trace {
			fmt.Fprintf(c.stderr, "canarygen:   at %s\n", t)
		}
		if e.Hint != "" {
			fmt.Fprintf(c.stderr, "canarygen: hint: %s\n", renameOptions(e.Hint, name))
		}
	case errors.As(err, &s):
		fmt.Fprintf(c.stderr, "canarygen: error: %s\n", settingMessage(s, name))
		if s.Hint != "" {
			fmt.Fprintf(c.stderr, "canarygen: hint: %s\n", s.Hint)
		}
	default:
		fmt.Fprintf(c.stderr, "canarygen: error: %s\n", renameOptions(err.Error(), name))
	}
}

// A namer says how users call a setting: a flag (--canary-image), an
// annotation (canarygen.dev/canary-image).
type namer func(canarygen.Setting) string

func flagName(s canarygen.Setting) string { return "--" + s.Name }

func annotationName(s canarygen.Setting) string { return annotationPrefix + s.Name }

// settingMessage says what is wrong with a setting's value, naming it as
// the user gave it.
func settingMessage(s *canarygen.SettingError, name namer) string {
	if s.Other != "" {
		return settingName(s.Setting, name) + " and " + settingName(s.Other, name) + ": give one of them"
	}
	return settingName(s.Setting, name) + ": " + s.Msg
}

func settingName(setting string, name namer) string {
	if s, ok := canarygen.LookupSetting(setting); ok {
		return name(s)
	}
	return setting
}

var (
	// `canary.suffix` in a library message: an option, named as the user
	// set it.
	// "`template.parameters X=DEFAULT`": an option with an example value.
	quotedOption = regexp.MustCompile("`([A-Za-z][A-Za-z0-9]*(?:\\.[A-Za-z][A-Za-z0-9]*)*)( [^`]*)?`")
	// "Deployment shop/web: canary.percent: must be ...": the field of a
	// message, when it is an option.
	fieldOption = regexp.MustCompile(`(^|: )([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*): `)
)

// renameOptions is the one place where the library's option names in a
// message become what the user typed: `canary.suffix` becomes --suffix, a
// message about canary.percent names --canary-percent. Options without a
// setting stay as they are.
func renameOptions(text string, name namer) string {
	if name == nil {
		return text
	}
	names := func(option string, field bool) (string, bool) {
		var out []string
		for _, s := range canarygen.SettingsFor(option) {
			if field && s.Kind == canarygen.Off {
				continue // "service: ..." is about the option, not --no-service
			}
			out = append(out, name(s))
		}
		return strings.Join(out, "/"), len(out) > 0
	}
	text = fieldOption.ReplaceAllStringFunc(text, func(m string) string {
		sub := fieldOption.FindStringSubmatch(m)
		if n, ok := names(sub[2], true); ok {
			return sub[1] + n + ": "
		}
		return m
	})
	return quotedOption.ReplaceAllStringFunc(text, func(m string) string {
		sub := quotedOption.FindStringSubmatch(m)
		if n, ok := names(sub[1], false); ok {
			return n + sub[2]
		}
		return m
	})
}
