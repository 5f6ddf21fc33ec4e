package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// mayBeEmpty lists the dashboard expressions that can legitimately return
// nothing on this test's fixture (matched by a substring of the
// expression), and why. They must still run without error.
var mayBeEmpty = map[string]string{
	"hostup_routed_ipv6_route_action_allowed": "the demo account blocks no route gate (canDelete is always allowed), so the blocked-route-gate query is empty",
}

// grafanaVars are the substitutions for the dashboard's variables.
var grafanaVars = strings.NewReplacer(
	"${account}", ".*", "$account", ".*",
	"${vps}", ".*", "$vps", ".*",
	"${__rate_interval}", "1m", "$__rate_interval", "1m",
	"${__interval}", "1m", "$__interval", "1m",
	"${__range}", "5m", "$__range", "5m",
)

var leftoverVarRE = regexp.MustCompile(`\$\{?[A-Za-z_]+`)

// promAPI talks to a Prometheus server's HTTP API.
type promAPI struct {
	base string
}

type promResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

func (p promAPI) get(path string, params url.Values) (json.RawMessage, error) {
	u := p.base + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	st, body, err := tryGet(http.DefaultClient, u, nil)
	if err != nil {
		return nil, err
	}
	var r promResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, fmt.Errorf("GET %s: status %d, not JSON: %.300s", path, st, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("GET %s: %s: %s", path, r.ErrorType, r.Error)
	}
	return r.Data, nil
}

// query runs an instant query and returns how many results it has.
func (p promAPI) query(q string) (int, error) {
	data, err := p.get("/api/v1/query", url.Values{"query": {q}})
	if err != nil {
		return 0, err
	}
	var d struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return 0, err
	}
	switch d.ResultType {
	case "vector", "matrix":
		var rs []json.RawMessage
		if err := json.Unmarshal(d.Result, &rs); err != nil {
			return 0, err
		}
		return len(rs), nil
	default: // scalar, string: always one value
		return 1, nil
	}
}

// series runs a series query and returns the label sets.
func (p promAPI) series(match string) ([]map[string]string, error) {
	now := time.Now()
	data, err := p.get("/api/v1/series", url.Values{
		"match[]": {match},
		"start":   {fmt.Sprint(now.Add(-5 * time.Minute).Unix())},
		"end":     {fmt.Sprint(now.Unix())},
	})
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	err = json.Unmarshal(data, &out)
	return out, err
}

type promAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

func (p promAPI) alerts() ([]promAlert, error) {
	data, err := p.get("/api/v1/alerts", nil)
	if err != nil {
		return nil, err
	}
	var d struct {
		Alerts []promAlert `json:"alerts"`
	}
	err = json.Unmarshal(data, &d)
	return d.Alerts, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestPrometheusEndToEnd is "a real Prometheus end to end": Debian's
// Prometheus scrapes the exporter (against the demo account) every second
// and evaluates the repository's alert rules; every dashboard query then
// runs through its HTTP API, and the blocked-gate alert shows up with the
// labels its rule promises.
func TestPrometheusEndToEnd(t *testing.T) {
	requireTool(t, "prometheus")
	const token = "tok-e2e-prometheus"
	acct := withToken(hostuptest.DemoAccount(25), token)
	srv := newFake(t, acct)

	// The fixture has some trouble, so that the panels about trouble have
	// something to show: one VPS's network read is always refused, and
	// another's first read is rate-limited.
	refused, limited := acct.VPS[4], acct.VPS[6]
	if refused.ServiceStatus != "active" || limited.ServiceStatus != "active" {
		t.Fatalf("fixture changed: VPS 4 and 6 of DemoAccount(25) should be active, are %s and %s", refused.ServiceStatus, limited.ServiceStatus)
	}
	srv.Fail(hostuptest.ForVPS(refused.ID), hostuptest.Fault{Status: http.StatusForbidden})
	srv.FailTimes(hostuptest.ForVPS(limited.ID), hostuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second}, 1)

	scraped := map[string]bool{"active": true, "suspended": true, "pending": true}
	dir := t.TempDir()
	writeFile(t, dir, "demo.token", token+"\n")
	cfg := writeFile(t, dir, "config.yml", fmt.Sprintf(`accounts:
  - name: demo
    api_url: %s
    token_file: demo.token
    vps:
      service_status: [active, suspended, pending]
`, srv.URL))
	e := startExporter(t, "--config.file", cfg)

	api, _ := startPrometheus(t, dir, fmt.Sprintf(`  - job_name: hostup
    static_configs:
      - targets: ['%s']
`, e.addr))

	t.Run("target is up", func(t *testing.T) {
		var lastErr error
		if !waitFor(20*time.Second, func() bool {
			n, err := api.query(`up{job="hostup"} == 1`)
			lastErr = err
			return err == nil && n == 1
		}) {
			t.Fatalf(`up{job="hostup"} == 1 has no result after 20s (last error: %v)`, lastErr)
		}
	})

	t.Run("dashboard queries", func(t *testing.T) {
		d, _ := loadDashboard(t)
		type q struct{ where, expr, reason string }
		var pending []q
		for _, de := range d.exprs() {
			expr := grafanaVars.Replace(de.expr)
			if v := leftoverVarRE.FindString(expr); v != "" {
				t.Errorf("%s: unknown variable %s in %s", de.where, v, de.expr)
				continue
			}
			reason := ""
			for k, r := range mayBeEmpty {
				if strings.Contains(expr, k) {
					reason = r
				}
			}
			pending = append(pending, q{de.where, expr, reason})
		}
		if len(pending) == 0 {
			t.Fatal("no dashboard expressions")
		}
		// rate() needs two samples in its window: poll until every query
		// that must have a result has one.
		deadline := time.Now().Add(25 * time.Second)
		for {
			var still []q
			mustWait := false
			for _, x := range pending {
				n, err := api.query(x.expr)
				switch {
				case err != nil:
					t.Errorf("%s: query failed: %v\n\texpr: %s", x.where, err, x.expr)
				case n == 0:
					still = append(still, x)
					mustWait = mustWait || x.reason == ""
				}
			}
			pending = still
			if !mustWait || time.Now().After(deadline) {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		for _, x := range pending {
			if x.reason != "" {
				t.Logf("%s: empty, as allowed: %s", x.where, x.reason)
				continue
			}
			t.Errorf("%s: no result after 25s of scrapes\n\texpr: %s", x.where, x.expr)
		}

		for _, dv := range d.vars(t) {
			sel := grafanaVars.Replace(dv.selector)
			if sel == "" {
				sel = fmt.Sprintf(`{%s!=""}`, dv.label)
			}
			series, err := api.series(sel)
			if err != nil {
				t.Errorf("%s: series query %s: %v", dv.where, sel, err)
				continue
			}
			values := map[string]bool{}
			for _, s := range series {
				if v := s[dv.label]; v != "" {
					values[v] = true
				}
			}
			if len(values) == 0 {
				t.Errorf("%s: label_values(%s, %s) has no values (%d series)", dv.where, sel, dv.label, len(series))
			}
		}
	})

	t.Run("blocked-gate alert", func(t *testing.T) {
		// What the demo account blocks, among what the exporter reads.
		type key struct{ gate, vpsID, action string }
		want := map[key]hostup.Gate{}
		names := map[string]string{}
		for _, v := range acct.VPS {
			names[v.ID] = v.Name
			if !scraped[v.ServiceStatus] || v.ID == refused.ID {
				continue
			}
			n := acct.Networks[v.ID]
			for action, avail := range map[string]*hostup.Limit{"canAddIpv4": n.Limits.IPv4, "canAddIpv6": n.Limits.IPv6} {
				g, ok := n.Actions[action]
				// The rule leaves blocks explained by a used-up quota
				// to the quota alerts.
				if ok && !g.Allowed && (avail == nil || avail.Available == nil || *avail.Available != 0) {
					want[key{"vps_network", v.ID, action}] = g
				}
			}
		}
		for _, dst := range acct.RoutedIPv6.Destinations {
			if g, ok := dst.Actions["canReceiveRoute"]; ok && !g.Allowed {
				want[key{"routed_ipv6_destination", dst.VPSID, "canReceiveRoute"}] = g
			}
		}
		gates := map[string]int{}
		for k := range want {
			gates[k.gate]++
		}
		if gates["vps_network"] == 0 || gates["routed_ipv6_destination"] == 0 {
			t.Fatalf("fixture changed: DemoAccount(25) should block gates of both rules, has %v", gates)
		}

		var got map[key]promAlert
		var lastErr error
		complete := func() bool {
			alerts, err := api.alerts()
			lastErr = err
			got = map[key]promAlert{}
			for _, a := range alerts {
				if a.Labels["alertname"] == "HostUpActionBlocked" {
					got[key{a.Labels["gate"], a.Labels["vps_id"], a.Labels["action"]}] = a
				}
			}
			for k := range want {
				if _, ok := got[k]; !ok {
					return false
				}
			}
			return true
		}
		if !waitFor(20*time.Second, complete) {
			var missing []string
			for k := range want {
				if _, ok := got[k]; !ok {
					missing = append(missing, fmt.Sprintf("%s %s on %s (%s)", k.gate, k.action, names[k.vpsID], k.vpsID))
				}
			}
			sort.Strings(missing)
			t.Fatalf("after 20s, HostUpActionBlocked is missing for %d blocked gates (last error %v):\n\t%s", len(missing), lastErr, strings.Join(missing, "\n\t"))
		}

		full := 0
		for k, a := range got {
			g, expected := want[k]
			where := fmt.Sprintf("HostUpActionBlocked{gate=%q, vps_name=%q, action=%q}", k.gate, a.Labels["vps_name"], k.action)
			if !expected {
				t.Errorf("%s: alert for a gate the demo account does not block (or the rule should leave to another alert): %v", where, a.Labels)
				continue
			}
			if a.State != "pending" && a.State != "firing" {
				t.Errorf("%s: state %q, want pending or firing", where, a.State)
			}
			for l, v := range map[string]string{
				"account":  "demo",
				"vps_id":   k.vpsID,
				"vps_name": names[k.vpsID],
				"action":   k.action,
				"reason":   deref(g.Reason),
				"code":     deref(g.Code),
			} {
				if a.Labels[l] != v {
					t.Errorf("%s: label %s = %q, want %q (labels %v)", where, l, a.Labels[l], v, a.Labels)
				}
			}
			if a.Labels["severity"] == "" {
				t.Errorf("%s: no severity label", where)
			}
			if desc := a.Annotations["description"]; !strings.Contains(desc, deref(g.Reason)) || !strings.Contains(desc, names[k.vpsID]) {
				t.Errorf("%s: description does not give the VPS and the reason %q:\n%s", where, deref(g.Reason), desc)
			}
			if a.Labels["reason"] != "" && a.Labels["code"] != "" && a.Labels["vps_id"] != "" && a.Labels["vps_name"] != "" && a.Labels["account"] != "" && a.Labels["action"] != "" {
				full++
			}
		}
		if full == 0 {
			t.Error("no HostUpActionBlocked alert carries all of account, vps_id, vps_name, action, reason and code")
		}
		t.Logf("%d HostUpActionBlocked alerts as expected (%v), %d with all six labels set", len(got), gates, full)
	})
}

// testPrometheus is a Prometheus server a test started.
type testPrometheus struct {
	proc    *proc
	cfgPath string
	header  string // the config before scrape_configs
}

// startPrometheus starts Debian's Prometheus on a free loopback port with
// the repository's alert rules, a 1s scrape and evaluation interval and
// scrapeConfigs (YAML list items, indented for "scrape_configs:"), and waits
// until it is ready. The test's cleanup stops it.
func startPrometheus(t *testing.T, dir, scrapeConfigs string) (promAPI, *testPrometheus) {
	t.Helper()
	promBin := requireTool(t, "prometheus")
	rules, err := filepath.Abs(rulesPath())
	if err != nil {
		t.Fatal(err)
	}
	tp := &testPrometheus{header: fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %s
`, rules)}
	tp.cfgPath = writeFile(t, dir, "prometheus.yml", tp.header+"scrape_configs:\n"+scrapeConfigs)
	api, prom := runPrometheus(t, promBin, dir, tp.cfgPath)
	tp.proc = prom
	return api, tp
}

// runPrometheus starts the Prometheus at promBin with the config file at
// cfgPath (its data in dir) on a free loopback port and waits until it is
// ready. The test's cleanup stops it and, when the test failed, logs its
// stderr.
func runPrometheus(t *testing.T, promBin, dir, cfgPath string) (promAPI, *proc) {
	t.Helper()
	promAddr := freeAddr(t)
	prom := startProc(t, "prometheus", promBin, []string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + promAddr,
	}, childEnv())
	t.Cleanup(func() {
		if !prom.exited() {
			_ = prom.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-prom.done:
			case <-time.After(10 * time.Second):
				t.Log("prometheus did not stop within 10s of SIGTERM; killing it")
			}
		}
		if t.Failed() {
			t.Logf("prometheus stderr:\n%s", prom.stderr.String())
		}
	})
	api := promAPI{base: "http://" + promAddr}
	if !waitFor(30*time.Second, func() bool {
		if prom.exited() {
			return true
		}
		st, _, err := tryGet(http.DefaultClient, api.base+"/-/ready", nil)
		return err == nil && st == http.StatusOK
	}) || prom.exited() {
		t.Fatalf("prometheus not ready after 30s (exited: %v, %v); stderr:\n%s", prom.exited(), prom.err, prom.stderr.String())
	}
	return api, prom
}

// reload replaces the scrape configs and has Prometheus reload its config
// (SIGHUP), waiting until it has.
func (tp *testPrometheus) reload(t *testing.T, api promAPI, scrapeConfigs string) {
	t.Helper()
	before := tp.reloads(api)
	if err := os.WriteFile(tp.cfgPath, []byte(tp.header+"scrape_configs:"+scrapeConfigs), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tp.proc.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return tp.reloads(api) > before }) {
		t.Fatalf("prometheus did not reload its config within 10s; stderr:\n%s", tp.proc.stderr.String())
	}
}

// reloads is the time of Prometheus' last successful config reload, from
// its own metrics (to the nanosecond, unlike its runtime info API).
func (tp *testPrometheus) reloads(api promAPI) float64 {
	st, body, err := tryGet(http.DefaultClient, api.base+"/metrics", nil)
	if err != nil || st != http.StatusOK {
		return 0
	}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, "prometheus_config_last_reload_success_timestamp_seconds "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	return 0
}
