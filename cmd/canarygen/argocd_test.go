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
	sidecar := func(c cmpCommand, params map[string]string) (string, string, error) {
		cmd := exec.Command(c.Command[0], append(c.Command[1:], c.Args...)...)
		cmd.Dir = appDir
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

	if _, stderr, err := sidecar(plugin.Spec.Init, nil); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	want, _ := os.ReadFile("golden/gen-stdout.yaml")
	got, stderr, err := sidecar(plugin.Spec.Generate, nil)
	if err != nil || got != string(want) {
		t.Fatalf("generate without parameters: %v, %s\nstdout differs from golden/gen-stdout.yaml: %v", err, stderr, got != string(want))
	}

	params := map[string]string{"canary-image": "registry.example.com/shop/web:2.0.0", "canary-percent": "25"}
	got, stderr, err = sidecar(plugin.Spec.Generate, params)
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

	// A broken config fails init with canarygen's message, not at sync time.
	if _, _, err := sidecar(plugin.Spec.Init, map[string]string{"config": "missing.yaml"}); err == nil {
		t.Fatal("init passed with a missing config")
	}
}
