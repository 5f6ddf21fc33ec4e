package collector

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// The registry-free Gatherer serves exactly what the Collector does through
// a registry: the same families, HELP, TYPE and series, for two accounts
// whose families must be merged.
func TestGathererMatchesCollector(t *testing.T) {
	a := newFake(t, hostuptest.DemoAccount(12), hostuptest.WithPageSize(5))
	b := newFake(t, hostuptest.DocsAccount())
	y := "accounts:\n" +
		"  - {name: a, api_url: '" + a.URL + "', token_env: T}\n" +
		"  - {name: b, api_url: '" + b.URL + "', token_env: T}\n" +
		"scrape:\n  cache_ttl: 1h\n" // both paths serve the same read
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ResolveTokens(func(string) string { return testToken }); err != nil {
		t.Fatal(err)
	}
	e := newTestExporter(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

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
