package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

func TestReload(t *testing.T) {
	const tokenA, tokenB, tokenA2 = "tok-e2e-reload-first", "tok-e2e-reload-second", "tok-e2e-reload-first-rotated"
	first := newFake(t, withToken(hostuptest.DocsAccount(), tokenA))
	second := newFake(t, withToken(hostuptest.DemoAccount(3), tokenB))
	dir := t.TempDir()
	writeFile(t, dir, "first.token", tokenA+"\n")
	writeFile(t, dir, "second.token", tokenB+"\n")
	firstOnly := fmt.Sprintf(`accounts:
  - name: first
    api_url: %s
    token_file: first.token
`, first.URL)
	both := firstOnly + fmt.Sprintf(`  - name: second
    api_url: %s
    token_file: second.token
`, second.URL)
	cfg := writeFile(t, dir, "config.yml", firstOnly)
	e := startExporter(t, "--config.file", cfg)

	up := func(m metricSet, account string) (float64, bool) {
		return m.value("hostup_up", map[string]string{"account": account})
	}
	m, _ := e.metrics()
	requireValue(t, m, "hostup_up", map[string]string{"account": "first"}, 1)
	if _, ok := up(m, "second"); ok {
		t.Fatal("account second is served before it is configured")
	}
	requireValue(t, m, "hostup_config_last_reload_successful", nil, 1)

	// SIGHUP picks up a new account.
	writeFile(t, dir, "config.yml", both)
	e.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool {
		m, _ = e.metrics()
		v, ok := up(m, "second")
		return ok && v == 1
	}) {
		t.Fatalf("after SIGHUP with a second account: no hostup_up{account=\"second\"} 1")
	}
	if n := m.sum("hostup_vps_info", map[string]string{"account": "second"}); n != 3 {
		t.Errorf("after SIGHUP: want the 3 VPSes of account second in hostup_vps_info, got %v", n)
	}
	if st, body := e.get("/probe?account=second"); st != http.StatusOK || !strings.Contains(body, `hostup_up{account="second"} 1`) {
		t.Errorf("after SIGHUP: /probe?account=second: status %d, body:\n%.300s", st, body)
	}

	// A broken file is refused and the running config stays.
	writeFile(t, dir, "config.yml", both+"    bogus_key: 1\n")
	st, body := mustDo(t, http.DefaultClient, http.MethodPost, e.url+"/-/reload")
	if st >= 200 && st < 300 {
		t.Errorf("POST /-/reload with a broken config: status %d, want an error", st)
	}
	if !strings.Contains(body, "bogus_key") {
		t.Errorf("POST /-/reload with a broken config does not name the bad key: %s", body)
	}
	m, _ = e.metrics()
	requireValue(t, m, "hostup_config_last_reload_successful", nil, 0)
	for _, a := range []string{"first", "second"} {
		requireValue(t, m, "hostup_up", map[string]string{"account": a}, 1)
	}

	// Fixed: reload succeeds again.
	writeFile(t, dir, "config.yml", both)
	if st, body := mustDo(t, http.DefaultClient, http.MethodPost, e.url+"/-/reload"); st != http.StatusOK {
		t.Errorf("POST /-/reload with the fixed config: status %d: %s", st, body)
	}
	m, _ = e.metrics()
	requireValue(t, m, "hostup_config_last_reload_successful", nil, 1)

	// Only POST (and PUT) reload.
	if st, _ := mustDo(t, http.DefaultClient, http.MethodGet, e.url+"/-/reload"); st != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: status %d, want 405", st)
	}

	// Token rotation: HostUp now wants a new key for account first...
	rotated := hostuptest.DocsAccount()
	rotated.Token = tokenA2
	first.SetAccount(rotated)
	m, _ = e.metrics()
	requireValue(t, m, "hostup_up", map[string]string{"account": "first"}, 0)
	requireValue(t, m, "hostup_up", map[string]string{"account": "second"}, 1)
	if m.sum("hostup_api_requests_total", map[string]string{"account": "first", "status": "401"}) == 0 {
		t.Error("with the old key: no 401 counted for account first")
	}
	// ... the file gets it, and a reload makes the account work again.
	writeFile(t, dir, "first.token", tokenA2+"\n")
	if st, body := mustDo(t, http.DefaultClient, http.MethodPost, e.url+"/-/reload"); st != http.StatusOK {
		t.Fatalf("POST /-/reload after the token rotation: status %d: %s", st, body)
	}
	m, _ = e.metrics()
	requireValue(t, m, "hostup_up", map[string]string{"account": "first"}, 1)
	requireValue(t, m, "hostup_config_last_reload_successful", nil, 1)

	// Removing an account stops serving it.
	writeFile(t, dir, "config.yml", firstOnly)
	e.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool {
		m, _ = e.metrics()
		_, ok := up(m, "second")
		return !ok
	}) {
		t.Error("after SIGHUP without account second: it is still served")
	}
	if st, _ := e.get("/probe?account=second"); st != http.StatusBadRequest {
		t.Errorf("/probe?account=second after its removal: status %d, want 400", st)
	}
}
