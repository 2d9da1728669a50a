package analyze

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// ClientOptions say how to reach Prometheus, with the settings Prometheus'
// own clients take (an HTTP client config: bearer token file, TLS).
type ClientOptions struct {
	URL                string
	BearerTokenFile    string // read on every request, so a rotated token is picked up
	CAFile             string
	CertFile, KeyFile  string // read at every TLS handshake, so a rotated certificate is too
	InsecureSkipVerify bool
}

// Client queries the Prometheus HTTP API: /api/v1/query_range, the one
// endpoint analyze reads. It is net/http and encoding/json: client_golang
// and prometheus/common would bring their metrics registry, protobuf and
// OAuth 2 into every canarygen process, and their package initialisation
// into every render's start (and the jsonnet child's).
type Client struct {
	endpoint string // the query_range URL
	http     *http.Client
	token    string // the bearer token file, or ""
}

// Range is a range query's window and resolution.
type Range struct {
	Start, End time.Time
	Step       time.Duration
}

// Series is one series of a range query's result.
type Series struct {
	Metric map[string]string
	Values []float64
}

// maxResponse bounds what one query may answer.
const maxResponse = 64 << 20

// NewAPI returns a client of the Prometheus at o.URL.
func NewAPI(o ClientOptions) (*Client, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--prometheus %q: want an http:// or https:// URL", o.URL)
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, fmt.Errorf("--cert-file and --key-file go together")
	}
	tc := &tls.Config{InsecureSkipVerify: o.InsecureSkipVerify}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate in it", o.CAFile)
		}
	}
	if o.CertFile != "" {
		// Loaded once here, so that a bad pair is a usage error, and again
		// at each handshake.
		if _, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile); err != nil {
			return nil, fmt.Errorf("--cert-file/--key-file: %w", err)
		}
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			c, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
			return &c, err
		}
	}
	if o.BearerTokenFile != "" {
		if _, err := readToken(o.BearerTokenFile); err != nil {
			return nil, err
		}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = tc
	// Keep a connection for each query that runs at once (net/http keeps
	// two a host): a new connection for each of them costs a measurement
	// some 10 ms against a local Prometheus (BenchmarkAnalyze).
	t.MaxIdleConnsPerHost = parallelQueries
	u.Path = path.Join("/", u.Path, "api/v1/query_range")
	u.RawQuery, u.Fragment = "", ""
	return &Client{endpoint: u.String(), http: &http.Client{Transport: t}, token: o.BearerTokenFile}, nil
}

func readToken(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--bearer-token-file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// apiResponse is the envelope of every Prometheus API answer.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// QueryRange runs a range query (a POST form, as Prometheus' clients send
// it) and returns its series.
func (c *Client) QueryRange(ctx context.Context, query string, r Range) ([]Series, error) {
	form := url.Values{
		"query": {query},
		"start": {apiTime(r.Start)},
		"end":   {apiTime(r.End)},
		"step":  {strconv.FormatFloat(r.Step.Seconds(), 'f', -1, 64)},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "canarygen")
	if c.token != "" {
		tok, err := readToken(c.token)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("the answer is larger than %d MiB", maxResponse>>20)
	}
	var ar apiResponse
	if err := json.Unmarshal(body, &ar); err != nil || ar.Status == "" {
		// Not the API (a proxy's page, a wrong URL): say what came back.
		return nil, fmt.Errorf("%s from %s: not a Prometheus API answer: %s", resp.Status, c.endpoint, snippet(body))
	}
	if ar.Status != "success" {
		return nil, fmt.Errorf("%s: %s", ar.ErrorType, ar.Error)
	}
	var data struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		} `json:"result"`
	}
	if err := json.Unmarshal(ar.Data, &data); err != nil {
		return nil, fmt.Errorf("decode the answer: %w", err)
	}
	if data.ResultType != "matrix" {
		return nil, fmt.Errorf("got a %s, want a range vector", data.ResultType)
	}
	out := make([]Series, len(data.Result))
	for i, s := range data.Result {
		out[i] = Series{Metric: s.Metric, Values: make([]float64, len(s.Values))}
		for j, p := range s.Values {
			v, ok := p[1].(string)
			if !ok {
				return nil, errors.New("decode the answer: a sample value is not a string")
			}
			if out[i].Values[j], err = strconv.ParseFloat(v, 64); err != nil {
				return nil, fmt.Errorf("decode the answer: sample value %q: %w", v, err)
			}
		}
	}
	return out, nil
}

// apiTime is t as the API takes it: Unix seconds, with the fraction.
func apiTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.Unix())+float64(t.Nanosecond())/1e9, 'f', -1, 64)
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		s = "(empty)"
	}
	return s
}

// promDuration formats d as Prometheus writes durations (model.Duration):
// units largest first, down to ms (1h30m, 90s is 1m30s), years and weeks
// only when they divide d exactly (90d, not 12w6d).
func promDuration(d time.Duration) string {
	ms := d.Milliseconds()
	if ms <= 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		name  string
		ms    int64
		exact bool
	}{{"y", 365 * 24 * 3600 * 1000, true}, {"w", 7 * 24 * 3600 * 1000, true}, {"d", 24 * 3600 * 1000, false},
		{"h", 3600 * 1000, false}, {"m", 60 * 1000, false}, {"s", 1000, false}, {"ms", 1, false}} {
		if u.exact && ms%u.ms != 0 {
			continue
		}
		if n := ms / u.ms; n > 0 {
			b.WriteString(strconv.FormatInt(n, 10))
			b.WriteString(u.name)
			ms -= n * u.ms
		}
	}
	return b.String()
}
