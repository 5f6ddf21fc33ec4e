package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// manyVPS is an account of n active VPSes.
func manyVPS(n int) *hostuptest.Account {
	acct := hostuptest.DemoAccount(n)
	for i := range acct.VPS {
		acct.VPS[i].ServiceStatus = "active"
	}
	return acct
}

// bare429 is a 429 with neither Retry-After nor any X-RateLimit-* header.
func bare429(code string) hostuptest.Fault {
	return hostuptest.Fault{Status: 429, Code: code, NoRateLimitHeaders: true}
}

// A 429 with neither Retry-After nor X-RateLimit-Reset, on every network
// call of 50 VPSes, is no storm: the round stops starting calls, a 30 s
// window opens (and shows in the snapshot), the next scrape makes no call,
// each further 429 doubles the window, and a success resets the doubling.
func TestRateLimitWithoutWaitBacksOff(t *testing.T) {
	for _, code := range []string{"rate_limit_exceeded", "rate_limited"} {
		t.Run(code, func(t *testing.T) {
			clk := newClock()
			srv := newFake(t, manyVPS(50), hostuptest.WithPageSize(100))
			srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSNetwork), bare429(code))
			f := newFixtureAt(t, parse(t, srv.URL, "", "  concurrency: 4\n  max_stale: 1h\n", testToken), clk.Now)

			s := f.snapshot(t, 10*time.Second)
			if n := srv.Calls(hostuptest.EndpointVPSNetwork); n > 4 {
				t.Errorf("first round made %d network calls after a 429, want at most the 4 in flight", n)
			}
			if s.NetworkStatus.OK() {
				t.Errorf("network status %s during a 429", s.NetworkStatus)
			}
			if got := s.RateLimit.WaitUntil.Sub(clk.Now()); got != account.DefaultBackoff {
				t.Errorf("wait window %v, want %v", got, account.DefaultBackoff)
			}
			if !strings.Contains(f.logs.String(), "level=warn") || !strings.Contains(f.logs.String(), "rate limit") {
				t.Errorf("window not logged at warn:\n%s", f.logs)
			}

			calls := srv.TotalCalls()
			s = f.snapshot(t, 10*time.Second)
			if n := srv.TotalCalls() - calls; n != 0 {
				t.Errorf("scrape inside the window made %d calls, want 0", n)
			}
			if s.Up() || s.RoutedIPv6 == nil {
				t.Errorf("inside the window: up %v, routed data kept %v; want 0 and last good data", s.Up(), s.RoutedIPv6 != nil)
			}

			// Each further 429 doubles the window (until a call
			// succeeds: here every endpoint answers 429).
			srv.Fail(hostuptest.Target{}, bare429(code))
			clk.Advance(account.DefaultBackoff + time.Second)
			s = f.snapshot(t, 10*time.Second)
			if got := s.RateLimit.WaitUntil.Sub(clk.Now()); got != 2*account.DefaultBackoff {
				t.Errorf("second window %v, want %v", got, 2*account.DefaultBackoff)
			}

			// Recovery: calls resume after the window, and a success
			// resets the doubling.
			srv.Clear()
			clk.Advance(2*account.DefaultBackoff + time.Second)
			s = f.snapshot(t, 10*time.Second)
			if !s.Up() || !s.NetworkStatus.OK() || !s.RateLimit.WaitUntil.IsZero() {
				t.Fatalf("after the window: %s, wait until %v; want healthy", statuses(s), s.RateLimit.WaitUntil)
			}
			srv.FailTimes(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), bare429(code), 1)
			s = f.snapshot(t, 10*time.Second)
			if got := s.RateLimit.WaitUntil.Sub(clk.Now()); got != account.DefaultBackoff {
				t.Errorf("window after a success %v, want %v again", got, account.DefaultBackoff)
			}
		})
	}
}

// One 429 with Retry-After: 31536000 (a year) opens a window of
// scrape.max_backoff, logged at warn with what HostUp asked; after it the
// exporter reads again. A new token clears the window.
func TestRateLimitWaitIsCapped(t *testing.T) {
	clk := newClock()
	srv := newFake(t, hostuptest.DocsAccount())
	srv.FailTimes(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Status: 429, RetryAfter: 365 * 24 * time.Hour}, 1)
	f := newFixtureAt(t, parse(t, srv.URL, "", "  max_backoff: 15m\n", testToken), clk.Now)

	s := f.snapshot(t, 10*time.Second)
	if got := s.RateLimit.WaitUntil.Sub(clk.Now()); got != 15*time.Minute {
		t.Errorf("window %v, want the 15m cap", got)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "level=warn") || !strings.Contains(logs, "asked=8760h0m0s") || !strings.Contains(logs, "scrape.max_backoff") {
		t.Errorf("capped wait not logged at warn with what was asked:\n%s", logs)
	}
	clk.Advance(15*time.Minute + time.Second)
	if s = f.snapshot(t, 10*time.Second); !s.Up() {
		t.Errorf("after the capped window: %s, want up", statuses(s))
	}

	// A reload with another key is another budget: no window carried.
	srv.FailTimes(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Status: 429, RetryAfter: time.Hour}, 1)
	f.snapshot(t, 10*time.Second)
	acct := hostuptest.DocsAccount()
	acct.Token = "hu_test_new_key_000000000000000000000"
	srv.SetAccount(acct)
	if err := f.set.Apply(parse(t, srv.URL, "", "  max_backoff: 15m\n", acct.Token)); err != nil {
		t.Fatal(err)
	}
	calls := srv.TotalCalls()
	if s = f.snapshot(t, 10*time.Second); !s.Up() || srv.TotalCalls() == calls {
		t.Errorf("new key: %s after %d calls, want up: a new key is not bound by the old key's window", statuses(s), srv.TotalCalls()-calls)
	}
}
