package hostup_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

func TestNewClientRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		token   string
		opts    []hostup.Option
		wantErr string
	}{
		{"empty base URL", "", testToken, nil, "base URL is empty"},
		{"relative base URL", "cloud.hostup.se", testToken, nil, "absolute http or https"},
		{"non-HTTP scheme", "ftp://cloud.hostup.se", testToken, nil, "absolute http or https"},
		{"no host", "https://", testToken, nil, "no host"},
		{"user info in base URL", "https://user:pw@cloud.hostup.se", testToken, nil, "user info"},
		{"query in base URL", "https://cloud.hostup.se?x=1", testToken, nil, "query or fragment"},
		{"base URL already has /api/v2", "https://cloud.hostup.se/api/v2/", testToken, nil, "must not include /api/v2"},
		{"unparsable base URL", "https://cloud.hostup.se/%zz", testToken, nil, "invalid base URL"},
		{"empty token", "https://cloud.hostup.se", "", nil, "token is empty"},
		{"token with trailing newline from a file", "https://cloud.hostup.se", testToken + "\n", nil, "whitespace or control"},
		{"page size above the API maximum", "https://cloud.hostup.se", testToken, []hostup.Option{hostup.WithPageSize(101)}, "page size 101"},
		{"page size zero", "https://cloud.hostup.se", testToken, []hostup.Option{hostup.WithPageSize(0)}, "page size 0"},
		{"page cap zero", "https://cloud.hostup.se", testToken, []hostup.Option{hostup.WithMaxPages(0)}, "page cap"},
		{"negative retries", "https://cloud.hostup.se", testToken, []hostup.Option{hostup.WithRetries(-1)}, "retries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := hostup.NewClient(tt.baseURL, tt.token, tt.opts...)
			if err == nil {
				t.Fatalf("NewClient(%q) = %v, want an error", tt.baseURL, c)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q contains the token", err)
			}
		})
	}
}

func TestRequestsCarryPathsQueriesAndHeaders(t *testing.T) {
	tests := []struct {
		name           string
		opts           []hostup.Option
		call           func(context.Context, *hostup.Client) error
		wantRequestURI string
		wantUserAgent  string
	}{
		{
			name:           "routed IPv6 with the default user agent",
			call:           func(ctx context.Context, c *hostup.Client) error { _, err := c.RoutedIPv6(ctx); return err },
			wantRequestURI: "/api/v2/routed-ipv6",
			wantUserAgent:  "hostup_exporter/dev",
		},
		{
			name: "VPS network with the exporter's version as user agent",
			opts: []hostup.Option{hostup.WithUserAgent("hostup_exporter/1.2.3")},
			call: func(ctx context.Context, c *hostup.Client) error {
				_, err := c.VPSNetwork(ctx, "vps_01hxa3")
				return err
			},
			wantRequestURI: "/api/v2/vps/vps_01hxa3/network",
			wantUserAgent:  "hostup_exporter/1.2.3",
		},
		{
			name: "VPS id that would change the path is escaped",
			call: func(ctx context.Context, c *hostup.Client) error {
				_, err := c.VPSNetwork(ctx, "../a b?c#d")
				return err
			},
			wantRequestURI: "/api/v2/vps/..%2Fa%20b%3Fc%23d/network",
			wantUserAgent:  "hostup_exporter/dev",
		},
		{
			name:           "first list page asks for the maximum page size",
			call:           func(ctx context.Context, c *hostup.Client) error { _, err := c.ListVPSPage(ctx, ""); return err },
			wantRequestURI: "/api/v2/vps?limit=100",
			wantUserAgent:  "hostup_exporter/dev",
		},
		{
			name: "later list page passes the opaque cursor escaped",
			opts: []hostup.Option{hostup.WithPageSize(25)},
			call: func(ctx context.Context, c *hostup.Client) error {
				_, err := c.ListVPSPage(ctx, "eyJpZCI6Mn0=/+&x")
				return err
			},
			wantRequestURI: "/api/v2/vps?limit=25&cursor=eyJpZCI6Mn0%3D%2F%2B%26x",
			wantUserAgent:  "hostup_exporter/dev",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, jsonBody(http.StatusOK, `{"data":[]}`))
			c := newTestClient(t, api, tt.opts...)
			if err := tt.call(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			reqs := api.Requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodGet {
				t.Errorf("method %s, want GET", r.Method)
			}
			if r.RequestURI != tt.wantRequestURI {
				t.Errorf("request URI %q, want %q", r.RequestURI, tt.wantRequestURI)
			}
			for header, want := range map[string]string{
				"Authorization": "Bearer " + testToken,
				"Accept":        "application/json",
				"User-Agent":    tt.wantUserAgent,
			} {
				if got := r.Header.Get(header); got != want {
					t.Errorf("%s: %q, want %q", header, got, want)
				}
			}
		})
	}
}

func TestBaseURLWithPathPrefixAndTrailingSlash(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, `{}`))
	c, err := hostup.NewClient(api.URL+"/proxy/hostup/", testToken, hostup.WithHTTPClient(api.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RoutedIPv6(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := api.Requests()[0].URL.Path; got != "/proxy/hostup/api/v2/routed-ipv6" {
		t.Errorf("path %q", got)
	}
}

func TestEmptyVPSIDIsRefusedWithoutARequest(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, `{}`))
	c := newTestClient(t, api)
	if _, err := c.VPSNetwork(t.Context(), ""); err == nil || !strings.Contains(err.Error(), "empty VPS id") {
		t.Errorf("err = %v, want an empty-id error", err)
	}
	if api.Hits() != 0 {
		t.Errorf("%d requests sent", api.Hits())
	}
}

func TestSetTokenIsUsedByTheNextCall(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, `{}`))
	c := newTestClient(t, api)
	if _, err := c.RoutedIPv6(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.SetToken("hu_live_rotated_0000000000000000")
	if _, err := c.RoutedIPv6(t.Context()); err != nil {
		t.Fatal(err)
	}
	reqs := api.Requests()
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer "+testToken {
		t.Errorf("first call: %q", got)
	}
	if got := reqs[1].Header.Get("Authorization"); got != "Bearer hu_live_rotated_0000000000000000" {
		t.Errorf("after SetToken: %q", got)
	}
}

func TestClientPrintsWithoutToken(t *testing.T) {
	c, err := hostup.NewClient("https://cloud.hostup.se", testToken)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, c); strings.Contains(s, testToken) {
			t.Errorf("%s prints the token: %s", format, s)
		}
	}
}

// The default client must reuse one keep-alive connection across calls, error
// responses included: that only works when every body is drained and closed.
func TestDefaultClientReusesConnectionsAcrossErrorResponses(t *testing.T) {
	var newConns atomic.Int64
	srv := httptest.NewUnstartedServer(sequence(
		jsonBody(http.StatusOK, `{}`),
		problemBody(http.StatusNotFound, "vps_not_found", "gone"),
		htmlBody(http.StatusForbidden, "<html><body>"+strings.Repeat("padding ", 12000)+"</body></html>"),
		jsonBody(http.StatusOK, `{}`),
		problemBody(http.StatusConflict, "vps_not_ready", "not ready"),
		jsonBody(http.StatusOK, `{}`),
	))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c, err := hostup.NewClient(srv.URL, testToken) // the shared default transport
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		_, _ = c.VPSNetwork(t.Context(), fmt.Sprintf("vps_%d", i))
	}
	if n := newConns.Load(); n != 1 {
		t.Errorf("%d connections opened for 6 sequential calls, want 1", n)
	}
}

func TestObserverSeesEveryAttempt(t *testing.T) {
	t.Run("retried 5xx then success", func(t *testing.T) {
		api := newFakeAPI(t, sequence(
			problemBody(http.StatusInternalServerError, "internal_error", "boom"),
			problemBody(http.StatusBadGateway, "upstream_unavailable", "upstream"),
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-RateLimit-Limit", "120")
				w.Header().Set("X-RateLimit-Remaining", "117")
				w.Header().Set("X-RateLimit-Reset", "2026-04-27T12:35:00Z")
				jsonBody(http.StatusOK, `{}`)(w, r)
			},
		))
		var rec recorder
		c := newTestClient(t, api, hostup.WithObserver(rec.observe))
		if _, err := c.VPSNetwork(t.Context(), "vps_1"); err != nil {
			t.Fatal(err)
		}
		calls := rec.Calls()
		if got := fmt.Sprint(rec.Statuses()); got != "[500 502 200]" {
			t.Fatalf("statuses %s, want [500 502 200]", got)
		}
		for _, call := range calls {
			if call.Endpoint != hostup.EndpointVPSNetwork {
				t.Errorf("endpoint %q", call.Endpoint)
			}
			if call.Duration <= 0 {
				t.Errorf("duration %v", call.Duration)
			}
		}
		last := calls[2].RateLimit
		if !last.HasLimit || last.Limit != 120 || !last.HasRemaining || last.Remaining != 117 ||
			!last.Reset.Equal(mustTime(t, "2026-04-27T12:35:00Z")) {
			t.Errorf("rate limit %+v", last)
		}
		if calls[0].RateLimit != (hostup.RateLimit{}) {
			t.Errorf("response without headers reported %+v", calls[0].RateLimit)
		}
	})
	t.Run("transport errors are observed with status 0", func(t *testing.T) {
		api := newFakeAPI(t, jsonBody(http.StatusOK, `{}`))
		var rec recorder
		c := newTestClient(t, api, hostup.WithRetries(2), hostup.WithObserver(rec.observe))
		api.Close() // connection refused from now on
		_, err := c.RoutedIPv6(t.Context())
		if err == nil {
			t.Fatal("no error from a closed server")
		}
		if got := fmt.Sprint(rec.Statuses()); got != "[0 0 0]" {
			t.Errorf("statuses %s, want three attempts with status 0", got)
		}
		if !strings.Contains(err.Error(), hostup.EndpointRoutedIPv6) {
			t.Errorf("error %q does not name the endpoint", err)
		}
	})
}
