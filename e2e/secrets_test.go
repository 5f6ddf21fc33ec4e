package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// secretSuffix is the random-looking part of the token; a leak of any
// prefix-redacted or truncated form would still show it.
const secretSuffix = "7f3c9a1e5b2d8046"

// secretToken is distinctive enough to be found anywhere it leaks.
const secretToken = "hu_SECRET_e2e_" + secretSuffix

// leakScenario is one state of the fake API, and what a scrape must show
// for it (proof that the failure path really ran).
type leakScenario struct {
	name  string
	setup func(srv *hostuptest.Server)
	// check inspects a /metrics scrape taken in that state, and the scrape
	// before it (the previous state's last).
	check func(t *testing.T, before, m metricSet)
}

// requireStatusCounted requires hostup_api_requests_total{status} to have
// grown since before.
func requireStatusCounted(t *testing.T, before, m metricSet, status string) {
	t.Helper()
	sel := map[string]string{"status": status}
	if was, now := before.sum("hostup_api_requests_total", sel), m.sum("hostup_api_requests_total", sel); now <= was {
		t.Errorf("hostup_api_requests_total{status=%q} went from %v to %v: the scenario did not reach the exporter", status, was, now)
	}
}

func requireDown(t *testing.T, m metricSet) {
	t.Helper()
	requireValue(t, m, "hostup_up", map[string]string{"account": "default"}, 0)
}

// echo is a body that repeats the key, as a misbehaving proxy or API might.
func echoProblem(status int) []byte {
	return []byte(fmt.Sprintf(`{"type":"https://developer.hostup.se/errors/x","title":"key %[1]s","status":%[2]d,"detail":"Bearer %[1]s refused","code":"c_%[1]s","requestId":"req_%[1]s"}`, secretToken, status))
}

func leakScenarios() []leakScenario {
	all := hostuptest.Target{} // every endpoint
	fault := func(f hostuptest.Fault) func(srv *hostuptest.Server) {
		return func(srv *hostuptest.Server) { srv.Fail(all, f) }
	}
	return []leakScenario{
		{"success", func(*hostuptest.Server) {}, func(t *testing.T, before, m metricSet) {
			requireValue(t, m, "hostup_up", map[string]string{"account": "default"}, 1)
			requireStatusCounted(t, before, m, "200")
		}},
		{"401 on every endpoint (wrong key)", func(srv *hostuptest.Server) {
			srv.SetAccount(withToken(hostuptest.DemoAccount(3), "hu_some_other_key_0000"))
		}, func(t *testing.T, before, m metricSet) {
			requireDown(t, m)
			requireStatusCounted(t, before, m, "401")
		}},
		{"401 problem echoing the key", fault(hostuptest.Fault{Status: 401, Body: echoProblem(401), ContentType: "application/problem+json"}),
			func(t *testing.T, before, m metricSet) { requireDown(t, m); requireStatusCounted(t, before, m, "401") }},
		{"403 problem echoing the key", fault(hostuptest.Fault{Status: 403, Body: echoProblem(403), ContentType: "application/problem+json"}),
			func(t *testing.T, before, m metricSet) { requireDown(t, m); requireStatusCounted(t, before, m, "403") }},
		{"500 problem echoing the key", fault(hostuptest.Fault{Status: 500, Body: echoProblem(500), ContentType: "application/problem+json"}),
			func(t *testing.T, before, m metricSet) { requireDown(t, m); requireStatusCounted(t, before, m, "500") }},
		{"HTML 502 echoing the key", fault(hostuptest.Fault{Status: 502, ContentType: "text/html; charset=utf-8",
			Body: []byte("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><pre>Authorization: Bearer " + secretToken + "</pre></body></html>")}),
			func(t *testing.T, before, m metricSet) { requireDown(t, m); requireStatusCounted(t, before, m, "502") }},
		{"malformed JSON echoing the key", fault(hostuptest.Fault{Status: 200, ContentType: "application/json",
			Body: []byte(`{"available": "` + secretToken + `", "pools": [{"id": "` + secretToken)}),
			func(t *testing.T, before, m metricSet) { requireDown(t, m); requireStatusCounted(t, before, m, "200") }},
		{"429 echoing the key", fault(hostuptest.Fault{Status: 429, RetryAfter: time.Second, ContentType: "application/problem+json", Body: echoProblem(429)}),
			func(t *testing.T, before, m metricSet) { requireDown(t, m); requireStatusCounted(t, before, m, "429") }},
	}
}

// TestTokenNeverLeaks runs every failure the API can produce at debug level,
// in both log formats, with the key from a file and from the environment,
// and looks for the key in everything the exporter writes or serves.
func TestTokenNeverLeaks(t *testing.T) {
	for _, tc := range []struct {
		format string
		source string // "file" or "env"
	}{
		{"logfmt", "file"},
		{"json", "env"},
	} {
		t.Run(tc.format+"/token-"+tc.source, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, withToken(hostuptest.DemoAccount(3), secretToken))
			dir := t.TempDir()
			tokenFile := writeFile(t, dir, "token", secretToken+"\n")
			o := exporterOpts{args: []string{"--hostup.api-url", srv.URL, "--log.level=debug", "--log.format=" + tc.format}}
			if tc.source == "file" {
				o.args = append(o.args, "--hostup.token-file", tokenFile)
			} else {
				o.env = []string{"HOSTUP_API_TOKEN=" + secretToken}
			}
			e := startExporterOpts(t, o)

			// The key must not be on the command line: it only comes from
			// the file or the environment.
			cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(e.cmd.Process.Pid) + "/cmdline")
			if err != nil {
				t.Fatalf("reading the exporter's command line: %v", err)
			}
			if len(cmdline) == 0 || strings.Contains(string(cmdline), secretSuffix) {
				t.Errorf("exporter command line %q: empty or holds the token", cmdline)
			}

			// served collects everything the exporter answered, by where.
			type response struct{ where, body string }
			var served []response
			record := func(what string, status int, body string) {
				served = append(served, response{fmt.Sprintf("%s (status %d)", what, status), body})
			}

			for _, sc := range leakScenarios() {
				// A good scrape first: it is the baseline of the counters,
				// and it re-arms the exporter's once-per-outage auth error
				// log, so every scenario's failure is logged.
				srv.Clear()
				srv.SetAccount(withToken(hostuptest.DemoAccount(3), secretToken))
				var before metricSet
				if !waitFor(5*time.Second, func() bool {
					st, body := e.get("/metrics")
					record(sc.name+": baseline /metrics", st, body)
					before = parseMetrics(t, body)
					v, ok := before.value("hostup_up", map[string]string{"account": "default"})
					return ok && v == 1
				}) {
					t.Fatalf("%s: hostup_up does not come back to 1 with a healthy API", sc.name)
				}
				sc.setup(srv)
				st, body := e.get("/metrics")
				record(sc.name+": /metrics", st, body)
				if st != http.StatusOK {
					t.Fatalf("%s: /metrics status %d", sc.name, st)
				}
				t.Run(sc.name, func(t *testing.T) { sc.check(t, before, parseMetrics(t, body)) })
				st, body = e.get("/probe?account=default")
				record(sc.name+": /probe", st, body)
				st, body = e.get("/exporter-metrics")
				record(sc.name+": /exporter-metrics", st, body)
			}
			srv.Clear()
			srv.SetAccount(withToken(hostuptest.DemoAccount(3), secretToken))

			st, body := mustDo(t, http.DefaultClient, http.MethodPost, e.url+"/-/reload")
			record("POST /-/reload", st, body)
			if st != http.StatusOK {
				t.Errorf("POST /-/reload: status %d: %s", st, body)
			}
			if tc.source == "file" {
				// A reload that fails on the token itself (two lines: the
				// second is the control character check's case) must not
				// quote it.
				writeFile(t, dir, "token", secretToken+"\n"+secretToken+"\n")
				st, body = mustDo(t, http.DefaultClient, http.MethodPost, e.url+"/-/reload")
				record("POST /-/reload with a two-line token file", st, body)
				if st < 400 {
					t.Errorf("POST /-/reload with a two-line token file: status %d, want an error: %s", st, body)
				}
				writeFile(t, dir, "token", secretToken+"\n")
			}
			e.signal(syscall.SIGHUP)
			st, body = e.get("/")
			record("landing page", st, body)
			if st != http.StatusOK || !strings.Contains(body, "/metrics") {
				t.Errorf("landing page: status %d, body without a /metrics link:\n%s", st, body)
			}
			// After the reloads the key still works.
			if !waitFor(5*time.Second, func() bool {
				m, _ := e.metrics()
				v, ok := m.value("hostup_up", map[string]string{"account": "default"})
				return ok && v == 1
			}) {
				t.Error("hostup_up did not return to 1 after the reloads")
			}

			for _, r := range served {
				if strings.Contains(r.body, secretSuffix) {
					t.Errorf("the token appears in %s:\n%s", r.where, excerptAround(r.body, secretSuffix))
				}
			}

			e.stop()
			logs := e.stderr.String()
			if strings.Contains(logs, secretSuffix) {
				t.Errorf("the token appears in the %s log:\n%s", tc.format, excerptAround(logs, secretSuffix))
			}
			checkLogFormat(t, tc.format, logs)
		})
	}
}

// checkLogFormat makes sure the run really logged in format at debug level,
// so that the leak check above looked at the right thing.
func checkLogFormat(t *testing.T, format, logs string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	debug := 0
	for _, line := range lines {
		switch format {
		case "json":
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Errorf("--log.format=json wrote a line that is not JSON: %q", line)
				continue
			}
			if v["level"] == "debug" {
				debug++
			}
		case "logfmt":
			if !strings.Contains(line, "level=") || strings.HasPrefix(line, "{") {
				t.Errorf("--log.format=logfmt wrote a line that is not logfmt: %q", line)
			}
			if strings.Contains(line, "level=debug") {
				debug++
			}
		}
	}
	if debug == 0 {
		t.Errorf("--log.level=debug logged no debug line; log:\n%s", logs)
	}
}

func excerptAround(s, sub string) string {
	i := strings.Index(s, sub)
	from, to := max(i-300, 0), min(i+len(sub)+100, len(s))
	return s[from:to]
}
