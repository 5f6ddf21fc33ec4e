package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestDemoTracksTheClock: the demo (the fake API binary, as `make demo` and
// the Compose demo run it) never shows an IP-change quota reset in the
// past: hostuptest.DemoAccount's dates follow the clock outside tests.
func TestDemoTracksTheClock(t *testing.T) {
	addr := freeAddr(t)
	startProc(t, "hostup-fake-api", fakeAPIBin, []string{"-listen", addr, "-vps", "12"}, childEnv())
	if !waitFor(10*time.Second, func() bool {
		_, _, err := tryGet(http.DefaultClient, "http://"+addr+"/api/v2/vps", nil)
		return err == nil
	}) {
		t.Fatal("hostup-fake-api does not answer after 10s")
	}
	e := startExporter(t, "--hostup.api-url", "http://"+addr, "--hostup.token-file", writeFile(t, t.TempDir(), "token", "any\n"))
	m, _ := e.metrics()
	now := time.Now()
	resets := m["hostup_vps_ip_change_next_reset_timestamp_seconds"].GetMetric()
	if len(resets) == 0 {
		t.Fatal("the demo account has no hostup_vps_ip_change_next_reset_timestamp_seconds")
	}
	for _, r := range resets {
		at := time.Unix(int64(r.GetGauge().GetValue()), 0).UTC()
		where := fmt.Sprintf("next reset of %v", labelMap(r))
		// The first of next month (UTC): after now, at most 31 days ahead.
		if !at.After(now) || at.After(now.AddDate(0, 0, 32)) || at.Day() != 1 {
			t.Errorf("%s is %v, want the first of next month (now %v)", where, at, now.UTC())
		}
	}
}
