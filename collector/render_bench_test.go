package collector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/compress"
)

// Benchmarks of the render path, from decoded API state to the bytes of a
// /metrics answer. Run with
//
//	go test -run='^$' -bench=. -benchmem ./collector
//
// and profile one with -cpuprofile / -memprofile (see BENCHMARKS.md).

// allStatuses makes the exporter read every VPS of a demo account, not only
// the active ones, so that N VPSes cost N network reads.
const allStatuses = "    vps:\n      service_status: [active, suspended, pending, unknown, migrating]\n"

// BenchmarkCollectVPS renders one VPS's network state to metrics: the
// emitter's work per VPS, without the registry.
//   - docs: the API docs' example VPS, with a fresh emitter each time (the
//     cost for a one-VPS account);
//   - demo: the VPSes of a 1000-VPS demo account in turn, one emitter per
//     1000 (the cost per VPS inside a large scrape).
func BenchmarkCollectVPS(b *testing.B) {
	b.Run("docs", func(b *testing.B) {
		n := hostuptest.DocsAccount().Networks[hostuptest.DocsVPSID]
		b.ReportAllocs()
		series := 0
		for b.Loop() {
			e := newEmitter()
			e.seen.enterVPS()
			e.emitVPSNetwork("production", hostuptest.DocsVPSID, "web-01", n)
			e.seen.leaveVPS()
			series = countSeries(e)
			e.slab.release()
		}
		b.ReportMetric(float64(series), "series/op")
	})
	b.Run("demo", func(b *testing.B) {
		acct := hostuptest.DemoAccount(1000)
		var e *emitter
		i, series := 0, 0
		b.ReportAllocs()
		for b.Loop() {
			if i%len(acct.VPS) == 0 {
				if e != nil {
					series += countSeries(e)
					e.slab.release()
				}
				e = newEmitter()
			}
			v := &acct.VPS[i%len(acct.VPS)]
			e.seen.enterVPS()
			e.emitVPSNetwork("production", v.ID, v.Name, acct.Networks[v.ID])
			e.seen.leaveVPS()
			i++
		}
		series += countSeries(e)
		b.ReportMetric(float64(series)/float64(i), "series/op")
	})
}

func countSeries(e *emitter) int {
	n := 0
	for _, mf := range e.fams.families {
		n += len(mf.Metric)
	}
	return n
}

// serveSnapshot answers one scrape of a fixed snapshot through the
// production path (NewGatherer, promhttp's transactional handler).
func serveSnapshot(s *account.Snapshot, w http.ResponseWriter, req *http.Request) {
	promhttp.HandlerForTransactional(NewGatherer(req.Context(), (*Snapshot)(s)), promhttp.HandlerOpts{
		ErrorHandling:      promhttp.ContinueOnError,
		DisableCompression: true,
	}).ServeHTTP(w, req)
}

// demoSnapshot is what a fresh scrape of DemoAccount(n) shows when every VPS
// is read.
func demoSnapshot(n int) *account.Snapshot {
	acct := hostuptest.DemoAccount(n)
	now := time.Now()
	s := &account.Snapshot{
		Account:    "production",
		RoutedIPv6: acct.RoutedIPv6, RoutedIPv6LastSuccess: now, RoutedIPv6Status: account.Read,
		ListEnabled: true, List: acct.VPS, ListLastSuccess: now, ListStatus: account.Read,
		NetworkStatus: account.Read, NetworkLastSuccess: now,
	}
	for _, v := range acct.VPS {
		s.VPS = append(s.VPS, account.VPSState{ID: v.ID, Name: v.Name, Network: acct.Networks[v.ID], LastSuccess: now, Status: account.Read})
	}
	return s
}

// BenchmarkEmitSnapshot is one /metrics answer for an account of N VPSes
// whose state is already read, through the prometheus.Collector path: collect
// into a fresh registry, Gather, text encoding, and gzip as Prometheus asks
// for it (compress.Handler, as served). Per-VPS figures are reported beside
// the per-op ones. BenchmarkScrape has the gatherer server.Handlers uses.
func BenchmarkEmitSnapshot(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		s := demoSnapshot(n)
		for _, gz := range []bool{false, true} {
			name := fmt.Sprintf("N=%d/text", n)
			if gz {
				name += "+gzip"
			}
			b.Run(name, func(b *testing.B) {
				req := scrapeRequest(gz)
				h := compress.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					serveSnapshot(s, w, req)
				}))
				perVPS(b, n, func(w http.ResponseWriter) {
					h.ServeHTTP(w, req)
					mustBeGzipped(b, w, gz)
				})
			})
		}
	}
}

// BenchmarkScrape is a whole fresh scrape as the exporter serves it: the
// routed-IPv6 read, the list in pages of 100, N network reads 16 at a time
// through the real client over loopback, then the gatherer with the
// exporter's own collectors (as server.Handlers serves it), text and gzip.
// N=1 shows the fixed cost of a scrape.
// The fake API (no added latency) runs in this process, so its CPU is in
// ns/op too; profiles separate the two (BENCHMARKS.md).
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
			srv := newFake(b, hostuptest.DemoAccount(n), hostuptest.WithPageSize(100), hostuptest.WithLatency(c.latency))
			e := newTestExporter(b, benchConfig(b, srv.URL))
			req := scrapeRequest(true)
			self := selfRegistry()
			// As server.Handlers.serve: the accounts' gatherer with
			// the exporter's own metrics, gzipped by compress.Handler.
			h := compress.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				var sources []Source
				for _, a := range e.set.All() {
					sources = append(sources, a)
				}
				promhttp.HandlerForTransactional(withSelf{NewGatherer(ctx, sources...), self}, promhttp.HandlerOpts{
					ErrorHandling:      promhttp.ContinueOnError,
					DisableCompression: true,
				}).ServeHTTP(w, req)
			}))
			serve := func(w http.ResponseWriter) {
				h.ServeHTTP(w, req)
				mustBeGzipped(b, w, true)
			}
			calls := srv.TotalCalls()
			scrapes := perVPS(b, n, serve)
			if per := float64(srv.TotalCalls()-calls) / float64(scrapes); per != float64(1+(n+99)/100+n) {
				b.Errorf("%.1f API calls per scrape, want %d", per, 1+(n+99)/100+n)
			}
		})
	}
}

// withSelf is server.gatherers: one scrape's series and the exporter's own.
type withSelf struct {
	scrape prometheus.TransactionalGatherer
	self   prometheus.Gatherer
}

func (g withSelf) Gather() ([]*dto.MetricFamily, func(), error) {
	mfs, done, err := g.scrape.Gather()
	more, moreErr := g.self.Gather()
	all := append(mfs, more...)
	sort.Slice(all, func(i, j int) bool { return all[i].GetName() < all[j].GetName() })
	return all, done, errors.Join(err, moreErr)
}

// mustBeGzipped fails the benchmark unless the answer in w is gzipped
// exactly when gz: a benchmark must measure the encoding it claims to.
func mustBeGzipped(b *testing.B, w http.ResponseWriter, gz bool) {
	if got := w.Header().Get("Content-Encoding") == "gzip"; got != gz {
		b.Fatalf("answer gzipped: %v, want %v", got, gz)
	}
}

// selfRegistry holds the exporter's own collectors, as main.go builds it.
func selfRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		versioncollector.NewCollector("hostup_exporter"),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// benchConfig is the load test's configuration: every VPS read, 16 network
// reads at a time, no cache.
func benchConfig(b *testing.B, url string) *config.Config {
	b.Helper()
	cfg, err := config.Parse([]byte("accounts:\n  - name: production\n    api_url: " + url +
		"\n    token_env: HOSTUP_TEST_TOKEN\n" + allStatuses + "scrape:\n  timeout: 30s\n  concurrency: 16\n  cache_ttl: 0s\n"))
	if err != nil {
		b.Fatal(err)
	}
	if err := cfg.ResolveTokens(func(string) string { return testToken }); err != nil {
		b.Fatal(err)
	}
	return cfg
}

func scrapeRequest(gz bool) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1")
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "30")
	return req
}

// perVPS runs serve once per op into a counting writer and reports ns, bytes
// allocated and allocations per VPS, and the answer's size. It returns how
// many times it called serve.
func perVPS(b *testing.B, n int, serve func(http.ResponseWriter)) int {
	w := &countingWriter{header: http.Header{}}
	// One answer first, unmeasured: a fresh exporter's first scrape opens
	// its connections and decodes every body; later ones are the steady
	// state a Prometheus server sees.
	serve(w)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	ops := 0
	b.ReportAllocs()
	for b.Loop() {
		// A fresh header each time, as a new response has: a
		// Content-Encoding left from the last one would make the gzip
		// handler pass the next answer through uncompressed.
		w.n = 0
		clear(w.header)
		serve(w)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		ops++
	}
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	vps := float64(ops * n)
	// CPU of the whole process, all threads, GC included: with the API
	// delayed, wall time says little and this is what the load test's
	// per-VPS CPU measures of the exporter (plus the fake's share).
	b.ReportMetric(float64(cpu.Nanoseconds())/vps, "cpu-ns/vps")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/vps, "ns/vps")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/vps, "allocs/vps")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/vps, "B/vps")
	b.ReportMetric(float64(w.n), "body-bytes")
	return ops + 1
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingWriter is a ResponseWriter that keeps nothing but the size, so the
// benchmark does not measure a recorder's buffer.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(s int)   { w.status = s }
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)

// The tests below guard the optimisations the benchmarks above measure.

// Every sample is the series prometheus.MustNewConstMetric makes of the same
// descriptor, value and label values.
func TestSamplesAreConstMetrics(t *testing.T) {
	e := newEmitter()
	e.emitSnapshot(demoSnapshot(60), time.Second)
	defer e.slab.release()
	var samples []*sample
	for _, c := range e.slab.taken.samples {
		for i := range c {
			if c[i].desc != nil {
				samples = append(samples, &c[i])
			}
		}
	}
	n := 0
	for _, s := range samples {
		var got dto.Metric
		if err := s.Write(&got); err != nil {
			t.Fatal(err)
		}
		values := make([]string, len(s.labels.names))
		for _, p := range got.Label {
			i := slices.Index(s.labels.names, p.GetName())
			if i < 0 {
				t.Fatalf("%s: label %s not declared", s.desc, p.GetName())
			}
			values[i] = p.GetValue()
		}
		var want dto.Metric
		if err := prometheus.MustNewConstMetric(s.desc, s.vt, *got.Gauge.Value, values...).Write(&want); err != nil {
			t.Fatal(err)
		}
		if !sameSeries(&got, &want) {
			t.Fatalf("%s:\ngot  %v\nwant %v", s.desc, &got, &want)
		}
		n++
	}
	if n < 60*20 {
		t.Errorf("only %d series for 60 VPSes", n)
	}
}

func sameSeries(a, b *dto.Metric) bool {
	if len(a.Label) != len(b.Label) || a.Gauge == nil || b.Gauge == nil || a.GetGauge().GetValue() != b.GetGauge().GetValue() ||
		a.Counter != nil || a.Untyped != nil || a.TimestampMs != nil {
		return false
	}
	for i := range a.Label {
		if a.Label[i].GetName() != b.Label[i].GetName() || a.Label[i].GetValue() != b.Label[i].GetValue() {
			return false
		}
	}
	return true
}

// Duplicate series (a VPS listed twice, two interfaces with the same or a
// null id, a subnet listed twice) are dropped, so that a pedantic registry
// takes the scrape.
func TestDuplicateSeriesAreDropped(t *testing.T) {
	s := demoSnapshot(30)
	s.List = append(s.List, s.List[0], s.List[3])
	for i := range s.VPS {
		n := *s.VPS[i].Network
		n.Interfaces = append(append(slices.Clone(n.Interfaces), n.Interfaces...), hostup.Interface{}, hostup.Interface{})
		n.PrivateNetworks = slices.Clone(n.PrivateNetworks)
		for j := range n.PrivateNetworks {
			subnets := n.PrivateNetworks[j].Subnets
			n.PrivateNetworks[j].Subnets = append(slices.Clone(subnets), subnets...)
		}
		s.VPS[i].Network = &n
	}
	s.VPS = append(s.VPS, s.VPS[1]) // not from an Account, which reads each VPS once
	mfs, done, err := NewGatherer(t.Context(), (*Snapshot)(s)).Gather()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	for _, mf := range mfs {
		if mf.GetName() == "hostup_vps_interface_info" && len(mf.Metric) < 30 {
			t.Errorf("%d interface series for 30 VPSes", len(mf.Metric))
		}
	}
}

// A VPS whose network state changed is read and shown anew, although its
// unchanged neighbours are not decoded again.
func TestChangedNetworkIsShown(t *testing.T) {
	acct := hostuptest.DemoAccount(5)
	srv := newFake(t, acct)
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	const metric = "hostup_vps_ip_change_used"
	before := exposition(t, scrape(t, e, 10*time.Second), metric)

	changed := hostuptest.DemoAccount(5)
	changed.Token = acct.Token
	id := changed.VPS[0].ID
	used := 7.0
	changed.Networks[id].IPChangePolicy.UsedThisPeriod = &used
	srv.SetAccount(changed)
	after := exposition(t, scrape(t, e, 10*time.Second), metric)

	line := `hostup_vps_ip_change_used{account="production",vps_id="` + id + `",vps_name="web-01"} 7`
	if contains(before, line) || !contains(after, line) {
		t.Errorf("before:\n%s\nafter:\n%s\nwant %s only after", before, after, line)
	}
}
