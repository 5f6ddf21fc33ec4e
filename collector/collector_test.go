package collector

import (
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// The docs' own examples: every metric of the contract appears with the
// values the docs give.
func TestDocsAccountGolden(t *testing.T) {
	compareGolden(t, snapshotOf(hostuptest.DocsAccount()), "docs.prom")
}

// A realistic account: blocked gates with codes, an extra gate, null
// policies, suspended VPSes that are listed but not read.
func TestDemoAccountGolden(t *testing.T) {
	compareGolden(t, snapshotOf(hostuptest.DemoAccount(12, hostuptest.DemoNow(hostuptest.DemoEpoch))), "demo.prom")
}

func TestGatherAndLint(t *testing.T) {
	problems, err := testutil.GatherAndLint(gatherSnapshot(t, snapshotOf(hostuptest.DemoAccount(12))))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// Every state metric of the contract is rendered from the docs account; a
// regression that stops rendering one would otherwise only show as a
// shorter golden file.
func TestEveryContractMetricRendered(t *testing.T) {
	s := snapshotOf(hostuptest.DocsAccount())
	s.RateLimit.Remaining, s.RateLimit.HasRemaining = 10, true
	mfs, err := gatherSnapshot(t, s).Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, mf := range mfs {
		got[mf.GetName()] = true
	}
	contract := append(append([]string{}, stateMetrics...),
		"hostup_scrape_duration_seconds", "hostup_last_success_timestamp_seconds",
		"hostup_vps_network_last_success_timestamp_seconds", "hostup_api_rate_limit_remaining")
	for _, name := range contract {
		if !got[name] && !slices.Contains(inventoryMetrics, name) {
			t.Errorf("%s not rendered", name)
		}
	}
}
