//go:build e2e

package canarygen

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/canarygen/canarygen/internal/manifest"
)

// The traffic share on a real control plane: the rendered stable and canary
// workloads and their Service go to kube-apiserver; the real StatefulSet and
// Deployment controllers (kube-controller-manager) create the pods,
// kube-scheduler binds them to a fake node, kwok marks them Ready, and the
// EndpointSlice controller lists them behind the Service. The canary's share
// of the Service's ready endpoints must be the rendered c/(c+s), for both
// workload kinds and both ratio modes (canary on top, total kept).
func TestTrafficShareOnControlPlane(t *testing.T) {
	etcd, _ := filepath.Abs("bin/etcd")
	s := startControlPlane(t, etcd) // etcd 3.6: Debian's 3.4 serves kwok too slowly (no RequestWatchProgress)
	startCluster(t, s)

	for i, tc := range []struct {
		name  string
		input string
		opts  []string
	}{
		{"Deployment, canary on top", "examples/deployment/web.yaml", []string{"canary-percent=20"}},
		{"Deployment, total kept", "examples/deployment/web.yaml", []string{"canary-percent=25", "keep-total"}},
		{"StatefulSet, canary replicas", "examples/telemeter/telemeter.yaml", []string{"canary-replicas=2", "metrics-port=internal"}},
		{"StatefulSet, total kept", "examples/telemeter/telemeter.yaml", []string{"canary-percent=30", "keep-total", "metrics-port=internal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(tc.input)
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewRenderer(Options{Params: params(t, tc.opts...)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Render(Input{Name: tc.input, Data: data})
			objs, reports := res.Objects, res.Reports
			if err != nil {
				t.Fatal(err)
			}
			if len(reports) != 1 {
				t.Fatalf("want one report, got %v", reports)
			}
			ratio := reports[0].Ratio

			ns := fmt.Sprintf("traffic-%d", i)
			s.namespace(t, ns)
			s.waitFor(t, 30*time.Second, "/api/v1/namespaces/"+ns+"/serviceaccounts/default", nil)
			service := ""
			for _, o := range objs {
				kind, _, name := manifest.ObjectName(o)
				switch kind {
				case "Deployment", "StatefulSet":
					s.serviceAccount(t, ns, o)
				case "Service":
					service = name
				default: // ServiceMonitor, PrometheusRule, dashboard: no bearing on the endpoints
					continue
				}
				if code, body := s.create(t, ns, deepCopy(o)); code != 201 {
					t.Fatalf("create %s: %d %s", manifest.Describe(o), code, body)
				}
			}
			if service == "" {
				t.Fatal("no Service rendered")
			}

			want := ratio.Canary + ratio.Stable
			var canary, stable, ready int
			deadline := time.Now().Add(90 * time.Second)
			for {
				canary, stable, ready = s.readyEndpointsPerTrack(t, ns, service)
				if ready == want && canary+stable == want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("Service %s/%s: %d ready endpoints (canary %d, stable %d) after 90 s, want %d", ns, service, ready, canary, stable, want)
				}
				time.Sleep(250 * time.Millisecond)
			}
			share := float64(canary) / float64(canary+stable)
			t.Logf("%s: ready endpoints canary %d + stable %d, share %.4f; rendered %d + %d, %.4f %%", reports[0].Object, canary, stable, share, ratio.Canary, ratio.Stable, ratio.SharePercent)
			if canary != ratio.Canary || stable != ratio.Stable {
				t.Errorf("ready endpoints canary %d, stable %d; rendered canary %d, stable %d", canary, stable, ratio.Canary, ratio.Stable)
			}
			if math.Abs(share-ratio.SharePercent/100) > 1e-9 {
				t.Errorf("canary share of ready endpoints %v, rendered %v %%", share, ratio.SharePercent)
			}
		})
	}
}

// startCluster starts kube-controller-manager, kube-scheduler and kwok
// (all from `make kubetools`) against s, registers a node that kwok
// manages and waits until it is Ready. Processes stop when the test ends;
// on failure, their logs' tails are printed.
func startCluster(t *testing.T, s *apiServer) {
	t.Helper()
	bins := map[string]string{}
	for _, name := range []string{"kube-controller-manager", "kube-scheduler", "kwok"} {
		bin, _ := filepath.Abs(filepath.Join("bin", name))
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("bin/%s is missing: run `make e2e`: %v", name, err)
		}
		bins[name] = bin
	}
	kubeconfig := filepath.Join(s.dir, "kubeconfig")
	// The serving certificate is self-signed and the servers listen on
	// loopback only, as in the test's own client.
	os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: e2e
  context:
    cluster: e2e
    user: admin
current-context: e2e
`, s.url, s.token)), 0o600)
	stages := filepath.Join(s.dir, "stages.yaml")
	os.WriteFile(stages, kwokStages(t), 0o600)

	logs := []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, name := range logs {
			b, _ := os.ReadFile(filepath.Join(s.dir, name+".log"))
			t.Logf("--- %s.log (tail) ---\n%s", name, tail(string(b), 2500))
		}
	})
	// --secure-port=0: the controller manager and the scheduler serve no
	// port at all; kwok serves none without --server-address.
	startProcess(t, filepath.Join(s.dir, "kube-controller-manager.log"), bins["kube-controller-manager"],
		"--kubeconfig", kubeconfig, "--secure-port", "0", "--leader-elect=false", "--controllers", "*",
		"--service-account-private-key-file", filepath.Join(s.dir, "sa.key"),
		"--root-ca-file", filepath.Join(s.dir, "certs", "apiserver.crt"), "--use-service-account-credentials=false")
	startProcess(t, filepath.Join(s.dir, "kube-scheduler.log"), bins["kube-scheduler"],
		"--kubeconfig", kubeconfig, "--secure-port", "0", "--leader-elect=false")
	startProcess(t, filepath.Join(s.dir, "kwok.log"), bins["kwok"],
		"--kubeconfig", kubeconfig, "-c", stages, "--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector", "kwok.x-k8s.io/node=fake",
		"--cidr", "10.0.0.1/24", "--node-ip", "10.0.0.1")

	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{
			"name":        "kwok-node-0",
			"annotations": map[string]any{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			"labels":      map[string]any{"kubernetes.io/hostname": "kwok-node-0", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "type": "kwok"},
		},
		"status": map[string]any{
			"allocatable": map[string]any{"cpu": "32", "memory": "256Gi", "pods": "110"},
			"capacity":    map[string]any{"cpu": "32", "memory": "256Gi", "pods": "110"},
		},
	}
	if code, body := s.do(t, "POST", "/api/v1/nodes", node); code != 201 {
		t.Fatalf("create the fake node: %d %s", code, body)
	}
	s.waitFor(t, 60*time.Second, "/api/v1/nodes/kwok-node-0", func(body []byte) bool {
		var n struct {
			Spec struct {
				Taints []struct{ Key string }
			}
			Status struct {
				Conditions []struct{ Type, Status string }
			}
		}
		json.Unmarshal(body, &n)
		ready := false
		for _, c := range n.Status.Conditions {
			ready = ready || c.Type == "Ready" && c.Status == "True"
		}
		return ready && len(n.Spec.Taints) == 0 // the node lifecycle controller has lifted not-ready
	})
}

// kwokStages joins kwok's "fast" node and pod stages (nodes Ready at once,
// pods Running and Ready at once) from the kwok module hack/kwok pins,
// which `make kubetools` has put in the module cache.
func kwokStages(t *testing.T) []byte {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kwok")
	cmd.Dir = "hack/kwok"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("find the kwok module (run `make kubetools`): %v", err)
	}
	dir := strings.TrimSpace(string(out))
	var docs []string
	for _, stage := range []string{"node", "pod"} {
		files, _ := filepath.Glob(filepath.Join(dir, "kustomize/stage", stage, "fast/*.yaml"))
		sort.Strings(files)
		for _, f := range files {
			if filepath.Base(f) == "kustomization.yaml" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(b))
		}
	}
	if len(docs) == 0 {
		t.Fatalf("no kwok stages in %s", dir)
	}
	return []byte(strings.Join(docs, "\n---\n"))
}

// waitFor polls GET path until it answers 200 and ok (nil: any body) says
// yes.
func (s *apiServer) waitFor(t *testing.T, timeout time.Duration, path string, ok func(body []byte) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := s.do(t, "GET", path, nil)
		if code == 200 && (ok == nil || ok(body)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: not there after %v: %d %s", path, timeout, code, tail(string(body), 1500))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// serviceAccount creates the ServiceAccount a workload's pods run as, if
// it is not the namespace's default one (which the controller manager
// makes): without it the pods are refused.
func (s *apiServer) serviceAccount(t *testing.T, ns string, workload Object) {
	t.Helper()
	spec, _ := workload["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	name, _ := pod["serviceAccountName"].(string)
	if name == "" || name == "default" {
		return
	}
	sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": name}}
	if code, body := s.do(t, "POST", "/api/v1/namespaces/"+ns+"/serviceaccounts", sa); code != 201 && code != 409 {
		t.Fatalf("service account %s/%s: %d %s", ns, name, code, body)
	}
}

// readyEndpointsPerTrack counts the ready endpoints of a Service's
// EndpointSlices by the track label of the pod behind each: canary when
// the pod's track label is canary, stable otherwise. ready is every ready
// endpoint, with or without a pod.
func (s *apiServer) readyEndpointsPerTrack(t *testing.T, ns, service string) (canary, stable, ready int) {
	t.Helper()
	code, body := s.do(t, "GET", "/apis/discovery.k8s.io/v1/namespaces/"+ns+"/endpointslices?labelSelector="+url.QueryEscape("kubernetes.io/service-name="+service), nil)
	if code != 200 {
		t.Fatalf("list EndpointSlices: %d %s", code, body)
	}
	var slices struct {
		Items []struct {
			Endpoints []struct {
				Conditions struct{ Ready *bool }
				TargetRef  *struct{ Kind, Name string }
			}
		}
	}
	if err := json.Unmarshal(body, &slices); err != nil {
		t.Fatal(err)
	}
	code, body = s.do(t, "GET", "/api/v1/namespaces/"+ns+"/pods", nil)
	if code != 200 {
		t.Fatalf("list pods: %d %s", code, body)
	}
	var pods struct {
		Items []struct {
			Metadata struct {
				Name   string
				Labels map[string]string
			}
		}
	}
	if err := json.Unmarshal(body, &pods); err != nil {
		t.Fatal(err)
	}
	track := map[string]string{}
	for _, p := range pods.Items {
		track[p.Metadata.Name] = p.Metadata.Labels["track"]
	}
	seen := map[string]bool{}
	for _, sl := range slices.Items {
		for _, e := range sl.Endpoints {
			if e.Conditions.Ready != nil && !*e.Conditions.Ready { // unset means ready
				continue
			}
			ready++
			if e.TargetRef == nil || e.TargetRef.Kind != "Pod" || seen[e.TargetRef.Name] {
				continue
			}
			seen[e.TargetRef.Name] = true
			if tr, ok := track[e.TargetRef.Name]; !ok {
				continue // a pod already gone
			} else if tr == "canary" {
				canary++
			} else {
				stable++
			}
		}
	}
	return canary, stable, ready
}
