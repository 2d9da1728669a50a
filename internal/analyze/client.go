package analyze

import (
	"fmt"
	"net/url"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/config"
)

// ClientOptions say how to reach Prometheus, with the settings Prometheus'
// own clients take (an HTTP client config: bearer token file, TLS).
type ClientOptions struct {
	URL                string
	BearerTokenFile    string // read on every request, so a rotated token is picked up
	CAFile             string
	CertFile, KeyFile  string
	InsecureSkipVerify bool
}

// NewAPI returns a client of the Prometheus HTTP API (client_golang's
// api/prometheus/v1).
func NewAPI(o ClientOptions) (v1.API, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--prometheus %q: want an http:// or https:// URL", o.URL)
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return nil, fmt.Errorf("--cert-file and --key-file go together")
	}
	cfg := config.HTTPClientConfig{
		TLSConfig: config.TLSConfig{
			CAFile:             o.CAFile,
			CertFile:           o.CertFile,
			KeyFile:            o.KeyFile,
			InsecureSkipVerify: o.InsecureSkipVerify,
		},
		FollowRedirects: true,
	}
	if o.BearerTokenFile != "" {
		cfg.Authorization = &config.Authorization{Type: "Bearer", CredentialsFile: o.BearerTokenFile}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rt, err := config.NewRoundTripperFromConfig(cfg, "canarygen")
	if err != nil {
		return nil, err
	}
	c, err := api.NewClient(api.Config{Address: o.URL, RoundTripper: rt})
	if err != nil {
		return nil, err
	}
	return v1.NewAPI(c), nil
}
