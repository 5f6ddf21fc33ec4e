package collector

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// The docs' own examples, end to end through the fake API and the client:
// every metric of the contract appears with the values the docs give.
func TestDocsAccountGolden(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	compareGolden(t, e, "docs.prom", stateMetrics...)
}

// A realistic account: several list pages, blocked gates with codes, an
// extra gate, null policies, suspended VPSes that are listed but not read.
func TestDemoAccountGolden(t *testing.T) {
	srv := newFake(t, hostuptest.DemoAccount(12), hostuptest.WithPageSize(5))
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	compareGolden(t, e, "demo.prom", stateMetrics...)
}

func TestCollectAndLint(t *testing.T) {
	srv := newFake(t, hostuptest.DemoAccount(12), hostuptest.WithPageSize(5))
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	problems, err := testutil.GatherAndLint(scrape(t, e, 10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// Every metric of the contract is exported for the docs account; a
// regression that stops exporting one would otherwise only show as a
// shorter golden file.
func TestEveryContractMetricExported(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	e := newTestExporter(t, testConfig(t, srv.URL, "", ""))
	mfs, err := scrape(t, e, 10*time.Second).Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, mf := range mfs {
		got[mf.GetName()] = true
	}
	contract := append(append([]string{}, stateMetrics...),
		"hostup_scrape_duration_seconds", "hostup_api_request_duration_seconds",
		"hostup_last_success_timestamp_seconds", "hostup_vps_network_last_success_timestamp_seconds",
		"hostup_api_rate_limit_remaining")
	for _, name := range contract {
		if !got[name] && !slices.Contains(inventoryMetrics, name) {
			t.Errorf("%s not exported", name)
		}
	}
}
