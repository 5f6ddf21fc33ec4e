package collector

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/benchutil"
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
	for i := range acct.VPS {
		acct.VPS[i].ServiceStatus = "active"
	}
	return snapshotOf(acct)
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
				req := benchutil.ScrapeRequest(gz)
				h := compress.Handler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
					serveSnapshot(s, w, req)
				}))
				benchutil.PerVPS(b, n, func(w http.ResponseWriter) {
					h.ServeHTTP(w, req)
					benchutil.MustBeGzipped(b, w, gz)
				})
			})
		}
	}
}

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
		if err := prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, *got.Gauge.Value, values...).Write(&want); err != nil {
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
	src := &reportingSnapshot{fixed: (*Snapshot)(s)}
	mfs, done, err := NewGatherer(t.Context(), src).Gather()
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if _, err := (prometheus.Gatherers{prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, nil })}).Gather(); err != nil {
		t.Fatalf("a registry would refuse the scrape: %v", err)
	}
	var counted float64
	for _, mf := range mfs {
		switch mf.GetName() {
		case "hostup_vps_interface_info":
			if len(mf.Metric) < 30 {
				t.Errorf("%d interface series for 30 VPSes", len(mf.Metric))
			}
		case "hostup_scrape_duplicate_series":
			counted = mf.Metric[0].GetGauge().GetValue()
		}
	}
	reported := 0
	for _, n := range src.reported {
		reported += n
	}
	if counted == 0 || float64(reported) != counted || src.reported["hostup_vps_info"] != 2 || src.reported["hostup_vps_network_scrape_success"] != 1 {
		t.Errorf("duplicates: %v exported, %v reported to the source", counted, src.reported)
	}
}

// reportingSnapshot is a fixed snapshot that keeps what was reported to it.
type reportingSnapshot struct {
	fixed    *Snapshot
	reported map[string]int
}

func (r *reportingSnapshot) Name() string { return r.fixed.Name() }
func (r *reportingSnapshot) Snapshot(ctx context.Context) *account.Snapshot {
	return r.fixed.Snapshot(ctx)
}

func (r *reportingSnapshot) ReportDuplicates(m map[string]int) { r.reported = m }
