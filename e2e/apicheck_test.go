package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// TestAPICheck runs the binary's --api.check against the fake API: every
// read works (exit 0), and a 403 on routed IPv6 is reported as the missing
// read:network scope (exit 1). The token appears in no output, and the
// check never listens.
func TestAPICheck(t *testing.T) {
	const token = "tok-e2e-apicheck-3b7d1c9e5f"
	for _, tc := range []struct {
		name  string
		fault *hostuptest.Fault
		code  int
		want  []string // regular expressions stdout must match
	}{
		{"every read works", nil, 0, []string{
			`(?m)^demo +routed_ipv6 +ok +200`,
			`(?m)^demo +vps_list +ok +200 +25 VPSes, the whole list`,
			`(?m)^demo +vps_network +ok +200 +VPS \S+ \(vps_\w+\)`,
			`demo: 25 VPSes\. A scrape costs 1 \+ 1 \+ \d+ = \d+ API calls`,
			`every read worked \(3 reads, 1 account\)`,
		}},
		{"routed IPv6 forbidden", &hostuptest.Fault{Status: http.StatusForbidden, Code: "forbidden"}, 1, []string{
			`(?m)^demo +routed_ipv6 +FAILED +403 +missing scope read:network`,
			`(?m)^demo +vps_list +ok +200`,
			`1 of 3 reads did not work`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t, withToken(hostuptest.DemoAccount(25), token))
			if tc.fault != nil {
				srv.Fail(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), *tc.fault)
			}
			dir := t.TempDir()
			writeFile(t, dir, "demo.token", token+"\n")
			cfg := writeFile(t, dir, "config.yml", fmt.Sprintf("accounts:\n  - name: demo\n    api_url: %s\n    token_file: demo.token\n", srv.URL))
			addr := freeAddr(t)
			p := startProc(t, "hostup_exporter --api.check", exporterBin,
				[]string{"--web.listen-address=" + addr, "--config.file", cfg, "--api.check"}, childEnv())
			code := p.wait(t, 20*time.Second)
			stdout, stderr := p.stdout.String(), p.stderr.String()
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(w).MatchString(stdout) {
					t.Errorf("stdout lacks %s", w)
				}
			}
			if strings.Contains(stdout+stderr, token) {
				t.Error("the output holds the token")
			}
			if n := srv.TotalCalls(); n != 3 {
				t.Errorf("%d API calls, want 3 (one per read)", n)
			}
			requireNoListener(t, stderr, addr)
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
	}
}
