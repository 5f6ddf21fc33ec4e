package collector

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// The registry-free Gatherer serves exactly what the Collector does through
// a registry: the same families, HELP, TYPE and series, for two accounts
// whose families must be merged.
func TestGathererMatchesCollector(t *testing.T) {
	e, ctx := twoAccountExporter(t)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e.Collector(ctx))
	viaRegistry := lines(t, reg)
	viaGatherer := lines(t, e.Collector(ctx).Gatherer(nil))

	if len(viaRegistry) < 500 {
		t.Fatalf("only %d lines through the registry", len(viaRegistry))
	}
	if !slices.Equal(viaRegistry, viaGatherer) {
		for _, l := range viaRegistry {
			if !slices.Contains(viaGatherer, l) {
				t.Errorf("only through the registry: %s", l)
			}
		}
		for _, l := range viaGatherer {
			if !slices.Contains(viaRegistry, l) {
				t.Errorf("only through the gatherer: %s", l)
			}
		}
	}
}

// lines is the exposition of g, sorted, without the per-scrape timing.
func lines(t *testing.T, g prometheus.Gatherer) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(exposition(t, g), "\n") {
		if l != "" && !strings.Contains(l, "hostup_scrape_duration_seconds") {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// twoAccountExporter is an exporter of a demo account (a, 12 VPSes in pages
// of 5) and the docs' account (b), whose reads are cached for an hour so
// that every path serves the same read.
func twoAccountExporter(t *testing.T) (*Exporter, context.Context) {
	t.Helper()
	a := newFake(t, hostuptest.DemoAccount(12), hostuptest.WithPageSize(5))
	b := newFake(t, hostuptest.DocsAccount())
	y := "accounts:\n" +
		"  - {name: a, api_url: '" + a.URL + "', token_env: T}\n" +
		"  - {name: b, api_url: '" + b.URL + "', token_env: T}\n" +
		"scrape:\n  cache_ttl: 1h\n"
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ResolveTokens(func(string) string { return testToken }); err != nil {
		t.Fatal(err)
	}
	e := newTestExporter(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return e, ctx
}

// The gatherer builds series in pooled chunks that Release hands back:
// scrapes one after the other reuse them, and scrapes at the same time must
// never share them. Every answer must be the registry path's, whatever was
// released before or beside it (run with -race, an overlap is also a race).
func TestReleasedSeriesMemoryIsNotShared(t *testing.T) {
	e, ctx := twoAccountExporter(t)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e.Collector(ctx))
	want := strings.Join(lines(t, reg), "\n")

	for i := range 3 {
		g := e.Collector(ctx).Gatherer(nil)
		got := strings.Join(lines(t, g), "\n")
		g.Release()
		g.Release() // twice is harmless
		if got != want {
			t.Fatalf("sequential scrape %d differs from the registry's", i)
		}
	}

	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			g := e.Collector(ctx).Gatherer(nil)
			defer g.Release()
			mfs, err := g.Gather()
			if err != nil {
				t.Error(err)
				return
			}
			var b strings.Builder
			for _, mf := range mfs {
				if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
					t.Error(err)
					return
				}
			}
			got[i] = b.String()
		})
	}
	wg.Wait()
	for i := range got {
		p := expfmt.NewTextParser(model.UTF8Validation)
		mfs, err := p.TextToMetricFamilies(strings.NewReader(got[i]))
		if err != nil {
			t.Fatalf("concurrent scrape %d: %v", i, err)
		}
		g := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
			out := make([]*dto.MetricFamily, 0, len(mfs))
			for _, mf := range mfs {
				out = append(out, mf)
			}
			return out, nil
		})
		if s := strings.Join(lines(t, g), "\n"); s != want {
			t.Errorf("concurrent scrape %d differs from the registry's", i)
		}
	}
}
