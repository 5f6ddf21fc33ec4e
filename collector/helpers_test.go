package collector

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// stateMetrics are the state metrics of the contract (shared/metrics.md)
// and the README: each must be rendered.
var stateMetrics = []string{
	"hostup_up", "hostup_scrape_success", "hostup_vps_network_scrape_success",
	"hostup_routed_ipv6_available", "hostup_routed_ipv6_pools", "hostup_routed_ipv6_pool_info",
	"hostup_routed_ipv6_routes", "hostup_routed_ipv6_route_info", "hostup_routed_ipv6_pool_allocated_ratio",
	"hostup_routed_ipv6_destinations", "hostup_routed_ipv6_action_allowed", "hostup_routed_ipv6_pool_action_allowed",
	"hostup_routed_ipv6_route_action_allowed", "hostup_routed_ipv6_destination_action_allowed",
	"hostup_vps_info", "hostup_vps_ip_limit", "hostup_vps_ip_used", "hostup_vps_ip_available",
	"hostup_vps_ip_reserved_public", "hostup_vps_ip_pool_available",
	"hostup_vps_ip_change_limit", "hostup_vps_ip_change_used", "hostup_vps_ip_change_remaining",
	"hostup_vps_ip_change_allowed", "hostup_vps_ip_change_next_reset_timestamp_seconds",
	"hostup_vps_interface_info", "hostup_vps_interface_link_up", "hostup_vps_interface_firewall_enabled",
	"hostup_vps_interface_addresses", "hostup_vps_private_subnet_ips_assigned",
	"hostup_vps_private_subnet_ips_capacity", "hostup_vps_network_action_allowed",
	"hostup_vps_cpu_cores", "hostup_vps_memory_bytes", "hostup_vps_disk_bytes", "hostup_vps_os_info",
}

// healthMetrics are the success gauges most fault tests compare.
var healthMetrics = []string{"hostup_up", "hostup_scrape_success", "hostup_vps_network_scrape_success"}

// snapshotOf is what a healthy scrape of acct shows: routed IPv6, the
// whole list, and the network of each VPS whose service status is active
// (the default service_status), each read now.
func snapshotOf(acct *hostuptest.Account) *account.Snapshot {
	now := time.Now()
	s := &account.Snapshot{
		Account:    "production",
		RoutedIPv6: acct.RoutedIPv6, RoutedIPv6LastSuccess: now, RoutedIPv6Status: account.Read,
		ListEnabled: true, List: acct.VPS, ListLastSuccess: now, ListStatus: account.Read,
		NetworkStatus: account.Read, NetworkLastSuccess: now,
	}
	for _, v := range acct.VPS {
		if v.ServiceStatus == "active" {
			s.VPS = append(s.VPS, account.VPSState{ID: v.ID, Name: v.Name, Network: acct.Networks[v.ID], LastSuccess: now, Status: account.Read})
		}
	}
	return s
}

// copyFamilies deep-copies metric families, so that they outlive the
// gatherer's done function.
func copyFamilies(mfs []*dto.MetricFamily) []*dto.MetricFamily {
	out := make([]*dto.MetricFamily, len(mfs))
	for i, mf := range mfs {
		out[i] = proto.Clone(mf).(*dto.MetricFamily)
	}
	return out
}

// gatherSnapshot renders a hand-built snapshot through the production path,
// checked by prometheus.Gatherers as a registry would check it.
func gatherSnapshot(t *testing.T, s *account.Snapshot) prometheus.Gatherer {
	t.Helper()
	mfs, done, err := NewGatherer(t.Context(), (*Snapshot)(s)).Gather()
	if err != nil {
		t.Fatal(err)
	}
	mfs = copyFamilies(mfs)
	done()
	checked, err := prometheus.Gatherers{prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, nil })}.Gather()
	if err != nil {
		t.Fatalf("the gathered series do not pass a registry's checks: %v", err)
	}
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return checked, nil })
}

// exposition renders the named metrics of g in the text format.
func exposition(t testing.TB, g prometheus.Gatherer, names ...string) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var b strings.Builder
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if len(names) == 0 || want[mf.GetName()] {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b.String()
}

// volatileMetrics depend on the clock of the scrape, not on the snapshot's
// data: golden files leave them out.
var volatileMetrics = []string{
	"hostup_scrape_duration_seconds", "hostup_last_success_timestamp_seconds",
	"hostup_vps_network_last_success_timestamp_seconds",
}

// compareGolden renders s and compares every metric but the volatile ones
// with testdata/name, or rewrites the file under -update. A metric added to
// a renderer thus shows in the golden file, or fails the test until the
// file is regenerated.
func compareGolden(t *testing.T, s *account.Snapshot, name string) {
	t.Helper()
	g := gatherSnapshot(t, s)
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var metrics []string
	for _, mf := range mfs {
		if !slices.Contains(volatileMetrics, mf.GetName()) {
			metrics = append(metrics, mf.GetName())
		}
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(exposition(t, g, metrics...)), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := testutil.GatherAndCompare(g, f, metrics...); err != nil {
		t.Error(err)
	}
}

// compareText compares the named metrics of g with inline exposition text.
func compareText(t *testing.T, g prometheus.Gatherer, want string, metrics ...string) {
	t.Helper()
	if err := testutil.GatherAndCompare(g, strings.NewReader(want), metrics...); err != nil {
		t.Error(err)
	}
}

// compareSamples compares the sample lines of the named metrics of g with
// want, one sample a line with labels in name order, leaving out the HELP
// and TYPE lines (the golden files check those).
func compareSamples(t *testing.T, g prometheus.Gatherer, want string, metrics ...string) {
	t.Helper()
	var got []string
	for _, line := range strings.Split(exposition(t, g, metrics...), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			got = append(got, line)
		}
	}
	wantLines := strings.Split(strings.TrimSpace(want), "\n")
	// Compared as sets of lines: the order is the registry's business.
	slices.Sort(got)
	slices.Sort(wantLines)
	if g, w := strings.Join(got, "\n"), strings.Join(wantLines, "\n"); g != w {
		t.Errorf("samples of %v:\ngot:\n%s\nwant:\n%s", metrics, g, w)
	}
}
