package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// promtoolCheck pipes an exposition through `promtool check metrics`, which
// must print nothing and exit 0.
func promtoolCheck(t *testing.T, promtool, what, body string) {
	t.Helper()
	if promtool == "" {
		return // not installed, and not required: lookupTool said so
	}
	if !strings.Contains(body, "hostup_up") {
		// promtool accepts an empty input: make sure there is something
		// to check.
		t.Fatalf("%s: no hostup_up in the body to check:\n%s", what, body)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Errorf("promtool check metrics on %s: err %v, output:\n%s", what, err, out)
	}
}

// accountSeries lists the samples of the account's hostup_* families as
// name + labels, sorted.
func accountSeries(s metricSet, account string) []string {
	var keys []string
	for name, f := range s {
		if !strings.HasPrefix(name, "hostup_") || selfFamily(name) {
			continue
		}
		for _, m := range f.GetMetric() {
			if l := labelMap(m); l["account"] == account {
				keys = append(keys, name+fmt.Sprint(l))
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// selfFamily reports whether a hostup_* family is the exporter's own (no
// account label).
func selfFamily(name string) bool {
	return name == "hostup_exporter_build_info" || strings.HasPrefix(name, "hostup_config_")
}

func TestExposition(t *testing.T) {
	promtool := lookupTool(t, "promtool")

	type setup struct {
		name string
		// start returns the exporter and the accounts it serves.
		start func(t *testing.T) (*exporter, []string)
	}
	zeroConfig := func(acct *hostuptest.Account) func(t *testing.T) (*exporter, []string) {
		return func(t *testing.T) (*exporter, []string) {
			srv := newFake(t, withToken(acct, "tok-e2e-exposition-zero"))
			tokenFile := writeFile(t, t.TempDir(), "token", "tok-e2e-exposition-zero\n")
			e := startExporter(t, "--hostup.api-url", srv.URL, "--hostup.token-file", tokenFile)
			return e, []string{"default"}
		}
	}
	setups := []setup{
		{"zero-config/docs", zeroConfig(hostuptest.DocsAccount())},
		{"zero-config/demo25", zeroConfig(hostuptest.DemoAccount(25))},
		{"config-file/two-accounts", func(t *testing.T) (*exporter, []string) {
			docs := newFake(t, withToken(hostuptest.DocsAccount(), "tok-e2e-docs-account"))
			demo := newFake(t, withToken(hostuptest.DemoAccount(25), "tok-e2e-demo-account"))
			dir := t.TempDir()
			writeFile(t, dir, "docs.token", "tok-e2e-docs-account\n")
			writeFile(t, dir, "demo.token", "tok-e2e-demo-account\n")
			cfg := writeFile(t, dir, "config.yml", fmt.Sprintf(`accounts:
  - name: docs
    api_url: %s
    token_file: docs.token
  - name: demo
    api_url: %s
    token_file: demo.token
`, docs.URL, demo.URL))
			return startExporter(t, "--config.file", cfg), []string{"docs", "demo"}
		}},
	}

	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			e, accounts := s.start(t)

			all, body := e.metrics()
			promtoolCheck(t, promtool, "/metrics", body)
			for _, a := range accounts {
				requireValue(t, all, "hostup_up", map[string]string{"account": a}, 1)
			}
			if n := len(all["hostup_up"].GetMetric()); n != len(accounts) {
				t.Errorf("/metrics has %d hostup_up series, want one per account %v", n, accounts)
			}
			if len(all["hostup_exporter_build_info"].GetMetric()) == 0 {
				t.Error("/metrics has no hostup_exporter_build_info")
			}
			var goFam, procFam bool
			for name := range all {
				goFam = goFam || strings.HasPrefix(name, "go_")
				procFam = procFam || strings.HasPrefix(name, "process_")
			}
			if !goFam || !procFam {
				t.Errorf("/metrics: go_ metrics present %v, process_ metrics present %v; want both", goFam, procFam)
			}
			// Every HostUp-derived series names one of the accounts.
			known := map[string]bool{}
			for _, a := range accounts {
				known[a] = true
			}
			for name, f := range all {
				if !strings.HasPrefix(name, "hostup_") || selfFamily(name) {
					continue
				}
				for _, m := range f.GetMetric() {
					if a, ok := labelMap(m)["account"]; !ok || !known[a] {
						t.Errorf("/metrics: %s%v has no account label of %v", name, labelMap(m), accounts)
					}
				}
			}

			for _, a := range accounts {
				st, pbody := e.get("/probe?account=" + url.QueryEscape(a))
				if st != http.StatusOK {
					t.Fatalf("/probe?account=%s: status %d: %s", a, st, pbody)
				}
				promtoolCheck(t, promtool, "/probe?account="+a, pbody)
				probe := parseMetrics(t, pbody)
				requireValue(t, probe, "hostup_up", map[string]string{"account": a}, 1)
				for name, f := range probe {
					if !strings.HasPrefix(name, "hostup_") || selfFamily(name) {
						t.Errorf("/probe?account=%s serves %s, want only the account's hostup_ series", a, name)
						continue
					}
					for _, m := range f.GetMetric() {
						if got := labelMap(m)["account"]; got != a {
							t.Errorf("/probe?account=%s serves %s%v of account %q", a, name, labelMap(m), got)
						}
					}
				}
				// Same series as /metrics has for that account.
				if want, got := accountSeries(all, a), accountSeries(probe, a); strings.Join(want, "\n") != strings.Join(got, "\n") {
					t.Errorf("/probe?account=%s: %d series, /metrics has %d of that account; first difference: %s",
						a, len(got), len(want), firstDiff(want, got))
				}
			}

			for _, q := range []string{"", "?account=", "?account=no-such-account", "?account=" + url.QueryEscape("<script>alert(1)</script>")} {
				st, b := e.get("/probe" + q)
				if st != http.StatusBadRequest {
					t.Errorf("GET /probe%s: status %d, want 400; body: %s", q, st, b)
				}
				if strings.Contains(b, "<script>") {
					t.Errorf("GET /probe%s echoes <script> in its body: %s", q, b)
				}
				if strings.Contains(b, "hostup_up") {
					t.Errorf("GET /probe%s served metrics: %s", q, b)
				}
			}
		})
	}
}

// firstDiff describes the first element in which two sorted lists differ.
func firstDiff(want, got []string) string {
	for i := 0; i < len(want) || i < len(got); i++ {
		switch {
		case i >= len(got):
			return "missing " + want[i]
		case i >= len(want):
			return "extra " + got[i]
		case want[i] != got[i]:
			return fmt.Sprintf("want %s, got %s", want[i], got[i])
		}
	}
	return "none"
}

// A Prometheus scrape timeout of 1s bounds a scrape even when the API hangs.
func TestScrapeTimeoutHeader(t *testing.T) {
	srv := newFake(t, withToken(hostuptest.DemoAccount(3), "tok-e2e-timeout"))
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Hang: true})
	tokenFile := writeFile(t, t.TempDir(), "token", "tok-e2e-timeout")
	e := startExporter(t, "--hostup.api-url", srv.URL, "--hostup.token-file", tokenFile)

	hdr := http.Header{"X-Prometheus-Scrape-Timeout-Seconds": {"1"}}
	// Prometheus would give up after its 1s; give up a little later.
	client := &http.Client{Timeout: 5 * time.Second}
	start := time.Now()
	st, body := mustGet(t, client, e.url+"/metrics", hdr)
	took := time.Since(start)
	if st != http.StatusOK {
		t.Fatalf("status %d: %s", st, body)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("scrape with X-Prometheus-Scrape-Timeout-Seconds: 1 took %v, want under 1.5s", took)
	}
	m := parseMetrics(t, body)
	requireValue(t, m, "hostup_up", map[string]string{"account": "default"}, 0)
	requireValue(t, m, "hostup_scrape_success", map[string]string{"account": "default", "endpoint": "routed_ipv6"}, 0)
	if srv.Calls(hostuptest.EndpointRoutedIPv6) == 0 {
		t.Error("the exporter never called the hanging endpoint")
	}
}
