package hostup_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// A redirect would carry the API key to wherever it points (net/http keeps
// Authorization for the same host on another port or scheme): the client
// follows none, also with an http.Client that would.
func TestRedirectsAreRefused(t *testing.T) {
	clients := map[string][]hostup.Option{
		"default client":                     nil,
		"WithHTTPClient following redirects": {hostup.WithHTTPClient(&http.Client{})},
	}
	for _, status := range []int{301, 302, 307, 308} {
		for name, opts := range clients {
			t.Run(http.StatusText(status)+", "+name, func(t *testing.T) {
				b := hostuptest.NewServer(hostuptest.DocsAccount())
				defer b.Close()
				a := hostuptest.NewServer(hostuptest.DocsAccount())
				defer a.Close()
				a.Fail(hostuptest.Target{}, hostuptest.Fault{Status: status, Location: b.URL + "/moved/api/v2/vps?cursor=c2VjcmV0#frag"})

				c, err := hostup.NewClient(a.URL, testToken, opts...)
				if err != nil {
					t.Fatal(err)
				}
				for endpoint, call := range map[string]func() error{
					hostup.EndpointVPSList: func() error { _, err := c.ListVPSPage(t.Context(), ""); return err },
					hostup.EndpointVPSNetwork: func() error {
						_, err := c.VPSNetwork(t.Context(), hostuptest.DocsVPSID)
						return err
					},
					hostup.EndpointRoutedIPv6: func() error { _, err := c.RoutedIPv6(t.Context()); return err },
				} {
					err := call()
					var re *hostup.RedirectError
					if !errors.As(err, &re) || re.StatusCode != status || re.Endpoint != endpoint {
						t.Fatalf("%s: err = %v (%T), want a RedirectError", endpoint, err, err)
					}
					msg := err.Error()
					want := "hostup: " + endpoint + ": HTTP " + strconv.Itoa(status) + " redirect"
					if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "redirect to "+b.URL+" refused") {
						t.Errorf("message %q does not name the status and the origin %s", msg, b.URL)
					}
					for _, leak := range []string{"/moved", "cursor", "c2VjcmV0", "frag", "/api/v2"} {
						if strings.Contains(msg, leak) {
							t.Errorf("message %q holds %q of the Location", msg, leak)
						}
					}
					if re.Origin != b.URL {
						t.Errorf("Origin %q, want %q", re.Origin, b.URL)
					}
					if hostup.IsRateLimited(err) || hostup.IsNotFound(err) || hostup.IsAuth(err) {
						t.Errorf("misclassified: %v", err)
					}
				}
				if n := b.TotalCalls(); n != 0 {
					t.Errorf("the redirect's target got %d requests, want 0", n)
				}
				if n := a.TotalCalls(); n != 3 {
					t.Errorf("%d requests to the API, want 3 (a redirect is not retried)", n)
				}
			})
		}
	}
}

func TestRedirectMessages(t *testing.T) {
	for _, tt := range []struct {
		location string
		want     string
	}{
		{"", "HTTP 301 redirect (without a usable Location) refused: the API key is only sent to the configured API URL"},
		{"https://user:pw@cloud.example.net:8443/api/v2/vps?x=1", "HTTP 301 redirect to https://cloud.example.net:8443 refused"},
		{"//other.example/path", "HTTP 301 redirect to http://other.example refused"},
		{"/relative/path?q", "HTTP 301 redirect to http://127.0.0.1:"},
	} {
		api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
			if tt.location != "" {
				w.Header().Set("Location", tt.location)
			}
			w.WriteHeader(http.StatusMovedPermanently)
		})
		_, err := newTestClient(t, api).RoutedIPv6(t.Context())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Location %q: err = %v, want it to contain %q", tt.location, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), "path") || strings.Contains(err.Error(), "pw")) {
			t.Errorf("Location %q: %v holds more than the origin", tt.location, err)
		}
	}
}

// WithHTTPClient does not change the caller's client.
func TestWithHTTPClientIsNotModified(t *testing.T) {
	hc := &http.Client{}
	if _, err := hostup.NewClient("https://cloud.hostup.se", testToken, hostup.WithHTTPClient(hc)); err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil {
		t.Error("the caller's http.Client got a CheckRedirect")
	}
}
