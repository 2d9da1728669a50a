//go:build e2e

package canarygen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/canarygen/canarygen/internal/manifest"
	"github.com/canarygen/canarygen/internal/openshift"
)

// resources maps the kinds canarygen renders or passes through in the
// goldens to their REST paths.
var resources = map[string]struct {
	prefix, plural string
	namespaced     bool
}{
	"Deployment":              {"/apis/apps/v1", "deployments", true},
	"StatefulSet":             {"/apis/apps/v1", "statefulsets", true},
	"Service":                 {"/api/v1", "services", true},
	"ConfigMap":               {"/api/v1", "configmaps", true},
	"Job":                     {"/apis/batch/v1", "jobs", true}, // examples/analyze
	"Namespace":               {"/api/v1", "namespaces", false},
	"PodDisruptionBudget":     {"/apis/policy/v1", "poddisruptionbudgets", true},
	"HorizontalPodAutoscaler": {"/apis/autoscaling/v2", "horizontalpodautoscalers", true},
	"Ingress":                 {"/apis/networking.k8s.io/v1", "ingresses", true},
	"ServiceMonitor":          {"/apis/monitoring.coreos.com/v1", "servicemonitors", true},
	"PrometheusRule":          {"/apis/monitoring.coreos.com/v1", "prometheusrules", true},
}

type apiServer struct {
	url    string
	token  string
	client *http.Client
	dir    string // logs, sa.key (the service-account key pair), certs/ (the serving cert)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess runs a server in the background; it is stopped when the
// test ends (kube-apiserver before etcd: cleanups run last-in first-out).
func startProcess(t *testing.T, logFile string, name string, args ...string) {
	t.Helper()
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		log.Close()
	})
}

// startControlPlane starts etcd and the kube-apiserver built by `make e2e`
// on loopback ports only. etcd is a command on PATH (Debian's etcd-server,
// from `make deps`) or a path (bin/etcd, from `make kubetools`).
func startControlPlane(t *testing.T, etcd string) *apiServer {
	t.Helper()
	apiserverBin, _ := filepath.Abs("bin/kube-apiserver")
	if _, err := os.Stat(apiserverBin); err != nil {
		t.Fatalf("bin/kube-apiserver is missing: run `make e2e`: %v", err)
	}
	if _, err := exec.LookPath(etcd); err != nil {
		t.Fatalf("%s is missing: run `make e2e`: %v", etcd, err)
	}
	dir := t.TempDir()
	etcdPort, peerPort, apiPort := freePort(t), freePort(t), freePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	startProcess(t, filepath.Join(dir, "etcd.log"), etcd, "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peerPort), "--initial-advertise-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", peerPort),
		"--initial-cluster", fmt.Sprintf("default=http://127.0.0.1:%d", peerPort))

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "sa.key")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	token := "canarygen-e2e-token"
	tokenFile := filepath.Join(dir, "tokens.csv")
	os.WriteFile(tokenFile, []byte(token+",admin,admin,system:masters\n"), 0o600)
	startProcess(t, filepath.Join(dir, "kube-apiserver.log"), apiserverBin,
		"--etcd-servers", etcdURL, "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(apiPort), "--cert-dir", filepath.Join(dir, "certs"),
		"--service-account-key-file", keyFile, "--service-account-signing-key-file", keyFile,
		"--service-account-issuer", "https://kubernetes.default.svc", "--token-auth-file", tokenFile,
		"--authorization-mode", "RBAC", "--service-cluster-ip-range", "10.96.0.0/16")

	s := &apiServer{url: fmt.Sprintf("https://127.0.0.1:%d", apiPort), token: token, dir: dir, client: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // self-signed, loopback only
	}}
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, _ := s.do(t, "GET", "/readyz", nil)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(dir, "kube-apiserver.log"))
			t.Fatalf("kube-apiserver not ready after 90 s:\n%s", tail(string(logs), 3000))
		}
		time.Sleep(300 * time.Millisecond)
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (s *apiServer) do(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, s.url+path, r)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// installCRDs installs the Prometheus-Operator CRDs canarygen renders
// objects of, from the prometheus-operator module.
func installCRDs(t *testing.T, s *apiServer) {
	t.Helper()
	out, err := exec.Command("go", "mod", "download", "-json", "github.com/prometheus-operator/prometheus-operator@v0.94.1").Output()
	if err != nil {
		t.Fatalf("download the prometheus-operator module: %v", err)
	}
	var mod struct{ Dir string }
	json.Unmarshal(out, &mod)
	for _, name := range []string{"servicemonitors", "prometheusrules"} {
		data, err := os.ReadFile(filepath.Join(mod.Dir, "example/prometheus-operator-crd/monitoring.coreos.com_"+name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		ms, err := manifest.Read(name, data)
		if err != nil {
			t.Fatal(err)
		}
		if code, body := s.do(t, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", ms[0].Object); code != 201 {
			t.Fatalf("install CRD %s: %d %s", name, code, body)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, name := range []string{"servicemonitors", "prometheusrules"} {
		for {
			code, _ := s.do(t, "GET", "/apis/monitoring.coreos.com/v1/"+name, nil)
			if code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("CRD %s not served", name)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}

// create sends an object to the API server: a strict server-side dry run,
// then the real create. It returns the status and body of the first
// failure, or 201.
func (s *apiServer) create(t *testing.T, ns string, o Object) (int, string) {
	t.Helper()
	kind, _, _ := manifest.ObjectName(o)
	res, ok := resources[kind]
	if !ok {
		t.Fatalf("no REST mapping for %s", kind)
	}
	path := res.prefix
	if res.namespaced {
		path += "/namespaces/" + ns
		meta := o["metadata"].(map[string]any)
		meta["namespace"] = ns
	}
	path += "/" + res.plural
	for _, q := range []string{"?dryRun=All&fieldValidation=Strict", "?fieldValidation=Strict"} {
		code, body := s.do(t, "POST", path+q, o)
		if code != 201 {
			return code, string(body)
		}
	}
	_, _, name := manifest.ObjectName(o)
	if code, body := s.do(t, "GET", path+"/"+name, nil); code != 200 {
		return code, "read back: " + string(body)
	}
	return 201, ""
}

func (s *apiServer) namespace(t *testing.T, name string) {
	t.Helper()
	if code, body := s.do(t, "POST", "/api/v1/namespaces", map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}}); code != 201 && code != 409 {
		t.Fatalf("namespace %s: %d %s", name, code, body)
	}
}

// Every golden output is accepted by a real kube-apiserver (strict field
// validation, dry run, then create, then read back); broken variants are
// rejected with the API server's message.
func TestAPIServerAcceptsGoldens(t *testing.T) {
	s := startControlPlane(t, "etcd")
	installCRDs(t, s)

	golden := goldenObjects(t)
	files := make([]string, 0, len(golden))
	for f := range golden {
		files = append(files, f)
	}
	sort.Strings(files)
	created := 0
	for i, f := range files {
		ns := fmt.Sprintf("golden-%d", i)
		s.namespace(t, ns)
		for _, o := range golden[f] {
			if o["kind"] == "Namespace" {
				s.namespace(t, o["metadata"].(map[string]any)["name"].(string))
				continue
			}
			if code, body := s.create(t, ns, deepCopy(o)); code != 201 {
				t.Errorf("%s: %s: %d %s", f, manifest.Describe(o), code, body)
				continue
			}
			created++
		}
	}
	t.Logf("%d objects from %d goldens accepted and created", created, len(files))

	// Broken on purpose: the server must refuse each.
	web := golden["golden/identity-cli.yaml"]
	find := func(kind, name string) Object {
		for _, o := range web {
			if k, _, n := manifest.ObjectName(o); k == kind && n == name {
				return deepCopy(o)
			}
		}
		t.Fatalf("no %s %s in golden/identity-cli.yaml", kind, name)
		return nil
	}
	s.namespace(t, "broken")
	for _, tc := range []struct {
		name   string
		obj    Object
		mutate func(o Object)
		want   string
	}{
		{"canary pods without the track label", find("StatefulSet", "web-canary"), func(o Object) {
			delete(o["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any), "track")
		}, "does not match template `labels`"},
		{"a port out of range", find("Service", "web"), func(o Object) {
			o["spec"].(map[string]any)["ports"].([]any)[0].(map[string]any)["port"] = 70000
		}, "must be between 1 and 65535"},
		{"a ServiceMonitor field of the wrong type", find("ServiceMonitor", "web"), func(o Object) {
			o["spec"].(map[string]any)["endpoints"] = "metrics"
		}, "spec.endpoints"},
		{"a name that is too long", find("StatefulSet", "web-canary"), func(o Object) {
			o["metadata"].(map[string]any)["name"] = strings.Repeat("w", 254)
		}, "must be no more than 63 characters"},
	} {
		tc.mutate(tc.obj)
		code, body := s.create(t, "broken", tc.obj)
		if code == 201 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: want a rejection containing %q, got %d %s", tc.name, tc.want, code, tail(body, 600))
		}
	}
}

// The Kubernetes objects of examples/analyze (canarygen analyze's recipes)
// are accepted by a real kube-apiserver: the PostSync hook's ConfigMap and
// Job, and the AnalysisTemplate's job spec as a Job (the AnalysisTemplate
// itself needs Argo Rollouts' CRDs).
func TestAPIServerAcceptsAnalyzeRecipes(t *testing.T) {
	s := startControlPlane(t, "etcd")
	s.namespace(t, "shop")
	created := 0
	for _, f := range []string{"examples/analyze/argocd-postsync-job.yaml", "examples/analyze/analysistemplate.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := manifest.Read(f, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			o := m.Object
			if o["kind"] == "AnalysisTemplate" {
				for i, mt := range o["spec"].(map[string]any)["metrics"].([]any) {
					spec := mt.(map[string]any)["provider"].(map[string]any)["job"].(map[string]any)["spec"]
					o = Object{"apiVersion": "batch/v1", "kind": "Job",
						"metadata": map[string]any{"name": fmt.Sprintf("analysistemplate-%d", i)}, "spec": spec}
				}
			}
			if code, body := s.create(t, "shop", o); code != 201 {
				t.Errorf("%s: %s: %d %s", f, manifest.Describe(o), code, body)
				continue
			}
			created++
		}
	}
	if created != 3 {
		t.Errorf("%d objects created, want 3", created)
	}
}

// Every case of the real-world corpus that renders (testdata/corpus/cases.txt)
// is accepted by a real kube-apiserver: the objects of the kinds canarygen
// renders and reuses are dry-run with strict validation, created and read
// back, each case in a namespace of its own; a Template is processed with
// its defaults first, as `oc process` would.
func TestAPIServerAcceptsCorpus(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "canarygen")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/canarygen").CombinedOutput(); err != nil {
		t.Fatalf("build canarygen: %v\n%s", err, out)
	}
	s := startControlPlane(t, "etcd")
	installCRDs(t, s)
	data, err := os.ReadFile("testdata/corpus/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	cases, created := 0, 0
	for _, line := range strings.Split(string(data), "\n") {
		name, args, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		cmd := exec.Command(bin, append(strings.Fields(args)[:1], append([]string{"-q"}, strings.Fields(args)[1:]...)...)...)
		out, err := cmd.Output()
		if err != nil {
			continue // refused: golden/corpus.txt says why
		}
		cases++
		ms, err := manifest.Read(name, out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var objs []Object
		for _, m := range ms {
			if m.Object["kind"] != "Template" {
				objs = append(objs, m.Object)
				continue
			}
			tj, _ := json.Marshal(m.Object)
			processed, err := openshift.Process(name, tj, nil)
			if err != nil {
				t.Fatalf("%s: process: %v", name, err)
			}
			objs = append(objs, processed...)
		}
		// What the input holds unchanged is the input's (it may be refused
		// as it was: an export's resourceVersion, an old apiVersion);
		// everything else canarygen wrote and must be accepted.
		inputs := map[string]Object{}
		for _, f := range strings.Fields(args)[1:] {
			if !strings.HasPrefix(f, "testdata/") {
				continue
			}
			data, _ := os.ReadFile(f)
			ims, err := manifest.Read(f, data)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, m := range ims {
				in := []Object{m.Object}
				if m.Object["kind"] == "Template" {
					tj, _ := json.Marshal(m.Object)
					if in, err = openshift.Process(f, tj, nil); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				}
				for _, o := range in {
					inputs[manifest.Identity(o)] = o
				}
			}
		}
		// Each namespace of the case gets a test namespace of its own.
		namespaces := map[string]string{}
		for _, o := range objs {
			_, ns, _ := manifest.ObjectName(o)
			if _, ok := namespaces[ns]; !ok {
				namespaces[ns] = fmt.Sprintf("corpus-%s-%d", name, len(namespaces))
				s.namespace(t, namespaces[ns])
			}
		}
		for _, o := range objs {
			res, ok := resources[o["kind"].(string)]
			if !ok || o["kind"] == "Namespace" || !strings.HasPrefix(res.prefix, "/api") {
				continue
			}
			_, ns, _ := manifest.ObjectName(o)
			unchanged := reflect.DeepEqual(inputs[manifest.Identity(o)], o)
			code, body := s.create(t, namespaces[ns], deepCopy(o))
			switch {
			case code == 201:
				created++
			case unchanged:
				t.Logf("%s: %s, as the input has it, is refused: %d %s", name, manifest.Describe(o), code, tail(body, 200))
			default:
				t.Errorf("%s: %s: %d %s", name, manifest.Describe(o), code, tail(body, 400))
			}
		}
	}
	if cases < 20 {
		t.Fatalf("only %d corpus cases rendered", cases)
	}
	t.Logf("%d objects of %d rendered corpus cases accepted and created", created, cases)
}
