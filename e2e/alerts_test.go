package e2e

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

var updateCaptures = flag.Bool("update-captures", false,
	"TestAlertsEndToEnd: rewrite alerts/testdata/*.prom from the real binary's output")

// healthAlerts are the rules about whether HostUp is being watched at all.
// TestAlertsEndToEnd requires each to be pending exactly where a fault
// explains it, and nowhere while everything is healthy.
var healthAlerts = []string{
	"HostUpExporterDown",
	"HostUpExporterAbsent",
	"HostUpAccountUnreadable",
	"HostUpDataStale",
	"HostUpRateLimited",
	"HostUpRateLimitBudgetLow",
	"HostUpVPSNetworkReadFailing",
	"HostUpConfigReloadFailed",
}

// planAlerts are about the account's plan, not about faults: each must be
// pending on the real output for the accounts named, which is their proof.
// DemoAccount shows most of them; planFull and planNoPool the rest.
var planAlerts = map[string][]string{
	"HostUpIPv4LimitExhausted":     {"healthy"},
	"HostUpIPChangeQuotaExhausted": {"healthy"},
	"HostUpActionBlocked":          {"healthy"},
	"HostUpIPv6LimitExhausted":     {"plan_full"},
	"HostUpRoutedPoolNearlyFull":   {"plan_full"},
	"HostUpRoutedIPv6NoPool":       {"plan_no_pool"},
}

// planFull is the demo account with the IPv6 quota of its first VPS used up
// and routes covering 15/16 of its first routed /48.
func planFull() *hostuptest.Account {
	acct := hostuptest.DemoAccount(alertVPS)
	one, zero := 1.0, 0.0
	n := acct.Networks[acct.VPS[0].ID]
	if n.Limits == nil {
		n.Limits = &hostup.Limits{}
	}
	n.Limits.IPv6 = &hostup.Limit{Total: &one, Used: &one, Available: &zero}
	pool := &acct.RoutedIPv6.Pools[0]
	tmpl := pool.Routes[0]
	for i, p := range []string{"2001:db8:1000:8000::/49", "2001:db8:1000:4000::/50", "2001:db8:1000:2000::/51", "2001:db8:1000:1000::/52"} {
		r := tmpl
		r.ID = fmt.Sprintf("ripv6rt_e2efull%d", i)
		r.Prefix = p
		length := float64(49 + i)
		r.PrefixLength = &length
		pool.Routes = append(pool.Routes, r)
	}
	return acct
}

// planNoPool is the demo account without a routed /48.
func planNoPool() *hostuptest.Account {
	acct := hostuptest.DemoAccount(alertVPS)
	acct.RoutedIPv6.Pools = []hostup.Pool{}
	return acct
}

// capturedFamilies are the families alerts/testdata keeps of a scrape: what
// the health rules read.
var capturedFamilies = []string{
	"hostup_up",
	"hostup_scrape_success",
	"hostup_last_success_timestamp_seconds",
	"hostup_vps_network_scrape_success",
	"hostup_vps_network_last_success_timestamp_seconds",
	"hostup_api_requests_total",
	"hostup_api_rate_limit_remaining",
	"hostup_api_rate_limit_limit",
	"hostup_api_rate_limit_reset_timestamp_seconds",
	"hostup_api_rate_limit_wait_until_timestamp_seconds",
	"hostup_config_last_reload_successful",
}

// faultCase is one account of the fault exporter: a row of the README's
// fault table, injected into its own fake API.
type faultCase struct {
	account string
	row     string // the README's fault table row it stands for
	opts    []hostuptest.Option
	// acct is the account the fake serves; nil: DemoAccount(alertVPS).
	acct func() *hostuptest.Account
	// inject puts the fault in place after the healthy phase.
	inject func(t *testing.T, srv *hostuptest.Server, token string)
	// want are the health alerts that must become pending for the account.
	want []string
}

const alertVPS = 4 // VPSes per fake account: DemoAccount(4), all active

// faultCases returns the accounts of the fault exporter.
func faultCases() []*faultCase {
	everything := hostuptest.Target{}
	fail := func(target hostuptest.Target, f hostuptest.Fault) func(*testing.T, *hostuptest.Server, string) {
		return func(_ *testing.T, srv *hostuptest.Server, _ string) { srv.Fail(target, f) }
	}
	unreadable := []string{"HostUpAccountUnreadable"}
	return []*faultCase{
		{account: "healthy", row: "(none)"},
		{account: "plan_full", row: "(none; IPv6 quota used up, routed pool 15/16 full)", acct: planFull},
		{account: "plan_no_pool", row: "(none; no routed /48)", acct: planNoPool},
		{account: "rate_limited", row: "429 rate limited",
			inject: fail(everything, hostuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 10 * time.Minute}),
			want:   []string{"HostUpAccountUnreadable", "HostUpRateLimited"}},
		{account: "server_error", row: "5xx",
			inject: fail(everything, hostuptest.Fault{Status: http.StatusInternalServerError}),
			want:   unreadable},
		{account: "unreachable", row: "transport error",
			// The fake is closed by inject: nothing listens any more.
			inject: func(_ *testing.T, srv *hostuptest.Server, _ string) { srv.Close() },
			want:   unreadable},
		{account: "hang", row: "API hangs",
			inject: fail(everything, hostuptest.Fault{Hang: true}),
			want:   unreadable},
		{account: "unauthorized", row: "401",
			inject: fail(everything, hostuptest.Fault{Status: http.StatusUnauthorized}),
			want:   unreadable},
		{account: "forbidden", row: "403",
			inject: fail(everything, hostuptest.Fault{Status: http.StatusForbidden, Code: "insufficient_scope"}),
			want:   unreadable},
		{account: "html_502", row: "malformed, truncated or HTML body (a proxy's 502 page)",
			inject: fail(everything, hostuptest.Fault{Status: http.StatusBadGateway, ContentType: "text/html",
				Body: []byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>\n")}),
			want: unreadable},
		{account: "truncated", row: "malformed, truncated or HTML body (truncated JSON)",
			inject: fail(everything, hostuptest.Fault{ContentType: "application/json", Body: []byte(`{"data":{"available":tr`)}),
			want:   unreadable},
		{account: "vps_read_failing", row: "one VPS's network read fails",
			inject: func(_ *testing.T, srv *hostuptest.Server, _ string) {
				srv.Fail(hostuptest.ForVPS(hostuptest.DemoAccount(alertVPS).VPS[1].ID), hostuptest.Fault{Status: http.StatusInternalServerError})
			},
			want: []string{"HostUpVPSNetworkReadFailing"}},
		{account: "cursor_loop", row: "list cursor repeats / endless list",
			opts:   []hostuptest.Option{hostuptest.WithPageSize(2)},
			inject: fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{RepeatCursor: true}),
			want:   unreadable},
		{account: "budget_low", row: "(rate-limit budget nearly spent by another client of the key)",
			opts:   []hostuptest.Option{hostuptest.WithRateLimit(4000, time.Hour)},
			inject: drainBudget,
			want:   []string{"HostUpRateLimitBudgetLow"}},
	}
}

// drainBudget spends the fake's rate-limit budget down to about 5%, as
// another client using the same key would.
func drainBudget(t *testing.T, srv *hostuptest.Server, token string) {
	const keep = 200 // of 4000
	remaining := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v2/routed-ipv6", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("draining the budget: %v", err)
			return 0
		}
		resp.Body.Close()
		var n int
		fmt.Sscan(resp.Header.Get("X-RateLimit-Remaining"), &n)
		return n
	}
	n := remaining()
	var wg sync.WaitGroup
	work := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				remaining()
			}
		}()
	}
	for i := 0; i < n-keep; i++ {
		work <- struct{}{}
	}
	close(work)
	wg.Wait()
}

// TestAlertsEndToEnd runs the real binary against the fake API in every
// failure mode of the README's fault table, scraped every second by a real
// Prometheus that evaluates alerts/hostup.rules.yml every second, and
// checks which alerts become pending:
//
//  1. healthy: every account and target works; no health alert may be
//     pending, at any evaluation (count_over_time over ALERTS);
//  2. faults: each account's fake API fails in its own way (one exporter
//     reads them all), one exporter is killed, one reloads a broken
//     config; each health alert must be pending where its fault is and
//     nowhere else;
//  3. the scrape job is removed from Prometheus: HostUpExporterAbsent.
//
// The job name is "hostup", as the README's prometheus.yml and the rules'
// job selector have it. "Pending" is enough: the for: durations are the
// promtool tests' business (alerts/hostup.rules.test.yml), fed with series
// this test captures into alerts/testdata (-update-captures rewrites them;
// otherwise their label sets are checked against this run's output).
func TestAlertsEndToEnd(t *testing.T) {
	requireTool(t, "prometheus")
	start := time.Now()
	dir := t.TempDir()

	// The fault exporter: one account per fault, each with its own fake.
	cases := faultCases()
	fakes := map[string]*hostuptest.Server{}
	tokens := map[string]string{}
	var cfg strings.Builder
	cfg.WriteString("scrape:\n  timeout: 400ms\n  max_backoff: 15m\naccounts:\n")
	for _, c := range cases {
		token := "tok-e2e-alerts-" + c.account
		tokens[c.account] = token
		acct := hostuptest.DemoAccount(alertVPS)
		if c.acct != nil {
			acct = c.acct()
		}
		srv := hostuptest.NewServer(withToken(acct, token), c.opts...)
		t.Cleanup(srv.Close)
		fakes[c.account] = srv
		writeFile(t, dir, c.account+".token", token+"\n")
		fmt.Fprintf(&cfg, "  - name: %s\n    api_url: %s\n    token_file: %s\n", c.account, srv.URL, filepath.Join(dir, c.account+".token"))
	}
	faulty := startExporter(t, "--config.file", writeFile(t, dir, "faults.yml", cfg.String()))

	// The exporter that is killed, and the one whose reload fails: one
	// healthy account each.
	healthyFake := newFake(t, withToken(hostuptest.DemoAccount(alertVPS), "tok-e2e-alerts-single"))
	writeFile(t, dir, "single.token", "tok-e2e-alerts-single\n")
	single := func(name string) string {
		return writeFile(t, dir, name+".yml", fmt.Sprintf("accounts:\n  - name: %s\n    api_url: %s\n    token_file: %s\n",
			name, healthyFake.URL, filepath.Join(dir, "single.token")))
	}
	victim := startVictim(t, single("victim"))
	reloaderCfg := single("reloader")
	reloader := startExporter(t, "--config.file", reloaderCfg)

	job := fmt.Sprintf(`
  - job_name: hostup
    static_configs:
      - targets: ['%s', '%s', '%s']
`, faulty.addr, victim.addr, reloader.addr)
	api, prom := startPrometheus(t, dir, job)

	// 1. Healthy.
	var lastErr error
	if !waitFor(30*time.Second, func() bool {
		n, err := api.query(`up{job="hostup"} == 1`)
		lastErr = err
		if err != nil || n != 3 {
			return false
		}
		n, err = api.query(`hostup_up == 1`)
		lastErr = err
		return err == nil && n == len(cases)+2
	}) {
		t.Fatalf("after 30s not every target and account is up (last error %v)", lastErr)
	}
	// Until the first scrape, absent(up) is true: let the rules see the
	// healthy targets for two evaluations, then check three more.
	time.Sleep(2 * time.Second)
	time.Sleep(3 * time.Second)
	healthSel := fmt.Sprintf(`ALERTS{alertname=~%q}`, strings.Join(healthAlerts, "|"))
	if got := alertSets(t, api, fmt.Sprintf(`max_over_time(%s[3s])`, healthSel)); len(got) > 0 {
		t.Errorf("health alerts pending while everything is healthy: %v", got)
	}
	healthyScrape := captureHealth(t, faulty)
	t.Logf("healthy phase checked after %v", time.Since(start).Round(time.Millisecond))

	// 2. Faults.
	for _, c := range cases {
		if c.inject != nil {
			c.inject(t, fakes[c.account], tokens[c.account])
		}
	}
	victim.kill()
	writeFile(t, dir, "reloader.yml", "accounts: [this is not an account\n")
	reloader.signal(syscall.SIGHUP)

	type key struct{ where, alert string }
	want := map[key]bool{
		{"instance " + victim.addr, "HostUpExporterDown"}:         true,
		{"instance " + reloader.addr, "HostUpConfigReloadFailed"}: true,
	}
	for _, c := range cases {
		for _, a := range c.want {
			want[key{"account " + c.account, a}] = true
		}
	}
	var got map[key]bool
	current := func() map[key]bool {
		out := map[key]bool{}
		alerts, err := api.alerts()
		lastErr = err
		for _, a := range alerts {
			name := a.Labels["alertname"]
			if !contains(healthAlerts, name) {
				continue
			}
			where := "instance " + a.Labels["instance"]
			if acct := a.Labels["account"]; acct != "" {
				where = "account " + acct
			}
			out[key{where, name}] = true
		}
		return out
	}
	all := func() bool {
		got = current()
		for k := range want {
			if !got[k] {
				return false
			}
		}
		return true
	}
	if !waitFor(30*time.Second, all) {
		var missing []string
		for k := range want {
			if !got[k] {
				missing = append(missing, fmt.Sprintf("%s on %s", k.alert, k.where))
			}
		}
		sort.Strings(missing)
		t.Errorf("after 30s of faults these alerts are not pending (last error %v):\n\t%s", lastErr, strings.Join(missing, "\n\t"))
	}
	// A few more evaluations, then nothing else may be pending.
	time.Sleep(3 * time.Second)
	got = current()
	var extra []string
	for k := range got {
		if !want[k] {
			extra = append(extra, fmt.Sprintf("%s on %s", k.alert, k.where))
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("alerts pending that no fault explains:\n\t%s", strings.Join(extra, "\n\t"))
	}
	for _, c := range cases {
		t.Logf("%-16s %-60s %v", c.account, c.row, c.want)
	}
	faultScrape := captureHealth(t, faulty)

	// The plan alerts on real output.
	for name, accounts := range planAlerts {
		for _, acct := range accounts {
			if n, err := api.query(fmt.Sprintf(`ALERTS{alertname=%q, account=%q}`, name, acct)); err != nil || n == 0 {
				t.Errorf("%s is not pending on account %s (err %v)", name, acct, err)
			}
		}
	}

	// 3. The targets are gone: service discovery lost them (Prometheus
	// marks their series stale, so up disappears at once; a removed job
	// would leave them for the 5m lookback).
	prom.reload(t, api, `
  - job_name: hostup
    static_configs: []
`)
	if !waitFor(20*time.Second, func() bool {
		n, err := api.query(`ALERTS{alertname="HostUpExporterAbsent"}`)
		lastErr = err
		return err == nil && n == 1
	}) {
		up, _ := api.vector(`up`)
		ab, _ := api.vector(`absent(up{job=~"hostup|hostup-exporter"})`)
		t.Errorf("HostUpExporterAbsent not pending 20s after the job was removed (last error %v); up: %v; absent: %v", lastErr, up, ab)
	}

	checkCaptures(t, map[string]string{"healthy.prom": healthyScrape, "faults.prom": faultScrape})
	t.Logf("done in %v", time.Since(start).Round(time.Millisecond))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// alertSets runs q and returns "alertname{labels}" for each result.
func alertSets(t *testing.T, api promAPI, q string) []string {
	t.Helper()
	rs, err := api.vector(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprint(r))
	}
	return out
}

// vector runs an instant query and returns the label sets of its result.
func (p promAPI) vector(q string) ([]map[string]string, error) {
	data, err := p.get("/api/v1/query", url.Values{"query": {q}})
	if err != nil {
		return nil, err
	}
	var d struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
		} `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, err
	}
	out := make([]map[string]string, len(d.Result))
	for i, r := range d.Result {
		out[i] = r.Metric
	}
	return out, nil
}

// startVictim starts an exporter that the test kills: the ordinary
// startExporter would report its death as a failure.
func startVictim(t *testing.T, cfg string) *exporter {
	t.Helper()
	addr := freeAddr(t)
	e := &exporter{t: t, addr: addr, url: "http://" + addr}
	e.proc = startProc(t, "hostup_exporter (victim)", exporterBin,
		[]string{"--web.listen-address=" + addr, "--config.file", cfg}, childEnv())
	if !waitFor(15*time.Second, func() bool {
		st, _, err := tryGet(http.DefaultClient, e.url+"/-/healthy", nil)
		return err == nil && st == http.StatusOK
	}) {
		t.Fatalf("victim exporter not healthy after 15s; stderr:\n%s", e.stderr.String())
	}
	return e
}

// captureHealth scrapes e and keeps the capturedFamilies, in exposition
// format, with HELP and TYPE.
func captureHealth(t *testing.T, e *exporter) string {
	t.Helper()
	_, body := e.metrics()
	keep := map[string]bool{}
	for _, f := range capturedFamilies {
		keep[f] = true
	}
	var b strings.Builder
	for _, line := range strings.Split(body, "\n") {
		name := line
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name = rest
		} else if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name = rest
		}
		if i := strings.IndexAny(name, "{ "); i >= 0 {
			name = name[:i]
		}
		if keep[name] {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// capturesDir holds the captured scrapes the promtool tests are written
// from.
func capturesDir() string { return filepath.Join(repoRoot, "alerts", "testdata") }

// checkCaptures writes the captures with -update-captures. Otherwise it
// requires the committed ones to have the same kinds of series (metric and
// label names: values such as timestamps, and whether a hung account's VPS
// series exist yet, change from run to run), and this run's output to have
// every captured series the promtool tests use.
func checkCaptures(t *testing.T, captures map[string]string) {
	t.Helper()
	current := map[string]bool{}
	for name, body := range captures {
		path := filepath.Join(capturesDir(), name)
		for s := range seriesSet(body) {
			current[s] = true
		}
		if *updateCaptures {
			head := "# Captured by TestAlertsEndToEnd (e2e/alerts_test.go) from the real binary;\n" +
				"# regenerate: go test ./e2e -run TestAlertsEndToEnd -update-captures\n"
			if err := os.MkdirAll(capturesDir(), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(head+body), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", path)
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run the test with -update-captures)", err)
			continue
		}
		want, got := shapes(string(raw)), shapes(body)
		for s := range want {
			if !got[s] {
				t.Errorf("%s has series %s, of a kind the binary no longer emits (rerun with -update-captures and check the promtool tests)", name, s)
			}
		}
		for s := range got {
			if !want[s] {
				t.Errorf("the binary now emits series %s, of a kind %s lacks (rerun with -update-captures)", s, name)
			}
		}
	}
	if *updateCaptures {
		return
	}
	accounts := map[string]bool{}
	for _, c := range faultCases() {
		accounts[c.account] = true
	}
	for _, in := range loadPromtoolInputs(t) {
		if !accounts[in.labels["account"]] {
			continue
		}
		own := map[string]string{}
		for k, v := range in.labels {
			if k != "job" && k != "instance" {
				own[k] = v
			}
		}
		if !current[seriesKey(in.name, own)] {
			t.Errorf("promtool test %q uses %s%v, which the binary did not emit in this run", in.test, in.name, own)
		}
	}
}

// seriesSet is the set of series of an exposition, as seriesKey has them.
func seriesSet(body string) map[string]bool {
	out := map[string]bool{}
	for name, f := range parseMetricsText(body) {
		for _, m := range f.GetMetric() {
			out[seriesKey(name, labelMap(m))] = true
		}
	}
	return out
}

// shapes is the set of metric names with their label names (and the
// endpoint and status values) of an exposition. API calls with status
// "error" are left out: whether a retry of a 5xx is cut by the scrape
// deadline (and so counted as "error") depends on timing.
func shapes(body string) map[string]bool {
	out := map[string]bool{}
	for name, f := range parseMetricsText(body) {
		for _, m := range f.GetMetric() {
			ls := labelMap(m)
			if name == "hostup_api_requests_total" && ls["status"] == "error" {
				continue
			}
			shape := map[string]string{}
			for k, v := range ls {
				if k != "endpoint" && k != "status" {
					v = ""
				}
				shape[k] = v
			}
			out[seriesKey(name, shape)] = true
		}
	}
	return out
}

func parseMetricsText(body string) metricSet {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		return nil
	}
	return fams
}

var (
	seriesRE     = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$`)
	labelPairsRE = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// promtoolSeries is an input series of alerts/hostup.rules.test.yml.
type promtoolSeries struct {
	test, name string
	labels     map[string]string
}

// loadPromtoolInputs reads the input series of the promtool tests.
func loadPromtoolInputs(t *testing.T) []promtoolSeries {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "alerts", "hostup.rules.test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Tests []struct {
			Name        string `yaml:"name"`
			InputSeries []struct {
				Series string `yaml:"series"`
			} `yaml:"input_series"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	var out []promtoolSeries
	for _, tc := range f.Tests {
		for _, in := range tc.InputSeries {
			m := seriesRE.FindStringSubmatch(strings.TrimSpace(in.Series))
			if m == nil {
				t.Errorf("test %q: cannot read series %s", tc.Name, in.Series)
				continue
			}
			s := promtoolSeries{test: tc.Name, name: m[1], labels: map[string]string{}}
			for _, p := range labelPairsRE.FindAllStringSubmatch(m[2], -1) {
				s.labels[p[1]] = p[2]
			}
			out = append(out, s)
		}
	}
	return out
}

// checkPromtoolInputs requires every input series of the promtool tests to
// look like what the binary emits: a metric it exports (or Prometheus'
// up), with exactly the label names it gives that metric, plus job and
// instance. A series of an account of the captures (alerts/testdata) must
// be one of the captured series.
func checkPromtoolInputs(t *testing.T, s *schema) {
	t.Helper()
	captured := map[string]bool{}
	accounts := map[string]bool{}
	for _, name := range []string{"healthy.prom", "faults.prom"} {
		raw, err := os.ReadFile(filepath.Join(capturesDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range parseMetrics(t, string(raw)) {
			for _, m := range f.GetMetric() {
				ls := labelMap(m)
				captured[seriesKey(f.GetName(), ls)] = true
				if a := ls["account"]; a != "" {
					accounts[a] = true
				}
			}
		}
	}
	for _, in := range loadPromtoolInputs(t) {
		where := fmt.Sprintf("promtool test %q: series %s%v", in.test, in.name, in.labels)
		want, ok := s.metricLabels(in.name)
		if !ok {
			t.Errorf("%s: the exporter does not emit %s", where, in.name)
			continue
		}
		for l := range in.labels {
			if !want[l] {
				t.Errorf("%s: %s has no label %s (it has %v)", where, in.name, l, want)
			}
		}
		if syntheticMetrics[in.name] {
			continue
		}
		for l := range want {
			// An empty label is the same as no label.
			if _, has := in.labels[l]; !has && l != "code" && l != "reason" {
				t.Errorf("%s: lacks label %s, which every %s series has", where, l, in.name)
			}
		}
		if accounts[in.labels["account"]] {
			own := map[string]string{}
			for k, v := range in.labels {
				if k != "job" && k != "instance" {
					own[k] = v
				}
			}
			if !captured[seriesKey(in.name, own)] {
				t.Errorf("%s: account %s is a captured one, but alerts/testdata has no such series", where, in.labels["account"])
			}
		}
	}
}

func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, ",%s=%q", k, labels[k])
	}
	return b.String()
}
