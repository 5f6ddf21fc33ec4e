package server

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/benchutil"
)

// BenchmarkScrape is a whole fresh scrape as the exporter serves it, through
// Handlers.Metrics: the routed-IPv6 read, the list in pages of 100, N
// network reads 16 at a time through the real client over loopback, the
// accounts' gatherer with the exporter's own metrics, text and gzip. N=1
// shows the fixed cost of a scrape. Run with
//
//	go test -run='^$' -bench=Scrape -benchmem ./server
//
// The fake API runs in this process, so its CPU is in the figures too;
// profiles separate the two (BENCHMARKS.md).
func BenchmarkScrape(b *testing.B) {
	cases := []struct {
		n       int
		latency time.Duration
	}{{1, 0}, {100, 0}, {1000, 0}, {5000, 0}, {1000, 20 * time.Millisecond}}
	for _, c := range cases {
		n := c.n
		name := fmt.Sprintf("N=%d", n)
		if c.latency > 0 {
			// The load test's setting: wall time is the API's, but
			// cpu-ns/vps shows what waiting on 16 slow calls costs.
			name += fmt.Sprintf("/latency=%v", c.latency)
		}
		b.Run(name, func(b *testing.B) {
			api := fakeAPI(b, hostuptest.WithPageSize(100), hostuptest.WithLatency(c.latency))
			demo := hostuptest.DemoAccount(n)
			demo.Token = testToken
			api.SetAccount(demo)
			// Every VPS read, 16 at a time, no cache: the load test's
			// configuration.
			cfg := parseConfig(b, "  timeout: 30s\n  concurrency: 16\n", acct{"production", api.URL})
			cfg.Accounts[0].VPS.ServiceStatus = []string{"active", "suspended", "pending", "unknown", "migrating"}
			env := newEnv(b, cfg, 0)
			// The exporter's own collectors, as main registers them.
			env.h.Self = SelfRegistry("hostup_exporter", env.apiMetrics)
			h := env.h.Metrics()
			req := benchutil.ScrapeRequest(true)
			calls := api.TotalCalls()
			scrapes := benchutil.PerVPS(b, n, func(w http.ResponseWriter) {
				h.ServeHTTP(w, req)
				benchutil.MustBeGzipped(b, w, true)
			})
			if per := float64(api.TotalCalls()-calls) / float64(scrapes); per != float64(1+(n+99)/100+n) {
				b.Errorf("%.1f API calls per scrape, want %d", per, 1+(n+99)/100+n)
			}
		})
	}
}
