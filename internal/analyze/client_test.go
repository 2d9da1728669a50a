package analyze

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestPromDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0s",
		time.Minute:             "1m",
		90 * time.Second:        "1m30s",
		time.Hour + time.Minute: "1h1m",
		1500 * time.Millisecond: "1s500ms",
		14 * 24 * time.Hour:     "2w",
		90 * 24 * time.Hour:     "90d", // 12w6d: weeks only when exact
		365 * 24 * time.Hour:    "1y",
	} {
		if got := promDuration(d); got != want {
			t.Errorf("promDuration(%v) = %q, want %q", d, got, want)
		}
	}
	// As Prometheus writes them (prometheus/common's model.Duration).
	for _, d := range []time.Duration{time.Millisecond, 999 * time.Millisecond, 59 * time.Second, 61 * time.Second, 5 * time.Minute, 25 * time.Hour,
		7 * 24 * time.Hour, 8 * 24 * time.Hour, 730 * 24 * time.Hour, 366 * 24 * time.Hour, 3*time.Hour + 2*time.Second + 7*time.Millisecond} {
		if got, want := promDuration(d), model.Duration(d).String(); got != want {
			t.Errorf("promDuration(%v) = %q, Prometheus writes %q", d, got, want)
		}
	}
}

const matrixAnswer = `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"track":"canary"},"values":[[1700000000,"1.5"],[1700000060,"NaN"],[1700000120,"+Inf"]]}]}}`

// TestClientTLSAndToken: the client verifies Prometheus with --ca-file,
// presents --cert-file, and reads --bearer-token-file on every request.
func TestClientTLSAndToken(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	write(t, tokenFile, "first\n")
	certFile, keyFile, clientCert := clientCertificate(t, dir)
	var tokens []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/prom/api/v1/query_range" || r.Method != http.MethodPost {
			http.Error(w, "not here", http.StatusNotFound)
			return
		}
		if len(r.TLS.PeerCertificates) != 1 || !r.TLS.PeerCertificates[0].Equal(clientCert) {
			http.Error(w, "no client certificate", http.StatusForbidden)
			return
		}
		tokens = append(tokens, r.Header.Get("Authorization"))
		if r.FormValue("query") != "up" || r.FormValue("start") != "1700000000" || r.FormValue("end") != "1700000120.5" || r.FormValue("step") != "60" {
			http.Error(w, `{"status":"error","errorType":"bad_data","error":"unexpected form `+r.Form.Encode()+`"}`, http.StatusBadRequest)
			return
		}
		w.Write([]byte(matrixAnswer))
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(dir, "ca.pem")
	write(t, caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))

	opts := ClientOptions{URL: srv.URL + "/prom", BearerTokenFile: tokenFile, CAFile: caFile, CertFile: certFile, KeyFile: keyFile}
	c, err := NewAPI(opts)
	if err != nil {
		t.Fatal(err)
	}
	r := Range{Start: time.Unix(1700000000, 0), End: time.Unix(1700000120, 5e8), Step: time.Minute}
	series, err := c.QueryRange(context.Background(), "up", r)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || series[0].Metric["track"] != "canary" || len(series[0].Values) != 3 || series[0].Values[0] != 1.5 {
		t.Fatalf("series %+v", series)
	}
	write(t, tokenFile, "second")
	if _, err := c.QueryRange(context.Background(), "up", r); err != nil {
		t.Fatal(err)
	}
	if strings.Join(tokens, ",") != "Bearer first,Bearer second" {
		t.Errorf("tokens sent: %q, want the file's content at each request", tokens)
	}

	// Without the CA, Prometheus' certificate is refused; with
	// --insecure-skip-tls-verify it is not checked.
	noCA := opts
	noCA.CAFile = ""
	if c, err = NewAPI(noCA); err != nil {
		t.Fatal(err)
	}
	if _, err := c.QueryRange(context.Background(), "up", r); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without --ca-file: %v, want a certificate error", err)
	}
	noCA.InsecureSkipVerify = true
	if c, err = NewAPI(noCA); err != nil {
		t.Fatal(err)
	}
	if _, err := c.QueryRange(context.Background(), "up", r); err != nil {
		t.Errorf("with --insecure-skip-tls-verify: %v", err)
	}
	// The API's own error, as Prometheus words it.
	if _, err := c.QueryRange(context.Background(), "rate(", r); err == nil || !strings.HasPrefix(err.Error(), "bad_data: unexpected form") {
		t.Errorf("a refused query: %v", err)
	}
}

func TestClientAnswers(t *testing.T) {
	for _, c := range []struct {
		name, answer string
		status       int
		want         string
	}{
		{"a proxy's page", "<html><body>502 Bad Gateway</body></html>", http.StatusBadGateway, "502 Bad Gateway from http://"},
		{"an instant vector", `{"status":"success","data":{"resultType":"vector","result":[]}}`, http.StatusOK, "got a vector, want a range vector"},
		{"a sample that is no number", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}`, http.StatusOK, `sample value "x"`},
		{"Prometheus' error", `{"status":"error","errorType":"execution","error":"query timed out"}`, http.StatusServiceUnavailable, "execution: query timed out"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(c.status)
			w.Write([]byte(c.answer))
		}))
		api, err := NewAPI(ClientOptions{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		_, err = api.QueryRange(context.Background(), "up", Range{Start: time.Unix(0, 0), End: time.Unix(60, 0), Step: time.Minute})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		srv.Close()
	}
	for _, o := range []ClientOptions{
		{URL: "prometheus:9090"},
		{URL: "http://p", CertFile: "c.pem"},
		{URL: "http://p", CAFile: "/nonexistent/ca.pem"},
		{URL: "http://p", BearerTokenFile: "/nonexistent/token"},
	} {
		if _, err := NewAPI(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func write(t *testing.T, file, content string) {
	t.Helper()
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// clientCertificate writes a self-signed client certificate and its key.
func clientCertificate(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "canarygen"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	write(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	write(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}
