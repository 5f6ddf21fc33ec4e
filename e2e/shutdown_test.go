package e2e

import (
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// SIGTERM lets a scrape in flight finish before the process exits.
func TestShutdownDrainsScrapeInFlight(t *testing.T) {
	srv := newFake(t, withToken(hostuptest.DocsAccount(), "tok-e2e-shutdown"), hostuptest.WithLatency(700*time.Millisecond))
	tokenFile := writeFile(t, t.TempDir(), "token", "tok-e2e-shutdown\n")
	e := startExporter(t, "--hostup.api-url", srv.URL, "--hostup.token-file", tokenFile)

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
		resp, err := client.Get(e.url + "/metrics")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	// The scrape needs two round trips of 700ms; stop in the middle of it.
	if !waitFor(5*time.Second, func() bool { return srv.TotalCalls() > 0 }) {
		t.Fatal("the scrape never reached the fake API")
	}
	time.Sleep(200 * time.Millisecond)
	e.signal(syscall.SIGTERM)

	r := <-got
	if r.err != nil {
		t.Fatalf("scrape in flight cut off by SIGTERM: %v", r.err)
	}
	if r.status != http.StatusOK || !strings.Contains(r.body, `hostup_up{account="default"} 1`) {
		t.Errorf("scrape in flight during SIGTERM: status %d, body:\n%s", r.status, r.body)
	}
	if code := e.wait(t, 5*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	e.stopOnce.Do(func() {}) // stopped here, not by the cleanup
}
