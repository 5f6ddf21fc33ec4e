package hostuptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

func TestFaultKinds(t *testing.T) {
	acct := hostuptest.DemoAccount(3)
	vps0 := "/api/v2/vps/" + acct.VPS[0].ID + "/network"
	html := []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")
	truncated := []byte(`{"data":[{"id":"vps_01`)

	tests := []struct {
		name   string
		target hostuptest.Target
		fault  hostuptest.Fault
		path   string
		check  func(t *testing.T, r response)
	}{
		{
			name:   "429 with Retry-After",
			target: hostuptest.Endpoint(hostuptest.EndpointVPSList),
			fault:  hostuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1500 * time.Millisecond},
			path:   "/api/v2/vps",
			check: func(t *testing.T, r response) {
				wantProblem(t, r, http.StatusTooManyRequests, "rate_limit_exceeded")
				if got := r.header.Get("Retry-After"); got != "2" {
					t.Errorf("Retry-After = %q, want 2 (1.5s rounded up)", got)
				}
				if got := r.header.Get("X-RateLimit-Remaining"); got != "0" {
					t.Errorf("X-RateLimit-Remaining = %q", got)
				}
				reset, err := time.Parse(time.RFC3339, r.header.Get("X-RateLimit-Reset"))
				if err != nil || reset.Before(time.Now().Add(time.Second)) || reset.After(time.Now().Add(4*time.Second)) {
					t.Errorf("X-RateLimit-Reset = %q (%v), want about 2s ahead", r.header.Get("X-RateLimit-Reset"), err)
				}
				if r.header.Get("X-RateLimit-Limit") == "" {
					t.Error("no X-RateLimit-Limit")
				}
			},
		},
		{
			name:   "RetryAfter alone is a 429, with the other code",
			target: hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6),
			fault:  hostuptest.Fault{RetryAfter: 3 * time.Second, Code: "rate_limited"},
			path:   "/api/v2/routed-ipv6",
			check: func(t *testing.T, r response) {
				wantProblem(t, r, http.StatusTooManyRequests, "rate_limited")
				if got := r.header.Get("Retry-After"); got != "3" {
					t.Errorf("Retry-After = %q", got)
				}
			},
		},
		{
			name:   "429 without any wait header",
			target: hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6),
			fault:  hostuptest.Fault{Code: "rate_limited", NoRateLimitHeaders: true},
			path:   "/api/v2/routed-ipv6",
			check: func(t *testing.T, r response) {
				wantProblem(t, r, http.StatusTooManyRequests, "rate_limited")
				for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
					if v := r.header.Get(h); v != "" {
						t.Errorf("%s = %q, want none", h, v)
					}
				}
			},
		},
		{
			name:   "500 internal_error",
			target: hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6),
			fault:  hostuptest.Fault{Status: http.StatusInternalServerError},
			path:   "/api/v2/routed-ipv6",
			check: func(t *testing.T, r response) {
				wantProblem(t, r, http.StatusInternalServerError, "internal_error")
				if r.header.Get("Retry-After") != "" {
					t.Error("Retry-After on a 500 without RetryAfter")
				}
			},
		},
		{
			name:   "503 with an upstream code",
			target: hostuptest.Target{},
			fault:  hostuptest.Fault{Status: http.StatusServiceUnavailable, Code: "upstream_timeout"},
			path:   "/api/v2/vps",
			check: func(t *testing.T, r response) {
				wantProblem(t, r, http.StatusServiceUnavailable, "upstream_timeout")
			},
		},
		{
			name:   "a code gives its status: forbidden",
			target: hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6),
			fault:  hostuptest.Fault{Code: "forbidden"},
			path:   "/api/v2/routed-ipv6",
			check: func(t *testing.T, r response) {
				wantProblem(t, r, http.StatusForbidden, "forbidden")
			},
		},
		{
			name:   "a code gives its status: vps_not_found for one VPS",
			target: hostuptest.ForVPS(acct.VPS[0].ID),
			fault:  hostuptest.Fault{Code: "vps_not_found"},
			path:   vps0,
			check: func(t *testing.T, r response) {
				p := wantProblem(t, r, http.StatusNotFound, "vps_not_found")
				if *p.Instance != vps0 || !strings.HasPrefix(*p.RequestID, "req_") {
					t.Errorf("instance %q, requestId %q", *p.Instance, *p.RequestID)
				}
				if _, err := time.Parse(time.RFC3339, *p.Timestamp); err != nil {
					t.Errorf("timestamp: %v", err)
				}
			},
		},
		{
			name:   "an HTML page from a proxy",
			target: hostuptest.Endpoint(hostuptest.EndpointVPSList),
			fault:  hostuptest.Fault{Status: http.StatusBadGateway, Body: html, ContentType: "text/html"},
			path:   "/api/v2/vps",
			check: func(t *testing.T, r response) {
				if r.status != http.StatusBadGateway || string(r.body) != string(html) || r.header.Get("Content-Type") != "text/html" {
					t.Errorf("got %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
				}
				if r.header.Get("X-RateLimit-Remaining") != "" {
					t.Error("a proxy's page carries the API's rate-limit headers")
				}
			},
		},
		{
			name:   "truncated JSON with 200",
			target: hostuptest.Endpoint(hostuptest.EndpointVPSList),
			fault:  hostuptest.Fault{Body: truncated, ContentType: "application/json"},
			path:   "/api/v2/vps",
			check: func(t *testing.T, r response) {
				if r.status != http.StatusOK || string(r.body) != string(truncated) {
					t.Errorf("got %d %s", r.status, r.body)
				}
			},
		},
		{
			name:   "a body without a content type is sniffed",
			target: hostuptest.Endpoint(hostuptest.EndpointVPSList),
			fault:  hostuptest.Fault{Status: http.StatusBadGateway, Body: html},
			path:   "/api/v2/vps",
			check: func(t *testing.T, r response) {
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type = %q", ct)
				}
			},
		},
		{
			name:   "a 2xx status without a body changes nothing",
			target: hostuptest.Endpoint(hostuptest.EndpointVPSList),
			fault:  hostuptest.Fault{Status: http.StatusOK},
			path:   "/api/v2/vps",
			check: func(t *testing.T, r response) {
				decodePage(t, r)
			},
		},
		{
			name:   "Delay, then the normal answer",
			target: hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6),
			fault:  hostuptest.Fault{Delay: 30 * time.Millisecond},
			path:   "/api/v2/routed-ipv6",
			check: func(t *testing.T, r response) {
				if r.status != http.StatusOK {
					t.Errorf("status %d", r.status)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostuptest.NewServer(acct)
			defer srv.Close()
			srv.Fail(tt.target, tt.fault)
			start := time.Now()
			tt.check(t, get(t, srv, tt.path))
			if d := time.Since(start); d < tt.fault.Delay {
				t.Errorf("answered in %v, before the Delay", d)
			}
			// A fault applies until Clear.
			tt.check(t, get(t, srv, tt.path))
			srv.Clear()
			if r := get(t, srv, tt.path); r.status != http.StatusOK {
				t.Errorf("after Clear: status %d %s", r.status, r.body)
			}
		})
	}
}

func TestRedirectFault(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(1))
	defer srv.Close()
	noFollow := *srv.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, tt := range []struct {
		fault      hostuptest.Fault
		wantStatus int
	}{
		{hostuptest.Fault{Location: "http://elsewhere.example/api/v2/vps"}, http.StatusFound},
		{hostuptest.Fault{Status: http.StatusMovedPermanently, Location: "http://elsewhere.example/api/v2/vps"}, http.StatusMovedPermanently},
		{hostuptest.Fault{Status: http.StatusPermanentRedirect, Location: "/elsewhere"}, http.StatusPermanentRedirect},
	} {
		srv.Clear()
		srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), tt.fault)
		res, err := noFollow.Get(srv.URL + "/api/v2/vps")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.wantStatus || res.Header.Get("Location") != tt.fault.Location {
			t.Errorf("%+v: status %d, Location %q", tt.fault, res.StatusCode, res.Header.Get("Location"))
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "<a href=") {
			t.Errorf("%+v: body %q (%s), want a short HTML page", tt.fault, body, res.Header.Get("Content-Type"))
		}
	}
}

func TestFaultTargets(t *testing.T) {
	acct := hostuptest.DemoAccount(3)
	net := func(i int) string { return "/api/v2/vps/" + acct.VPS[i].ID + "/network" }
	all := []string{"/api/v2/vps", "/api/v2/routed-ipv6", net(0), net(1)}
	tests := []struct {
		name   string
		target hostuptest.Target
		failed []bool // per path of all
	}{
		{"every endpoint", hostuptest.Target{}, []bool{true, true, true, true}},
		{"the list", hostuptest.Endpoint(hostuptest.EndpointVPSList), []bool{true, false, false, false}},
		{"routed IPv6", hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), []bool{false, true, false, false}},
		{"every network", hostuptest.Endpoint(hostuptest.EndpointVPSNetwork), []bool{false, false, true, true}},
		{"one VPS", hostuptest.ForVPS(acct.VPS[1].ID), []bool{false, false, false, true}},
		{"one VPS without endpoint", hostuptest.Target{VPSID: acct.VPS[0].ID}, []bool{false, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostuptest.NewServer(acct)
			defer srv.Close()
			srv.Fail(tt.target, hostuptest.Fault{Status: http.StatusInternalServerError})
			for i, path := range all {
				r := get(t, srv, path)
				if failed := r.status == http.StatusInternalServerError; failed != tt.failed[i] {
					t.Errorf("%s: status %d, failed = %t, want %t", path, r.status, failed, tt.failed[i])
				}
			}
			// Unknown paths and other methods do not reach faults.
			wantProblem(t, get(t, srv, "/api/v2/other"), http.StatusNotFound, "not_found")
			wantProblem(t, do(t, srv, http.MethodPost, "/api/v2/vps"), http.StatusMethodNotAllowed, "method_not_allowed")
		})
	}
}

func TestFaultsComeBeforeAuth(t *testing.T) {
	acct := hostuptest.DemoAccount(1)
	acct.Token = "t"
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	srv.Fail(hostuptest.Target{}, hostuptest.Fault{Status: http.StatusBadGateway})
	wantProblem(t, get(t, srv, "/api/v2/vps"), http.StatusBadGateway, "upstream_unavailable")
}

func TestFailTimes(t *testing.T) {
	list := hostuptest.Endpoint(hostuptest.EndpointVPSList)
	statuses := func(srv *hostuptest.Server, n int) []int {
		var out []int
		for range n {
			out = append(out, get(t, srv, "/api/v2/vps").status)
		}
		return out
	}
	tests := []struct {
		name  string
		setup func(srv *hostuptest.Server)
		want  []int
	}{
		{"twice, then normal", func(srv *hostuptest.Server) {
			srv.FailTimes(list, hostuptest.Fault{Status: 500}, 2)
		}, []int{500, 500, 200, 200}},
		{"rules apply in the order added", func(srv *hostuptest.Server) {
			srv.FailTimes(list, hostuptest.Fault{Status: 500}, 1)
			srv.FailTimes(list, hostuptest.Fault{Status: 503}, 2)
			srv.Fail(list, hostuptest.Fault{Status: 429})
		}, []int{500, 503, 503, 429, 429}},
		{"zero times adds nothing", func(srv *hostuptest.Server) {
			srv.FailTimes(list, hostuptest.Fault{Status: 500}, 0)
		}, []int{200}},
		{"other endpoints do not spend it", func(srv *hostuptest.Server) {
			srv.FailTimes(list, hostuptest.Fault{Status: 500}, 1)
			get(t, srv, "/api/v2/routed-ipv6")
		}, []int{500, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostuptest.NewServer(hostuptest.DemoAccount(2))
			defer srv.Close()
			tt.setup(srv)
			got := statuses(srv, len(tt.want))
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("statuses = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestFailRefusesTargetsThatNeverMatch(t *testing.T) {
	srv := hostuptest.NewServer(nil)
	defer srv.Close()
	for _, target := range []hostuptest.Target{
		hostuptest.Endpoint("vps-list"),
		{Endpoint: hostuptest.EndpointVPSList, VPSID: "vps_1"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Fail(%+v) did not panic", target)
				}
			}()
			srv.Fail(target, hostuptest.Fault{Status: 500})
		}()
	}
}

func TestRepeatCursor(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(10))
	defer srv.Close()
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{RepeatCursor: true})

	first := decodePage(t, get(t, srv, "/api/v2/vps?limit=3"))
	if !*first.HasMore || first.NextCursor == nil {
		t.Fatalf("first page: hasMore %v, nextCursor %v", *first.HasMore, first.NextCursor)
	}
	second := decodePage(t, get(t, srv, "/api/v2/vps?limit=3&cursor="+*first.NextCursor))
	if second.NextCursor == nil || *second.NextCursor != *first.NextCursor || !*second.HasMore {
		t.Errorf("second page's nextCursor %v, want the cursor it was asked with, %q", second.NextCursor, *first.NextCursor)
	}
	// The data is still the list's.
	if first.Data[0]["id"] != second.Data[0]["id"] {
		t.Errorf("a repeated cursor gave another page")
	}
}

// TestHangIsReleasedByClose: a hanging request ends when the server closes,
// with a broken connection rather than an empty answer, and leaves no
// goroutine behind on either side.
func TestHangIsReleasedByClose(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	srv := hostuptest.NewServer(hostuptest.DemoAccount(2))
	srv.Fail(hostuptest.Target{}, hostuptest.Fault{Hang: true})
	client := srv.Client()

	errc := make(chan error, 1)
	go func() {
		res, err := client.Get(srv.URL + "/api/v2/routed-ipv6")
		if err == nil {
			res.Body.Close()
			err = errors.New("answered " + res.Status)
		}
		errc <- err
	}()
	for srv.Calls(hostuptest.EndpointRoutedIPv6) == 0 {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-errc:
		t.Fatalf("the request did not hang: %v", err)
	case <-time.After(20 * time.Millisecond):
	}

	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on the hanging request")
	}
	if err := <-errc; err == nil || strings.Contains(err.Error(), "answered") {
		t.Errorf("the hanging request got %v, want a connection error", err)
	}
}

func TestHangEndsWhenTheClientGoes(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	srv := hostuptest.NewServer(hostuptest.DemoAccount(2))
	defer srv.Close()
	srv.FailTimes(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Hang: true}, 1)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v2/vps", nil)
	if res, err := srv.Client().Do(req); err == nil {
		res.Body.Close()
		t.Fatal("a hanging request was answered")
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the client's deadline", err)
	}
	// The next request is not held: FailTimes spent its one use.
	if r := get(t, srv, "/api/v2/vps"); r.status != http.StatusOK {
		t.Errorf("status %d", r.status)
	}
}

func TestCloseReleasesLatencyAndDelay(t *testing.T) {
	tests := []struct {
		name  string
		opts  []hostuptest.Option
		fault hostuptest.Fault
	}{
		{"latency", []hostuptest.Option{hostuptest.WithLatency(time.Hour)}, hostuptest.Fault{}},
		{"delay", nil, hostuptest.Fault{Delay: time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv := hostuptest.NewServer(nil, tt.opts...)
			srv.Fail(hostuptest.Target{}, tt.fault)
			errc := make(chan error, 1)
			go func() {
				res, err := srv.Client().Get(srv.URL + "/api/v2/vps")
				if err == nil {
					res.Body.Close()
				}
				errc <- err
			}()
			for srv.TotalCalls() == 0 {
				time.Sleep(time.Millisecond)
			}
			start := time.Now()
			srv.Close()
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Close took %v", d)
			}
			if err := <-errc; err == nil {
				t.Error("a held request was answered after Close")
			}
		})
	}
}

func TestSpinCursor(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(10))
	defer srv.Close()
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{SpinCursor: true})

	seen := map[string]bool{}
	path := "/api/v2/vps?limit=3"
	var firstID any
	for i := range 5 {
		p := decodePage(t, get(t, srv, path))
		if !*p.HasMore || p.NextCursor == nil || seen[*p.NextCursor] {
			t.Fatalf("page %d: hasMore %v, nextCursor %v (seen before: %t)", i, *p.HasMore, p.NextCursor, p.NextCursor != nil && seen[*p.NextCursor])
		}
		seen[*p.NextCursor] = true
		if i == 0 {
			firstID = p.Data[0]["id"]
		} else if p.Data[0]["id"] != firstID {
			t.Errorf("page %d starts with %v, want the same items again (%v)", i, p.Data[0]["id"], firstID)
		}
		path = "/api/v2/vps?limit=3&cursor=" + *p.NextCursor
	}
}

func TestNoPaginationFields(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(10))
	defer srv.Close()
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{NoPaginationFields: true})
	r := get(t, srv, "/api/v2/vps?limit=5")
	var p map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &p); err != nil || r.status != http.StatusOK {
		t.Fatalf("status %d, %s: %v", r.status, r.body, err)
	}
	var data []any
	if err := json.Unmarshal(p["data"], &data); err != nil || len(data) != 5 {
		t.Errorf("data %s, want a full page of 5", p["data"])
	}
	if len(p) != 1 {
		t.Errorf("page %s, want only data", r.body)
	}
}

func TestSetAndTruncateChangeTheNormalBody(t *testing.T) {
	docs := "/api/v2/vps/" + hostuptest.DocsVPSID + "/network"
	tests := []struct {
		name  string
		fault hostuptest.Fault
		path  string
		check func(t *testing.T, doc map[string]any, r response)
	}{
		{"a field of the wrong type", hostuptest.Fault{Set: map[string]any{"/interfaces/0/vlan": "112"}}, docs,
			func(t *testing.T, doc map[string]any, r response) {
				iface := doc["interfaces"].([]any)[0].(map[string]any)
				if iface["vlan"] != "112" || iface["mac"] == nil {
					t.Errorf("interface %v", iface)
				}
			}},
		{"an object sent as []", hostuptest.Fault{Set: map[string]any{"/limits": []any{}}}, docs,
			func(t *testing.T, doc map[string]any, r response) {
				if l, ok := doc["limits"].([]any); !ok || len(l) != 0 || doc["ipv4Limit"] == nil {
					t.Errorf("limits %v", doc["limits"])
				}
			}},
		{"raw JSON and appending", hostuptest.Fault{Set: map[string]any{
			"/interfaces/0/id": nil,
			"/interfaces/-":    json.RawMessage(`{"id": null, "mac": "52:54:00:00:00:02", "ip": []}`),
		}}, docs,
			func(t *testing.T, doc map[string]any, r response) {
				ifaces := doc["interfaces"].([]any)
				if len(ifaces) != 2 {
					t.Fatalf("%d interfaces", len(ifaces))
				}
				a, b := ifaces[0].(map[string]any), ifaces[1].(map[string]any)
				if id, ok := a["id"]; !ok || id != nil || b["id"] != nil || a["mac"] == b["mac"] {
					t.Errorf("interfaces %v", ifaces)
				}
			}},
		{"a list page", hostuptest.Fault{Set: map[string]any{"/data/0/billing": "n/a", "/extra": 1}}, "/api/v2/vps",
			func(t *testing.T, doc map[string]any, r response) {
				if doc["data"].([]any)[0].(map[string]any)["billing"] != "n/a" || doc["hasMore"] == nil {
					t.Errorf("page %s", r.body)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostuptest.NewServer(hostuptest.DocsAccount())
			defer srv.Close()
			srv.Fail(hostuptest.Target{}, tt.fault)
			r := get(t, srv, tt.path)
			var doc map[string]any
			if err := json.Unmarshal(r.body, &doc); err != nil || r.status != http.StatusOK {
				t.Fatalf("status %d, %s: %v", r.status, r.body, err)
			}
			tt.check(t, doc, r)
		})
	}

	t.Run("a pointer that does not resolve is a 500 saying so", func(t *testing.T) {
		srv := hostuptest.NewServer(hostuptest.DocsAccount())
		defer srv.Close()
		srv.Fail(hostuptest.Target{}, hostuptest.Fault{Set: map[string]any{"/interfaces/7/vlan": 1}})
		r := get(t, srv, docs)
		p := wantProblem(t, r, http.StatusInternalServerError, "internal_error")
		if !strings.Contains(*p.Detail, `/interfaces/7/vlan`) {
			t.Errorf("detail %q", *p.Detail)
		}
	})

	t.Run("Truncate cuts the real body", func(t *testing.T) {
		srv := hostuptest.NewServer(hostuptest.DocsAccount())
		defer srv.Close()
		whole := get(t, srv, docs).body
		srv.Fail(hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Truncate: 100})
		r := get(t, srv, docs)
		if r.status != http.StatusOK || string(r.body) != string(whole[:100]) || r.header.Get("Content-Length") != "100" {
			t.Errorf("status %d, Content-Length %s, body %q", r.status, r.header.Get("Content-Length"), r.body)
		}
	})

	t.Run("an empty 200 and a proxy's 502", func(t *testing.T) {
		srv := hostuptest.NewServer(hostuptest.DocsAccount())
		defer srv.Close()
		srv.FailTimes(hostuptest.Target{}, hostuptest.Fault{Body: []byte{}}, 1)
		srv.FailTimes(hostuptest.Target{}, hostuptest.Fault{Status: 502, Body: hostuptest.BadGatewayPage}, 1)
		if r := get(t, srv, docs); r.status != http.StatusOK || len(r.body) != 0 {
			t.Errorf("status %d, body %q", r.status, r.body)
		}
		r := get(t, srv, docs)
		if r.status != http.StatusBadGateway || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "502 Bad Gateway") {
			t.Errorf("status %d, %s, body %q", r.status, r.header.Get("Content-Type"), r.body)
		}
	})
}
