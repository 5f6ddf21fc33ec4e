package account_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// One 502 from routed-ipv6 under cache_ttl is not remembered: the next
// scrape reads again and is healthy.
func TestFailedReadIsReadAgainUnderCacheTTL(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	srv.FailTimes(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Status: 502, Code: "upstream_unavailable"}, 3) // the client retries twice
	f := newFixture(t, parse(t, srv.URL, "", "  cache_ttl: 30s\n", testToken))

	s := f.snapshot(t, 10*time.Second)
	if s.RoutedIPv6Status != account.Failed || s.Up() {
		t.Fatalf("first scrape: %s, want routed_ipv6 failed", statuses(s))
	}
	before := srv.Calls(hostuptest.EndpointRoutedIPv6)
	s = f.snapshot(t, 10*time.Second)
	if got := srv.Calls(hostuptest.EndpointRoutedIPv6) - before; got != 1 {
		t.Errorf("second scrape made %d routed-ipv6 calls, want 1: a failed read must not be cached", got)
	}
	if s.RoutedIPv6Status != account.Read || !s.Up() || s.RoutedIPv6 == nil {
		t.Errorf("second scrape: %s, want routed_ipv6 read and up", statuses(s))
	}
	if logs := f.logs.String(); !strings.Contains(logs, `level=warn`) || !strings.Contains(logs, `msg="API read works again" endpoint=routed_ipv6`) {
		t.Errorf("the failure and its end are not both logged:\n%s", logs)
	}
	// The reads that succeeded are fresh by design: not read again, and a
	// success.
	calls := srv.TotalCalls()
	s = f.snapshot(t, 10*time.Second)
	if srv.TotalCalls() != calls {
		t.Errorf("third scrape within cache_ttl made %d calls, want 0", srv.TotalCalls()-calls)
	}
	if s.RoutedIPv6Status != account.Fresh || s.ListStatus != account.Fresh || s.NetworkStatus != account.Fresh || !s.Up() {
		t.Errorf("third scrape: %s, want every endpoint fresh", statuses(s))
	}
}

// A reload 0.2 s into a scrape, changing scrape.concurrency or rotating the
// token, does not cancel the scrape's reads: it ends with their true,
// healthy results.
func TestReloadMidScrapeLeavesScrapeHealthy(t *testing.T) {
	for _, tc := range []struct {
		name          string
		scrape, token string
	}{
		{"concurrency changed", "  concurrency: 2\n", testToken},
		{"token rotated", "", "hu_test_rotated_0000000000000000000000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acct := hostuptest.DemoAccount(6)
			srv := newFake(t, acct, hostuptest.WithLatency(150*time.Millisecond))
			f := newFixture(t, parse(t, srv.URL, "", "  concurrency: 1\n", testToken))
			a, _ := f.set.Get("production")

			done := make(chan *account.Snapshot, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				done <- a.Snapshot(ctx)
			}()
			time.Sleep(200 * time.Millisecond)
			y := parse(t, srv.URL, "", tc.scrape, tc.token)
			if err := f.set.Apply(y); err != nil {
				t.Fatal(err)
			}
			if b, _ := f.set.Get("production"); b == a {
				t.Fatal("the changed account was not rebuilt")
			}
			s := <-done
			if !s.Up() || !s.NetworkStatus.OK() || len(s.VPS) == 0 {
				t.Fatalf("scrape during the reload: %s with %d VPSes, want healthy", statuses(s), len(s.VPS))
			}
			for _, v := range s.VPS {
				if v.Status != account.Read || v.Network == nil {
					t.Errorf("VPS %s: %s, network %v", v.ID, v.Status, v.Network != nil)
				}
			}
		})
	}
}

// An account whose effective configuration is unchanged is kept as it is by
// a reload; a changed one keeps its last good data when it reads the same
// API with the same key, and not otherwise.
func TestReloadKeepsWhatDidNotChange(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	a, _ := f.set.Get("production")
	f.snapshot(t, 10*time.Second)

	if err := f.set.Apply(parse(t, srv.URL, "", "", testToken)); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.set.Get("production"); b != a {
		t.Error("an unchanged account was rebuilt")
	}

	// Changed scrape option, same API and key: rebuilt, data kept.
	srv.Fail(hostuptest.Target{}, hostuptest.Fault{Status: 503, Code: "upstream_unavailable"})
	if err := f.set.Apply(parse(t, srv.URL, "", "  max_stale: 1h\n", testToken)); err != nil {
		t.Fatal(err)
	}
	s := f.snapshot(t, 10*time.Second)
	if s.RoutedIPv6 == nil || len(s.VPS) != 1 || s.VPS[0].Network == nil || s.RoutedIPv6LastSuccess.IsZero() {
		t.Errorf("rebuilt account lost its last good data")
	}

	// Another key: nothing is carried over.
	if err := f.set.Apply(parse(t, srv.URL, "", "  max_stale: 1h\n", "hu_test_another_key_0000000000000000")); err != nil {
		t.Fatal(err)
	}
	s = f.snapshot(t, 10*time.Second)
	if s.RoutedIPv6 != nil || !s.RoutedIPv6LastSuccess.IsZero() {
		t.Error("data read with one key served for another")
	}
}

// Ten scrapes at once cost one round of calls.
func TestConcurrentSnapshotsShareOneRound(t *testing.T) {
	acct := hostuptest.DemoAccount(8)
	srv := newFake(t, acct, hostuptest.WithLatency(50*time.Millisecond), hostuptest.WithPageSize(100))
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.snapshot(t, 10*time.Second)
		}()
	}
	wg.Wait()
	active := 0
	for _, v := range acct.VPS {
		if v.ServiceStatus == "active" {
			active++
		}
	}
	if got, want := srv.TotalCalls(), 1+1+active; got > want {
		t.Errorf("10 concurrent scrapes made %d API calls, want at most one round (%d)", got, want)
	}
}
