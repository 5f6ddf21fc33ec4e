package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/fakeclock"
)

// sdAPI starts a fake API whose list has the docs' VPS, one with an IPv6
// primary address and its sizes and operating system, and one without a
// primary IP.
func sdAPI(t *testing.T, opts ...hostuptest.Option) *hostuptest.Server {
	t.Helper()
	acct := hostuptest.DocsAccount()
	acct.Token = testToken
	v6 := acct.VPS[0]
	v6.ID, v6.Name, v6.ServiceStatus = "vps_v6", "v6-only", "suspended"
	v6.PrimaryIP = ptr("2001:db8::10")
	v6.PowerState = nil
	v6.Resources = &hostup.Resources{CPUCores: ptr(2.0), MemoryGB: ptr(0.5)}
	osJSON := json.RawMessage(`{"name": "Debian 12"}`)
	v6.OperatingSystem = &osJSON
	noIP := acct.VPS[0]
	noIP.ID, noIP.Name, noIP.PrimaryIP = "vps_noip", "pending-01", nil
	acct.VPS = append(acct.VPS, v6, noIP)
	srv := hostuptest.NewServer(acct, opts...)
	t.Cleanup(srv.Close)
	return srv
}

// getSD serves target on h and decodes a 200 answer.
func getSD(t *testing.T, h http.Handler, target string) []TargetGroup {
	t.Helper()
	rec := serve(t.Context(), h, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, body:\n%s", target, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q, want application/json", target, ct)
	}
	var groups []TargetGroup
	if err := json.Unmarshal(rec.Body.Bytes(), &groups); err != nil {
		t.Fatalf("GET %s: %v\n%s", target, err, rec.Body)
	}
	return groups
}

// Every listed VPS with a primary IP is one target group, whatever its
// status, for every account; IPv6 in brackets; the port from ?port=.
func TestSDServesEveryListedVPS(t *testing.T) {
	apiA, apiB := sdAPI(t), sdAPI(t)
	env := newEnv(t, parseConfig(t, "", acct{"a", apiA.URL}, acct{"b", apiB.URL}), 0)
	h := env.h.SD()

	groups := getSD(t, h, "/sd")
	if len(groups) != 4 {
		t.Fatalf("%d target groups, want 4 (2 VPSes with a primary IP in each of 2 accounts): %+v", len(groups), groups)
	}
	want := []TargetGroup{
		{Targets: []string{"203.0.113.42:9100"}, Labels: map[string]string{
			"__meta_hostup_account": "a", "__meta_hostup_vps_id": hostuptest.DocsVPSID, "__meta_hostup_vps_name": "web-01",
			"__meta_hostup_service_status": "active", "__meta_hostup_power_state": "running", "__meta_hostup_primary_ip": "203.0.113.42",
		}},
		{Targets: []string{"[2001:db8::10]:9100"}, Labels: map[string]string{
			"__meta_hostup_account": "a", "__meta_hostup_vps_id": "vps_v6", "__meta_hostup_vps_name": "v6-only",
			"__meta_hostup_service_status": "suspended", "__meta_hostup_power_state": "", "__meta_hostup_primary_ip": "2001:db8::10",
			"__meta_hostup_cpu_cores": "2", "__meta_hostup_memory_gb": "0.5", "__meta_hostup_os": "Debian 12",
		}},
	}
	for i, w := range want {
		got := groups[i]
		if strings.Join(got.Targets, ",") != strings.Join(w.Targets, ",") {
			t.Errorf("group %d: targets %v, want %v", i, got.Targets, w.Targets)
		}
		if len(got.Labels) != len(w.Labels) {
			t.Errorf("group %d: labels %v, want %v", i, got.Labels, w.Labels)
		}
		for k, v := range w.Labels {
			if got.Labels[k] != v {
				t.Errorf("group %d: %s = %q, want %q", i, k, got.Labels[k], v)
			}
		}
	}
	if groups[2].Labels["__meta_hostup_account"] != "b" {
		t.Errorf("group 2 is of account %q, want b", groups[2].Labels["__meta_hostup_account"])
	}

	one := getSD(t, h, "/sd?account=b&port=9256")
	if len(one) != 2 || one[0].Targets[0] != "203.0.113.42:9256" || one[1].Targets[0] != "[2001:db8::10]:9256" {
		t.Errorf("/sd?account=b&port=9256: %+v", one)
	}
	for _, g := range one {
		if g.Labels["__meta_hostup_account"] != "b" {
			t.Errorf("/sd?account=b serves account %q", g.Labels["__meta_hostup_account"])
		}
	}
	for _, api := range []*hostuptest.Server{apiA, apiB} {
		if n := api.Calls(hostuptest.EndpointVPSNetwork) + api.Calls(hostuptest.EndpointRoutedIPv6); n != 0 {
			t.Errorf("discovery made %d network or routed-IPv6 calls, want none", n)
		}
		if n := api.Calls(hostuptest.EndpointVPSList); n != 1 {
			t.Errorf("two discoveries read the list %d times, want once (the second reuses it)", n)
		}
	}
}

// A bad port or an unknown account is a 400 that echoes no markup.
func TestSDBadRequests(t *testing.T) {
	api := sdAPI(t)
	env := newEnv(t, parseConfig(t, "", acct{"a", api.URL}), 0)
	h := env.h.SD()
	for _, target := range []string{
		"/sd?port=0", "/sd?port=65536", "/sd?port=-1", "/sd?port=abc", "/sd?port=9100.5",
		"/sd?port=%3Cscript%3Ealert(1)%3C/script%3E",
		"/sd?account=%3Cb%3Enope%3C/b%3E", "/sd?account=",
	} {
		rec := serve(t.Context(), h, target)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", target, rec.Code)
		}
		if body := rec.Body.String(); strings.ContainsAny(body, "<>") {
			t.Errorf("GET %s: the answer echoes markup: %q", target, body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("GET %s: Content-Type %q, want text/plain", target, ct)
		}
	}
	if rec := serve(t.Context(), h, "/sd?port=65535"); rec.Code != http.StatusOK {
		t.Errorf("port 65535: status %d", rec.Code)
	}
	if api.TotalCalls() != 1 {
		t.Errorf("bad requests made API calls: %d in all, want 1 (the good one)", api.TotalCalls())
	}
}

// With no list to give for an account, /sd answers 503 (Prometheus keeps
// its targets), naming the account and never the token; the other account
// alone is still served.
func TestSDWithoutListIs503(t *testing.T) {
	good, bad := sdAPI(t), sdAPI(t)
	bad.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Status: http.StatusForbidden, Code: "forbidden"})
	env := newEnv(t, parseConfig(t, "", acct{"good", good.URL}, acct{"bad", bad.URL}), 0)
	h := env.h.SD()

	rec := serve(t.Context(), h, "/sd")
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503; body:\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `account "bad"`) || strings.Contains(body, `account "good"`) {
		t.Errorf("the 503 should name account bad only: %s", body)
	}
	if strings.Contains(body, testToken) {
		t.Errorf("the 503 holds the token: %s", body)
	}
	if groups := getSD(t, h, "/sd?account=good"); len(groups) != 2 {
		t.Errorf("/sd?account=good: %d groups, want 2", len(groups))
	}
}

// Ten discoveries at once on a cold exporter cost one list read, and a
// discovery arriving while a scrape reads the list joins that read.
func TestSDSharesListReads(t *testing.T) {
	t.Run("cold exporter", func(t *testing.T) {
		api := sdAPI(t, hostuptest.WithLatency(100*time.Millisecond))
		env := newEnv(t, parseConfig(t, "", acct{"a", api.URL}), 0)
		sdTimes(t, env.h.SD(), 10)
		if n := api.Calls(hostuptest.EndpointVPSList); n != 1 {
			t.Errorf("ten discoveries read the list %d times, want 1", n)
		}
		if api.TotalCalls() != 1 {
			t.Errorf("%d API calls in all, want 1", api.TotalCalls())
		}
	})
	t.Run("scrape in flight", func(t *testing.T) {
		api := sdAPI(t, hostuptest.WithLatency(200*time.Millisecond))
		env := newEnv(t, parseConfig(t, "", acct{"a", api.URL}), 0)
		scraped := make(chan struct{})
		go func() {
			defer close(scraped)
			serve(t.Context(), env.h.Metrics(), "/metrics")
		}()
		waitFor(t, "the scrape's list read", func() bool { return api.Calls(hostuptest.EndpointVPSList) == 1 })
		sdTimes(t, env.h.SD(), 10)
		<-scraped
		if n := api.Calls(hostuptest.EndpointVPSList); n != 1 {
			t.Errorf("a scrape and ten discoveries read the list %d times, want 1", n)
		}
	})
}

// sdTimes serves n /sd requests at once and requires each to list the two
// VPSes with a primary IP.
func sdTimes(t *testing.T, h http.Handler, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := serve(t.Context(), h, "/sd")
			var groups []TargetGroup
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &groups) != nil || len(groups) != 2 {
				t.Errorf("/sd: status %d, body %s", rec.Code, rec.Body)
			}
		}()
	}
	wg.Wait()
}

// When the list read fails, /sd serves the last good list while it is
// younger than max_stale, then answers 503.
func TestSDServesLastGoodListWithinMaxStale(t *testing.T) {
	api := sdAPI(t)
	clk := fakeclock.New(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	cfg := parseConfig(t, "  max_stale: 10m\n", acct{"a", api.URL})
	set := account.NewSet(account.Env{UserAgent: "hostup_exporter/test", Now: clk.Now})
	t.Cleanup(set.Close)
	if err := set.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	h := (&Handlers{Accounts: set, Config: config.NewSafeConfig(cfg), Logger: log.NewNopLogger()}).SD()

	if groups := getSD(t, h, "/sd"); len(groups) != 2 {
		t.Fatalf("%d groups, want 2", len(groups))
	}
	api.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Status: http.StatusServiceUnavailable})
	clk.Advance(time.Minute) // the list is no longer recent: read again, and fail
	if groups := getSD(t, h, "/sd"); len(groups) != 2 {
		t.Errorf("within max_stale: %d groups, want the last good list's 2", len(groups))
	}
	if n := api.Calls(hostuptest.EndpointVPSList); n < 2 {
		t.Errorf("the list was read %d times, want a new (failed) read after a minute", n)
	}
	clk.Advance(10 * time.Minute)
	if rec := serve(t.Context(), h, "/sd"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("past max_stale: status %d, want 503; body:\n%s", rec.Code, rec.Body)
	}
}
