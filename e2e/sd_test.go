package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// sdGroup is one target group of /sd.
type sdGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// sdExporter starts an exporter on a config of one account "demo" on the
// fake srv, with token, and extra flags.
func sdExporter(t *testing.T, srv *hostuptest.Server, token string, args ...string) *exporter {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "demo.token", token+"\n")
	cfg := writeFile(t, dir, "config.yml", fmt.Sprintf("accounts:\n  - name: demo\n    api_url: %s\n    token_file: demo.token\n", srv.URL))
	return startExporter(t, append([]string{"--config.file", cfg}, args...)...)
}

// getSD fetches path from e and decodes a 200 answer.
func getSD(t *testing.T, e *exporter, path string) []sdGroup {
	t.Helper()
	st, body := e.get(path)
	if st != http.StatusOK {
		t.Fatalf("GET %s: status %d, body:\n%s", path, st, body)
	}
	var groups []sdGroup
	if err := json.Unmarshal([]byte(body), &groups); err != nil {
		t.Fatalf("GET %s: %v\n%.500s", path, err, body)
	}
	return groups
}

// withPrimaryIP is the fixture's VPSes that discovery lists.
func withPrimaryIP(vpses []hostup.VPS) []hostup.VPS {
	var out []hostup.VPS
	for _, v := range vpses {
		if v.PrimaryIP != nil && *v.PrimaryIP != "" {
			out = append(out, v)
		}
	}
	return out
}

// TestSDDiscoversEveryVPS: /sd on the real binary lists every VPS of the
// demo account that has a primary IP, whatever its status, with its labels;
// it reads the list only, and ten requests at once on a cold exporter cost
// one list read. Bad parameters are a 400 without markup; the token appears
// nowhere.
func TestSDDiscoversEveryVPS(t *testing.T) {
	const token = "tok-e2e-sd-8c1f0e2a9b"
	acct := withToken(hostuptest.DemoAccount(25), token)
	srv := newFake(t, acct, hostuptest.WithLatency(100*time.Millisecond))
	e := sdExporter(t, srv, token)
	var bodies strings.Builder

	t.Run("ten at once cost one list read", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, body, err := tryGet(http.DefaultClient, e.url+"/sd", nil)
				mu.Lock()
				defer mu.Unlock()
				bodies.WriteString(body)
				if err != nil || st != http.StatusOK {
					t.Errorf("GET /sd: %d %v", st, err)
				}
			}()
		}
		wg.Wait()
		if n := srv.Calls(hostuptest.EndpointVPSList); n != 1 {
			t.Errorf("ten discoveries on a cold exporter read the list %d times, want 1", n)
		}
		if n := srv.TotalCalls(); n != 1 {
			t.Errorf("%d API calls in all, want 1: discovery reads nothing but the list", n)
		}
	})

	t.Run("targets and labels", func(t *testing.T) {
		groups := getSD(t, e, "/sd?port=9256")
		want := withPrimaryIP(acct.VPS)
		if len(want) == len(acct.VPS) {
			t.Fatal("fixture changed: DemoAccount(25) should have a VPS without a primary IP")
		}
		if len(groups) != len(want) {
			t.Fatalf("%d target groups, want %d", len(groups), len(want))
		}
		statuses := map[string]bool{}
		for i, v := range want {
			g := groups[i]
			if len(g.Targets) != 1 || g.Targets[0] != *v.PrimaryIP+":9256" {
				t.Errorf("%s: targets %v, want [%s:9256]", v.Name, g.Targets, *v.PrimaryIP)
			}
			power := ""
			if v.PowerState != nil {
				power = *v.PowerState
			}
			for k, w := range map[string]string{
				"__meta_hostup_account": "demo", "__meta_hostup_vps_id": v.ID, "__meta_hostup_vps_name": v.Name,
				"__meta_hostup_service_status": v.ServiceStatus, "__meta_hostup_power_state": power,
				"__meta_hostup_primary_ip": *v.PrimaryIP,
			} {
				if g.Labels[k] != w {
					t.Errorf("%s: %s = %q, want %q", v.Name, k, g.Labels[k], w)
				}
			}
			if v.Resources != nil && v.Resources.CPUCores != nil && g.Labels["__meta_hostup_cpu_cores"] == "" {
				t.Errorf("%s: no __meta_hostup_cpu_cores although the list gives it", v.Name)
			}
			statuses[v.ServiceStatus] = true
		}
		if len(statuses) < 2 {
			t.Errorf("only statuses %v discovered; want every status", statuses)
		}
		if n := srv.Calls(hostuptest.EndpointVPSList); n != 1 {
			t.Errorf("a second discovery within 30s read the list again (%d reads)", n)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		for _, path := range []string{"/sd?port=0", "/sd?port=65536", "/sd?port=%3Cscript%3E", "/sd?account=%3Cb%3Enope%3C/b%3E"} {
			st, body := e.get(path)
			if st != http.StatusBadRequest || strings.ContainsAny(body, "<>") {
				t.Errorf("GET %s: status %d, body %q; want a 400 without markup", path, st, body)
			}
		}
		if groups := getSD(t, e, "/sd?account=demo"); len(groups) == 0 {
			t.Error("/sd?account=demo lists nothing")
		}
	})

	e.stop()
	if out := bodies.String() + e.stderr.String(); strings.Contains(out, token) {
		t.Error("the token appears in /sd answers or the log")
	}
}

// TestSDWithoutListIs503: with no list to give, /sd answers 503 (so
// Prometheus keeps its targets), also when another account is fine.
func TestSDWithoutListIs503(t *testing.T) {
	const token = "tok-e2e-sd-503-71d2"
	good := newFake(t, withToken(hostuptest.DocsAccount(), token))
	bad := newFake(t, withToken(hostuptest.DocsAccount(), token))
	bad.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Status: http.StatusInternalServerError})
	dir := t.TempDir()
	writeFile(t, dir, "token", token+"\n")
	cfg := writeFile(t, dir, "config.yml", fmt.Sprintf(`accounts:
  - name: good
    api_url: %s
    token_file: token
  - name: bad
    api_url: %s
    token_file: token
scrape:
  timeout: 5s
`, good.URL, bad.URL))
	e := startExporter(t, "--config.file", cfg)
	st, body := e.get("/sd")
	if st != http.StatusServiceUnavailable || !strings.Contains(body, `account "bad"`) {
		t.Errorf("GET /sd: status %d, body %q; want a 503 naming account bad", st, body)
	}
	if strings.Contains(body, token) {
		t.Error("the 503 holds the token")
	}
	if groups := getSD(t, e, "/sd?account=good"); len(groups) != 1 {
		t.Errorf("/sd?account=good: %d groups, want 1", len(groups))
	}
}

// TestSDBehindWebConfigAuth: /sd is behind --web.config.file's basic auth,
// as /metrics is.
func TestSDBehindWebConfigAuth(t *testing.T) {
	const token, user, password = "tok-e2e-sd-auth-4e5f", "prometheus", "e2e-sd-horse"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := writeFile(t, t.TempDir(), "web.yml", fmt.Sprintf("basic_auth_users:\n  %s: %s\n", user, hash))
	srv := newFake(t, withToken(hostuptest.DocsAccount(), token))
	authed := func(u, p string) http.Header {
		req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
		req.SetBasicAuth(u, p)
		return req.Header
	}
	dir := t.TempDir()
	writeFile(t, dir, "demo.token", token+"\n")
	cfg := writeFile(t, dir, "config.yml", fmt.Sprintf("accounts:\n  - name: demo\n    api_url: %s\n    token_file: demo.token\n", srv.URL))
	e := startExporterOpts(t, exporterOpts{
		args: []string{"--config.file", cfg, "--web.config.file", webConfig},
		ready: func(e *exporter) bool {
			st, _, err := tryGet(http.DefaultClient, e.url+"/-/healthy", authed(user, password))
			return err == nil && st == http.StatusOK
		},
	})
	if st, body := mustGet(t, http.DefaultClient, e.url+"/sd", nil); st != http.StatusUnauthorized || strings.Contains(body, "__meta_hostup") {
		t.Errorf("/sd without credentials: status %d, body %.200q; want 401", st, body)
	}
	if st, _ := mustGet(t, http.DefaultClient, e.url+"/sd", authed(user, "wrong")); st != http.StatusUnauthorized {
		t.Errorf("/sd with a wrong password: status %d, want 401", st)
	}
	if st, body := mustGet(t, http.DefaultClient, e.url+"/sd", authed(user, password)); st != http.StatusOK || !strings.Contains(body, "__meta_hostup_vps_id") {
		t.Errorf("/sd with credentials: status %d, body %.200q", st, body)
	}
	if srv.TotalCalls() != 1 {
		t.Errorf("%d API calls, want 1: refused requests must not read the API", srv.TotalCalls())
	}
}

// readmeSDJob is the Prometheus config of the README's "Discover your
// VPSes" section: its first yaml block.
func readmeSDJob(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "\n## Discover your VPSes\n")
	if !ok {
		t.Fatal(`README.md has no "## Discover your VPSes" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	_, block, ok := strings.Cut(sec, "```yaml\n")
	if !ok {
		t.Fatal("the README's Discover your VPSes section has no yaml block")
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// TestSDPrometheusHTTPSD: a real Prometheus running the README's job (the
// exporter's address put in) discovers the demo account's active VPSes
// through http_sd_configs, with the labels the job copies, and drops the
// others.
func TestSDPrometheusHTTPSD(t *testing.T) {
	promBin := requireTool(t, "prometheus")
	const token = "tok-e2e-sd-prom-a7c3"
	acct := withToken(hostuptest.DemoAccount(25), token)
	srv := newFake(t, acct)
	e := sdExporter(t, srv, token)

	job := readmeSDJob(t)
	const readmeURL = "http://hostup-exporter:9977/sd"
	if !strings.Contains(job, readmeURL) {
		t.Fatalf("the README's job does not use %s:\n%s", readmeURL, job)
	}
	dir := t.TempDir()
	promCfg := writeFile(t, dir, "prometheus.yml", strings.ReplaceAll(job, "http://hostup-exporter:9977", e.url))
	api, prom := runPrometheus(t, promBin, dir, promCfg)

	type target struct {
		DiscoveredLabels map[string]string `json:"discoveredLabels"`
		Labels           map[string]string `json:"labels"`
	}
	var active, dropped []target
	var lastErr error
	wantActive, wantDropped := map[string]hostup.VPS{}, 0
	for _, v := range withPrimaryIP(acct.VPS) {
		if v.ServiceStatus == "active" {
			wantActive[v.ID] = v
		} else {
			wantDropped++
		}
	}
	if len(wantActive) == 0 || wantDropped == 0 {
		t.Fatalf("fixture changed: want active and other VPSes with a primary IP, have %d and %d", len(wantActive), wantDropped)
	}
	if !waitFor(30*time.Second, func() bool {
		if prom.exited() {
			return true
		}
		data, err := api.get("/api/v1/targets", nil)
		lastErr = err
		if err != nil {
			return false
		}
		var d struct {
			Active  []target `json:"activeTargets"`
			Dropped []target `json:"droppedTargets"`
		}
		if lastErr = json.Unmarshal(data, &d); lastErr != nil {
			return false
		}
		active, dropped = d.Active, d.Dropped
		return len(active) >= len(wantActive)
	}) || prom.exited() {
		t.Fatalf("Prometheus has %d active targets after 30s, want %d (exited %v, last error %v)", len(active), len(wantActive), prom.exited(), lastErr)
	}

	var got []string
	for _, tg := range active {
		id := tg.Labels["vps_id"]
		v, ok := wantActive[id]
		if !ok {
			t.Errorf("target %v is not an active VPS with a primary IP", tg.Labels)
			continue
		}
		got = append(got, id)
		for k, w := range map[string]string{
			"job": "hostup-node", "instance": *v.PrimaryIP + ":9100",
			"account": "demo", "vps_id": v.ID, "vps_name": v.Name,
		} {
			if tg.Labels[k] != w {
				t.Errorf("%s: label %s = %q, want %q", v.Name, k, tg.Labels[k], w)
			}
		}
		if tg.DiscoveredLabels["__meta_hostup_service_status"] != "active" || tg.DiscoveredLabels["__meta_hostup_primary_ip"] != *v.PrimaryIP {
			t.Errorf("%s: discovered labels %v", v.Name, tg.DiscoveredLabels)
		}
	}
	if len(got) != len(wantActive) {
		sort.Strings(got)
		t.Errorf("active targets %v, want the %d active VPSes", got, len(wantActive))
	}
	droppedHere := 0
	for _, tg := range dropped {
		if tg.DiscoveredLabels["job"] == "hostup-node" {
			droppedHere++
			if tg.DiscoveredLabels["__meta_hostup_service_status"] == "active" {
				t.Errorf("an active VPS was dropped: %v", tg.DiscoveredLabels)
			}
		}
	}
	if droppedHere != wantDropped {
		t.Errorf("%d targets dropped by the job's relabelling, want %d (the VPSes not active)", droppedHere, wantDropped)
	}
	if n := srv.Calls(hostuptest.EndpointVPSNetwork) + srv.Calls(hostuptest.EndpointRoutedIPv6); n != 0 {
		t.Errorf("discovery made %d network or routed-IPv6 calls, want none", n)
	}
}
