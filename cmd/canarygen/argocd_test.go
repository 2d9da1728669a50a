package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

type cmpCommand struct {
	Command []string `json:"command"`
	Args    []string `json:"args"`
}

// The Argo CD plugin's init and generate commands, run the way the CMP
// sidecar runs them: in the application's directory, with canarygen on the
// PATH, the ARGOCD_APP_* variables and the parameters as PARAM_* variables.
func TestArgoCDPlugin(t *testing.T) {
	raw, err := os.ReadFile("argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var plugin struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       struct {
			Init     cmpCommand `json:"init"`
			Generate cmpCommand `json:"generate"`
			Discover struct {
				FileName string `json:"fileName"`
			} `json:"discover"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &plugin); err != nil {
		t.Fatal(err)
	}
	if plugin.APIVersion != "argoproj.io/v1alpha1" || plugin.Kind != "ConfigManagementPlugin" {
		t.Fatalf("not a ConfigManagementPlugin: %s %s", plugin.APIVersion, plugin.Kind)
	}

	bin := filepath.Dir(buildCLI(t))
	appDir, _ := filepath.Abs("examples/gitops")
	if _, err := os.Stat(filepath.Join(appDir, plugin.Spec.Discover.FileName)); err != nil {
		t.Fatalf("discover: %v", err)
	}
	// sidecar runs a command in dir the way the CMP server does.
	sidecar := func(c cmpCommand, dir string, params map[string]string) (string, string, error) {
		cmd := exec.Command(c.Command[0], append(c.Command[1:], c.Args...)...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "HOME=" + t.TempDir(),
			"ARGOCD_APP_NAME=shop", "ARGOCD_APP_NAMESPACE=argocd", "ARGOCD_APP_REVISION=0123abc", "ARGOCD_APP_SOURCE_PATH=examples/gitops"}
		var list []string
		for k, v := range params {
			name := "PARAM_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
			cmd.Env = append(cmd.Env, name+"="+v)
			list = append(list, `{"name":"`+k+`","string":"`+v+`"}`)
		}
		cmd.Env = append(cmd.Env, "ARGOCD_APP_PARAMETERS=["+strings.Join(list, ",")+"]")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	if stdout, stderr, err := sidecar(plugin.Spec.Init, appDir, nil); err != nil || stdout != "" {
		t.Fatalf("init: %v, stdout %q\n%s", err, stdout, stderr)
	}
	want, _ := os.ReadFile("golden/gen-stdout.yaml")
	got, stderr, err := sidecar(plugin.Spec.Generate, appDir, nil)
	if err != nil || got != string(want) {
		t.Fatalf("generate without parameters: %v, %s\nstdout differs from golden/gen-stdout.yaml: %v", err, stderr, got != string(want))
	}

	params := map[string]string{"canary-image": "registry.example.com/shop/web:2.0.0", "canary-percent": "25"}
	if stdout, stderr, err := sidecar(plugin.Spec.Init, appDir, params); err != nil || stdout != "" {
		t.Fatalf("init with parameters: %v, stdout %q\n%s", err, stdout, stderr)
	}
	got, stderr, err = sidecar(plugin.Spec.Generate, appDir, params)
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, stderr)
	}
	wantOut, _, code := runCLI("gen", "-q", "--stdout", "-c", "examples/gitops/canarygen.yaml",
		"--set", "canary-image=registry.example.com/shop/web:2.0.0", "--set", "canary-percent=25")
	if code != 0 || got != wantOut {
		t.Fatalf("generate with parameters differs from gen --set (exit %d)", code)
	}
	if !strings.Contains(got, "image: registry.example.com/shop/web:2.0.0") || strings.Contains(got, "1.5.0-rc.1") {
		t.Fatal("the canary-image parameter did not reach the canaries")
	}

	// What is broken fails init with canarygen's error, not at sync time.
	brokenApp := t.TempDir()
	os.WriteFile(filepath.Join(brokenApp, "canarygen.yaml"), []byte("jobs: [{output: a.yaml\n"), 0o644)
	for _, tc := range []struct {
		name   string
		dir    string
		params map[string]string
		want   string
	}{
		{"a missing config", appDir, map[string]string{"config": "missing.yaml"}, "canarygen: error: missing.yaml: no such file"},
		{"a config that is no YAML", brokenApp, nil, "canarygen: error: canarygen.yaml:1: invalid YAML"},
		{"a parameter the render refuses", appDir, map[string]string{"canary-percent": "150"}, "--canary-percent: must be greater than 0 and less than 100, got 150"},
		{"a parameter that is no number", appDir, map[string]string{"canary-replicas": "two"}, "canary-replicas"},
	} {
		stdout, stderr, err := sidecar(plugin.Spec.Init, tc.dir, tc.params)
		if err == nil || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("init with %s: %v, stdout %q, stderr:\n%s", tc.name, err, stdout, stderr)
		}
	}
}
