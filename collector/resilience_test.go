package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/syncbuf"
)

// A list whose cursor repeats fails the list, but the VPSes of the last good
// list are still read.
func TestRepeatedCursorFallsBackToLastGoodList(t *testing.T) {
	acct := hostuptest.DemoAccount(12)
	srv := newFake(t, acct, hostuptest.WithPageSize(5))
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	scrape(t, e, 10*time.Second)

	srv.Fail(hostuptest.Endpoint("vps_list"), hostuptest.Fault{RepeatCursor: true})
	srv.ResetCalls()
	out := exposition(t, scrape(t, e, 10*time.Second), healthMetrics...)
	for _, want := range []string{
		`hostup_up{account="production"} 0`,
		`hostup_scrape_success{account="production",endpoint="vps_list"} 0`,
		`hostup_scrape_success{account="production",endpoint="vps_network"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	active := activeVPSes(acct)
	if got := srv.Calls("vps_network"); got != active {
		t.Errorf("%d network reads with a broken list, want %d (the last good list's active VPSes)", got, active)
	}
	if got := strings.Count(out, "hostup_vps_network_scrape_success{"); got != active {
		t.Errorf("%d VPS success series, want %d", got, active)
	}
}

// Slow answers past the scrape deadline: the scrape returns at its deadline
// with what it has, and the read goes on to fill the cache for the next.
func TestSlowAPIPartialScrape(t *testing.T) {
	// A round takes two latencies (routed and list, then the network read):
	// 2s, far beyond the deadline even on a loaded machine.
	srv := newFake(t, hostuptest.DocsAccount(), hostuptest.WithLatency(time.Second))
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	start := time.Now()
	g := scrape(t, e, 100*time.Millisecond)
	if took := time.Since(start); took > 800*time.Millisecond {
		t.Errorf("scrape with a 100ms deadline took %s", took)
	}
	compareSamples(t, g, `
hostup_up{account="production"} 0
`, "hostup_up")

	// The next scrape joins the read in flight and gets all of it.
	g = scrape(t, e, 5*time.Second)
	compareSamples(t, g, `
hostup_up{account="production"} 1
`, "hostup_up")
	if n := srv.Calls("routed_ipv6"); n != 1 {
		t.Errorf("routed IPv6 read %d times, want 1: the second scrape should join the first read", n)
	}
}

// max_requests_per_second paces the account's calls.
func TestPacing(t *testing.T) {
	acct := hostuptest.DemoAccount(6)
	srv := newFake(t, acct)
	e := newTestExporter(t, testConfig(t, srv.URL, "", "  max_requests_per_second: 20\n"))
	start := time.Now()
	scrape(t, e, 10*time.Second)
	took := time.Since(start)
	calls := srv.TotalCalls()
	// A burst of 1 at 20/s: the n-th call waits (n-1)/20 s.
	if min := time.Duration(calls-1) * 50 * time.Millisecond; took < min-10*time.Millisecond {
		t.Errorf("%d calls took %s with 20 calls/s, want at least %s", calls, took, min)
	}
}

// A rejected key is logged once, not on every scrape, and the log line says
// which scope is probably missing.
func TestAuthFailureLoggedOnce(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	srv.Fail(hostuptest.Endpoint("routed_ipv6"), hostuptest.Fault{Status: 403, Code: "forbidden"})
	var buf syncbuf.Buffer
	e := newTestExporterWithLogger(t, testConfig(t, srv.URL, "", ""), log.NewLogfmtLogger(&buf))
	for i := 0; i < 3; i++ {
		scrape(t, e, 5*time.Second)
	}
	logs := buf.String()
	if n := strings.Count(logs, "refused the key"); n != 1 {
		t.Errorf("auth failure logged %d times over 3 scrapes, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "read:network") {
		t.Errorf("log does not name the scope read:network:\n%s", logs)
	}
	if strings.Contains(logs, testToken) {
		t.Error("token in the log")
	}
}
