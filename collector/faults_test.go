package collector

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

const docsVPS = "vps_01hxa3b4c5d6e7f8g9h0j1k2m5"

// Each failure of the API shows in the health gauges and loses only the
// series it must; max_stale 0 so nothing is served from cache.
func TestFaults(t *testing.T) {
	cases := []struct {
		name   string
		target hostuptest.Target
		fault  hostuptest.Fault
		want   string
	}{
		{
			name:   "routed IPv6 internal error",
			target: hostuptest.Endpoint("routed_ipv6"),
			fault:  hostuptest.Fault{Status: 500, Code: "internal_error"},
			want: `
hostup_up{account="production"} 0
hostup_scrape_success{account="production",endpoint="routed_ipv6"} 0
hostup_scrape_success{account="production",endpoint="vps_list"} 1
hostup_scrape_success{account="production",endpoint="vps_network"} 1
hostup_vps_network_scrape_success{account="production",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
`,
		},
		{
			// With no list kept (max_stale 0) the VPSes to read are
			// unknown: vps_network is not a vacuous success.
			name:   "VPS list behind a proxy's HTML 502",
			target: hostuptest.Endpoint("vps_list"),
			fault:  hostuptest.Fault{Status: 502, Body: []byte("<html><body>502 Bad Gateway</body></html>"), ContentType: "text/html"},
			want: `
hostup_up{account="production"} 0
hostup_scrape_success{account="production",endpoint="routed_ipv6"} 1
hostup_scrape_success{account="production",endpoint="vps_list"} 0
hostup_scrape_success{account="production",endpoint="vps_network"} 0
`,
		},
		{
			name:   "VPS network read fails",
			target: hostuptest.ForVPS(docsVPS),
			fault:  hostuptest.Fault{Status: 503, Code: "upstream_unavailable"},
			want: `
hostup_up{account="production"} 1
hostup_scrape_success{account="production",endpoint="routed_ipv6"} 1
hostup_scrape_success{account="production",endpoint="vps_list"} 1
hostup_scrape_success{account="production",endpoint="vps_network"} 0
hostup_vps_network_scrape_success{account="production",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 0
`,
		},
		{
			name:   "VPS deleted between list and network read",
			target: hostuptest.ForVPS(docsVPS),
			fault:  hostuptest.Fault{Status: 404, Code: "vps_not_found"},
			want: `
hostup_up{account="production"} 1
hostup_scrape_success{account="production",endpoint="routed_ipv6"} 1
hostup_scrape_success{account="production",endpoint="vps_list"} 1
hostup_scrape_success{account="production",endpoint="vps_network"} 1
`,
		},
		{
			name:   "truncated JSON from the network endpoint",
			target: hostuptest.ForVPS(docsVPS),
			fault:  hostuptest.Fault{Status: 200, Body: []byte(`{"interfaces": [{"id": "net0"`), ContentType: "application/json"},
			want: `
hostup_up{account="production"} 1
hostup_scrape_success{account="production",endpoint="routed_ipv6"} 1
hostup_scrape_success{account="production",endpoint="vps_list"} 1
hostup_scrape_success{account="production",endpoint="vps_network"} 0
hostup_vps_network_scrape_success{account="production",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 0
`,
		},
		{
			name:   "key lacks read:network",
			target: hostuptest.Endpoint("routed_ipv6"),
			fault:  hostuptest.Fault{Status: 403, Code: "forbidden"},
			want: `
hostup_up{account="production"} 0
`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t, hostuptest.DocsAccount())
			srv.Fail(tc.target, tc.fault)
			e := newTestExporter(t, testConfig(t, srv.URL, "", "  max_stale: 0s\n"))
			g := scrape(t, e, 10*time.Second)
			names := healthMetrics
			if tc.target.Endpoint == "routed_ipv6" && tc.fault.Status == 403 {
				names = []string{"hostup_up"}
			}
			compareSamples(t, g, tc.want, names...)
		})
	}
}

// A failed VPS read loses only that VPS's network series.
func TestFailedVPSLosesOnlyItsSeries(t *testing.T) {
	acct := hostuptest.DemoAccount(6)
	srv := newFake(t, acct)
	victim := acct.VPS[0].ID
	srv.Fail(hostuptest.ForVPS(victim), hostuptest.Fault{Status: 500, Code: "internal_error"})
	e := newTestExporter(t, testConfig(t, srv.URL, "", "  max_stale: 0s\n"))
	out := exposition(t, scrape(t, e, 10*time.Second))
	for _, line := range splitLines(out) {
		// Routed IPv6 series name the VPS too; they come from another read,
		// and the info and inventory from the list.
		if hasLabel(line, "vps_id", victim) && strings.HasPrefix(line, "hostup_vps_") &&
			!startsWith(line, append([]string{"hostup_vps_network_scrape_success", "hostup_vps_info"}, inventoryMetrics...)...) {
			t.Errorf("series of the failed VPS still exported: %s", line)
		}
	}
	if !contains(out, `hostup_vps_network_scrape_success{account="production",vps_id="`+victim) {
		t.Error("failed VPS has no hostup_vps_network_scrape_success series")
	}
	for _, v := range acct.VPS[1:] {
		if v.ServiceStatus != "active" {
			continue
		}
		if !contains(out, `hostup_vps_ip_limit{account="production",family="ipv4",vps_id="`+v.ID+`"`) {
			t.Errorf("VPS %s lost its network series too", v.ID)
		}
	}
	if !contains(out, `hostup_routed_ipv6_pool_info{`) {
		t.Error("routed IPv6 series lost with max_stale 0")
	}
}

// A hanging API never holds a scrape past its deadline.
func TestHangingAPIBoundedByScrapeDeadline(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	srv.Fail(hostuptest.Endpoint("routed_ipv6"), hostuptest.Fault{Hang: true})
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	start := time.Now()
	g := scrape(t, e, 500*time.Millisecond)
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("scrape took %s with a 500ms deadline", took)
	}
	compareSamples(t, g, `
hostup_up{account="production"} 0
`, "hostup_up")
}

// Scrapes that arrive while a read is in flight share it: ten concurrent
// scrapes cost one round of calls.
func TestConcurrentScrapesCoalesce(t *testing.T) {
	acct := hostuptest.DemoAccount(8)
	srv := newFake(t, acct, hostuptest.WithLatency(50*time.Millisecond), hostuptest.WithPageSize(100))
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scrape(t, e, 10*time.Second)
		}()
	}
	wg.Wait()
	active := activeVPSes(acct)
	if got, want := srv.TotalCalls(), 1+1+active; got > want {
		t.Errorf("10 concurrent scrapes made %d API calls, want at most one round (%d)", got, want)
	}
}

// After a 429 no call is made until Retry-After has passed; scrapes in the
// window answer at once from the last good data.
func TestRetryAfterIsLaw(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	scrape(t, e, 10*time.Second) // good data in the cache

	srv.FailTimes(hostuptest.Endpoint("routed_ipv6"), hostuptest.Fault{Status: 429, Code: "rate_limit_exceeded", RetryAfter: time.Hour}, 1)
	scrape(t, e, 10*time.Second)
	srv.ResetCalls()

	start := time.Now()
	g := scrape(t, e, 10*time.Second)
	if took := time.Since(start); took > time.Second {
		t.Errorf("scrape inside the Retry-After window took %s", took)
	}
	if n := srv.TotalCalls(); n != 0 {
		t.Errorf("%d API calls inside the Retry-After window, want 0", n)
	}
	out := exposition(t, g)
	if !contains(out, `hostup_up{account="production"} 0`) {
		t.Error("hostup_up is not 0 while reads are skipped")
	}
	if !contains(out, `hostup_routed_ipv6_pool_info{`) || !contains(out, `hostup_vps_ip_limit{`) {
		t.Error("last good data not served inside the Retry-After window")
	}
}

// Within cache_ttl scrapes are served from memory.
func TestCacheTTL(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	e := newTestExporter(t, testConfig(t, srv.URL, "", "  cache_ttl: 1h\n"))
	scrape(t, e, 10*time.Second)
	first := srv.TotalCalls()
	if first != 3 {
		t.Fatalf("first scrape made %d calls, want 3 (routed, list, one network)", first)
	}
	g := scrape(t, e, 10*time.Second)
	if n := srv.TotalCalls(); n != first {
		t.Errorf("scrape within cache_ttl made %d more calls", n-first)
	}
	compareSamples(t, g, `
hostup_up{account="production"} 1
`, "hostup_up")
}

// Last good data is served when a read fails, within max_stale, and the
// success gauges still say this scrape's reads failed.
func TestLastGoodDataServedWithinMaxStale(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	e := newTestExporter(t, testConfig(t, srv.URL, "", "  max_stale: 10m\n"))
	scrape(t, e, 10*time.Second)
	srv.Fail(hostuptest.ForVPS(docsVPS), hostuptest.Fault{Status: 500, Code: "internal_error"})
	out := exposition(t, scrape(t, e, 10*time.Second))
	if !contains(out, `hostup_vps_network_scrape_success{account="production",vps_id="`+docsVPS+`",vps_name="web-01"} 0`) {
		t.Error("failed read not reported")
	}
	if !contains(out, `hostup_vps_ip_limit{account="production",family="ipv4",vps_id="`+docsVPS+`",vps_name="web-01"} 1`) {
		t.Error("last good network state not served")
	}
}
