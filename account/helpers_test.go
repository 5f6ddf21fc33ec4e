package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"go.uber.org/goleak"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/fakeclock"
	"github.com/hostup-exporter/hostup_exporter/internal/syncbuf"
)

// TestMain checks that no test leaves a goroutine behind: every round, API
// call and fake-API handler must be gone when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testToken = "hu_test_6f1d2c3b4a59788796a5b4c3d2e1f0aa"

// newFake starts the fake API for acct with testToken.
func newFake(t testing.TB, acct *hostuptest.Account, opts ...hostuptest.Option) *hostuptest.Server {
	t.Helper()
	acct.Token = testToken
	srv := hostuptest.NewServer(acct, opts...)
	t.Cleanup(srv.Close)
	return srv
}

// parse builds a config of one account "production" on url, as a file
// would be read; extra is YAML under the account (indented 4), scrape the
// scrape section's lines (indented 2). Tokens resolve to token.
func parse(t testing.TB, url, extra, scrape, token string) *config.Config {
	t.Helper()
	y := "accounts:\n  - name: production\n    api_url: " + url + "\n    token_env: HOSTUP_TEST_TOKEN\n" + extra +
		"scrape:\n  timeout: 5s\n" + scrape
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, y)
	}
	if err := cfg.ResolveTokens(func(string) string { return token }); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// observer records what an account reports.
type observer struct {
	mismatches chan string
}

func (o *observer) APICall(string, hostup.Call) {}
func (o *observer) DecodeMismatch(_, endpoint, field string) {
	select {
	case o.mismatches <- endpoint + " " + field:
	default:
	}
}

// fixture is a Set applied with a config, with its log.
type fixture struct {
	set  *account.Set
	logs *syncbuf.Buffer
	obs  *observer
}

func newFixture(t testing.TB, cfg *config.Config) *fixture {
	t.Helper()
	return newFixtureAt(t, cfg, nil)
}

// newFixtureAt is newFixture with the accounts' clock (nil: time.Now).
func newFixtureAt(t testing.TB, cfg *config.Config, now func() time.Time) *fixture {
	t.Helper()
	f := &fixture{logs: new(syncbuf.Buffer), obs: &observer{mismatches: make(chan string, 100)}}
	logger := level.NewFilter(log.NewLogfmtLogger(f.logs), level.AllowInfo())
	f.set = account.NewSet(account.Env{Logger: logger, UserAgent: "hostup_exporter/test", Observer: f.obs, Now: now})
	if err := f.set.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.set.Close)
	return f
}

// snapshot is one scrape of the account "production" with a deadline.
func (f *fixture) snapshot(t testing.TB, timeout time.Duration) *account.Snapshot {
	t.Helper()
	a, ok := f.set.Get("production")
	if !ok {
		t.Fatal("no account production")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return a.Snapshot(ctx)
}

// statuses is the snapshot's endpoint statuses, for messages.
func statuses(s *account.Snapshot) string {
	return "routed_ipv6=" + s.RoutedIPv6Status.String() + " vps_list=" + s.ListStatus.String() + " vps_network=" + s.NetworkStatus.String()
}

// newClock is a settable clock for wait windows, cache_ttl and max_stale.
func newClock() *fakeclock.Clock { return fakeclock.New(time.Now()) }
