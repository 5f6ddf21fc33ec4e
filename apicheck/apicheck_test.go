package apicheck

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

const testToken = "hu_apicheck_9f86d081884c7d659a2feaa0c55ad015"

// checkConfig is a config of one account "main" on url, its token
// testToken, with the YAML in extra appended under the account.
func checkConfig(t *testing.T, url, extra string) *config.Config {
	t.Helper()
	y := "accounts:\n  - name: main\n    api_url: " + url + "\n    token_env: HOSTUP_TEST_TOKEN\n" + extra +
		"scrape:\n  timeout: 2s\n"
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, y)
	}
	if err := cfg.ResolveTokens(func(string) string { return testToken }); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// run checks cfg and returns the exit code and the report, failing the test
// if the report holds the token.
func run(t *testing.T, cfg *config.Config) (int, string) {
	t.Helper()
	var out strings.Builder
	code := Run(context.Background(), cfg, &out, "hostup_exporter/test")
	if strings.Contains(out.String(), testToken) {
		t.Errorf("the report holds the token:\n%s", out.String())
	}
	return code, out.String()
}

// rowRE matches the table's row of one read: result, HTTP status, hint.
func rowRE(read, result, status, hint string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^main +` + read + ` +` + result + ` +` + status + ` +` + hint)
}

func fake(t *testing.T, acct *hostuptest.Account, opts ...hostuptest.Option) *hostuptest.Server {
	t.Helper()
	acct.Token = testToken
	srv := hostuptest.NewServer(acct, opts...)
	t.Cleanup(srv.Close)
	return srv
}

func TestAPICheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		acct  *hostuptest.Account
		opts  []hostuptest.Option
		fault func(*hostuptest.Server)
		cfg   string // YAML under the account
		token string // when set, the configured token instead of the fake's
		url   string // when set, api_url instead of the fake's
		code  int
		want  []*regexp.Regexp
		calls int // API calls the check may make, at most
	}{
		{
			name: "every read works",
			acct: hostuptest.DocsAccount(),
			code: 0,
			want: []*regexp.Regexp{
				rowRE("routed_ipv6", "ok", "200", ""),
				rowRE("vps_list", "ok", "200", `1 VPS, the whole list`),
				rowRE("vps_network", "ok", "200", `VPS web-01 \(`+hostuptest.DocsVPSID+`\)`),
				regexp.MustCompile(`main: 1 VPS\. A scrape costs 1 \+ 1 \+ 1 = 3 API calls`),
				regexp.MustCompile(`every read worked \(3 reads, 1 account\)`),
			},
			calls: 3,
		},
		{
			name: "the network read is of a VPS a scrape reads",
			acct: func() *hostuptest.Account {
				a := hostuptest.DocsAccount()
				gone := a.VPS[0]
				gone.ID, gone.Name, gone.ServiceStatus = "vps_terminated", "old-01", "terminated"
				a.VPS = append([]hostup.VPS{gone}, a.VPS...) // no network: a 404
				return a
			}(),
			code: 0,
			want: []*regexp.Regexp{
				rowRE("vps_network", "ok", "200", `VPS web-01 \(`),
				regexp.MustCompile(`main: 2 VPSes\. A scrape costs 1 \+ 1 \+ 1 = 3 API calls`),
			},
			calls: 3,
		},
		{
			name:  "routed IPv6 refused: read:network missing",
			acct:  hostuptest.DocsAccount(),
			fault: failing(hostuptest.EndpointRoutedIPv6, hostuptest.Fault{Status: http.StatusForbidden, Code: "forbidden"}),
			code:  1,
			want: []*regexp.Regexp{
				rowRE("routed_ipv6", "FAILED", "403", `missing scope read:network \(`),
				rowRE("vps_list", "ok", "200", ""),
				rowRE("vps_network", "ok", "200", ""),
				regexp.MustCompile(`main routed_ipv6: hostup: routed_ipv6: HTTP 403 forbidden`),
				regexp.MustCompile(`1 of 3 reads did not work`),
			},
			calls: 3,
		},
		{
			name:  "key rejected",
			acct:  hostuptest.DocsAccount(),
			token: "hu_wrong_key_0123456789abcdef",
			code:  1,
			want: []*regexp.Regexp{
				rowRE("routed_ipv6", "FAILED", "401", "key rejected"),
				rowRE("vps_list", "FAILED", "401", "key rejected"),
				rowRE("vps_network", "skipped", "-", "no VPS to read"),
				regexp.MustCompile(`main: VPS count unknown`),
			},
			calls: 2,
		},
		{
			name:  "every read refused: read:vm missing",
			acct:  hostuptest.DocsAccount(),
			fault: failing("", hostuptest.Fault{Status: http.StatusForbidden, Code: "forbidden"}),
			code:  1,
			want: []*regexp.Regexp{
				rowRE("routed_ipv6", "FAILED", "403", "missing scope read:vm, perhaps read:network too"),
				rowRE("vps_list", "FAILED", "403", "missing scope read:vm"),
			},
			calls: 2,
		},
		{
			name:  "rate-limited",
			acct:  hostuptest.DocsAccount(),
			fault: failing(hostuptest.EndpointVPSList, hostuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second}),
			code:  1,
			want: []*regexp.Regexp{
				rowRE("routed_ipv6", "ok", "200", ""),
				rowRE("vps_list", "FAILED", "429", `rate-limited: no calls for 30s`),
			},
			calls: 2,
		},
		{
			name:  "a proxy's HTML page",
			acct:  hostuptest.DocsAccount(),
			fault: failing(hostuptest.EndpointVPSNetwork, hostuptest.Fault{Status: http.StatusBadGateway, Body: []byte("<html><body>Bad gateway</body></html>"), ContentType: "text/html"}),
			code:  1,
			want: []*regexp.Regexp{
				rowRE("vps_network", "FAILED", "502", "not the HostUp API's answer"),
			},
			calls: 3, // no retry
		},
		{
			name: "unreachable",
			acct: hostuptest.DocsAccount(),
			url:  "http://127.0.0.1:1",
			code: 1,
			want: []*regexp.Regexp{
				rowRE("routed_ipv6", "FAILED", "-", "unreachable"),
				rowRE("vps_list", "FAILED", "-", "unreachable"),
			},
		},
		{
			name: "more pages: at least",
			acct: hostuptest.DemoAccount(25),
			opts: []hostuptest.Option{hostuptest.WithPageSize(10)},
			code: 0,
			want: []*regexp.Regexp{
				rowRE("vps_list", "ok", "200", "10 VPSes on the first page, more pages follow"),
				regexp.MustCompile(`main: at least 10 VPSes \(only the first page was read; the list has more\)\. A scrape costs at least 1 \+ 2 \+ \d+ = \d+ API calls`),
			},
			calls: 3,
		},
		{
			name: "status filter, ids and cache_ttl",
			acct: hostuptest.DemoAccount(25),
			cfg:  "    vps:\n      service_status: [active, suspended]\n      ids: [vps_extra]\n",
			code: 0,
			want: []*regexp.Regexp{
				regexp.MustCompile(`main: 25 VPSes\. A scrape costs 1 \+ 1 \+ \d+ = \d+ API calls \(routed IPv6, one list page, a network read for each VPS of status active, suspended, plus vps.ids\)`),
			},
			calls: 3,
		},
		{
			name: "no discovery",
			acct: hostuptest.DocsAccount(),
			cfg:  "    vps:\n      discover: false\n      ids: [a, b]\n",
			code: 0,
			want: []*regexp.Regexp{
				regexp.MustCompile(`vps.discover is false: a scrape costs 1 \+ 0 \+ 2 = 3 API calls`),
			},
			calls: 3,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := fake(t, tc.acct, tc.opts...)
			if tc.fault != nil {
				tc.fault(srv)
			}
			url := srv.URL
			if tc.url != "" {
				url = tc.url
			}
			cfg := checkConfig(t, url, tc.cfg)
			if tc.token != "" {
				cfg.Accounts[0].Token = config.Secret(tc.token)
			}
			code, out := run(t, cfg)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, re := range tc.want {
				if !re.MatchString(out) {
					t.Errorf("the report lacks %s", re)
				}
			}
			if tc.token != "" && strings.Contains(out, tc.token) {
				t.Errorf("the report holds the configured token")
			}
			if n := srv.TotalCalls(); n > tc.calls {
				t.Errorf("%d API calls, want at most %d", n, tc.calls)
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("report:\n%s", out)
			}
		})
	}
}

func failing(endpoint string, f hostuptest.Fault) func(*hostuptest.Server) {
	return func(s *hostuptest.Server) {
		target := hostuptest.Target{Endpoint: endpoint}
		s.Fail(target, f)
	}
}
