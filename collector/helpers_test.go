package collector

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) {
	// Every round, retry and fake-API handler must be gone when a test ends.
	goleak.VerifyTestMain(m)
}

const testToken = "hu_test_6f1d2c3b4a59788796a5b4c3d2e1f0aa"

// stateMetrics are the metrics whose values do not depend on timing, for
// golden comparisons.
var stateMetrics = []string{
	"hostup_up", "hostup_scrape_success", "hostup_vps_network_scrape_success",
	"hostup_api_requests_total",
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

// testConfig parses a config for one account "production" pointed at url;
// extra is YAML appended under the account (indented 4) or, after a line
// "scrape:", the scrape section.
func testConfig(t testing.TB, url, account, scrape string) *config.Config {
	t.Helper()
	y := "accounts:\n  - name: production\n    api_url: " + url + "\n    token_env: HOSTUP_TEST_TOKEN\n" + account +
		"scrape:\n  timeout: 5s\n  concurrency: 4\n" + scrape
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, y)
	}
	if err := cfg.ResolveTokens(func(string) string { return testToken }); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testExporter is what main wires together for a scrape: the accounts of
// a config and the process-wide API-call metrics.
type testExporter struct {
	set *account.Set
	api *prometheus.Registry
}

// newTestExporter returns an exporter reading the fake API under cfg.
func newTestExporter(t testing.TB, cfg *config.Config) *testExporter {
	t.Helper()
	return newTestExporterWithLogger(t, cfg, log.NewNopLogger())
}

func newTestExporterWithLogger(t testing.TB, cfg *config.Config, logger log.Logger) *testExporter {
	t.Helper()
	m := NewAPIMetrics()
	set := account.NewSet(account.Env{Logger: logger, UserAgent: "hostup_exporter/test", Observer: m})
	if err := set.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(set.Close)
	api := prometheus.NewRegistry()
	api.MustRegister(m)
	return &testExporter{set: set, api: api}
}

// ApplyConfig applies a new config, as a reload does.
func (e *testExporter) ApplyConfig(cfg *config.Config) error { return e.set.Apply(cfg) }

// gatherer is one scrape of every account with ctx, through the production
// path (NewGatherer), with the API-call metrics beside it.
func (e *testExporter) gatherer(ctx context.Context) prometheus.Gatherer {
	var sources []Source
	for _, a := range e.set.All() {
		sources = append(sources, a)
	}
	tg := NewGatherer(ctx, sources...)
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, done, err := tg.Gather()
		// Copied out before done hands the series' memory back.
		mfs = copyFamilies(mfs)
		done()
		all, apiErr := prometheus.Gatherers{
			prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, err }),
			e.api,
		}.Gather()
		return all, apiErr
	})
}

// copyFamilies deep-copies metric families through their text form's
// protobuf fields.
func copyFamilies(mfs []*dto.MetricFamily) []*dto.MetricFamily {
	out := make([]*dto.MetricFamily, len(mfs))
	for i, mf := range mfs {
		out[i] = proto.Clone(mf).(*dto.MetricFamily)
	}
	return out
}

// newFake starts the fake API for acct with the test token.
func newFake(t testing.TB, acct *hostuptest.Account, opts ...hostuptest.Option) *hostuptest.Server {
	t.Helper()
	acct.Token = testToken
	srv := hostuptest.NewServer(acct, opts...)
	t.Cleanup(srv.Close)
	return srv
}

// scrape gathers one scrape of every account with a deadline.
func scrape(t testing.TB, e *testExporter, timeout time.Duration) prometheus.Gatherer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	// Gather once here so the scrape happens now; the gatherer replays it.
	mfs, err := e.gatherer(ctx).Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, nil })
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

// compareGolden collects one scrape of e and compares the named metrics
// with testdata/name, or rewrites the file under -update.
func compareGolden(t *testing.T, e *testExporter, name string, metrics ...string) {
	t.Helper()
	g := scrape(t, e, 10*time.Second)
	path := filepath.Join("testdata", name)
	if *update {
		out := exposition(t, g, metrics...)
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return // a second scrape would count more API calls
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

// activeVPSes is how many VPSes of acct the default config reads.
func activeVPSes(acct *hostuptest.Account) int {
	n := 0
	for _, v := range acct.VPS {
		if v.ServiceStatus == "active" {
			n++
		}
	}
	return n
}
