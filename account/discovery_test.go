package account_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

func list(t testing.TB, f *fixture) (account.VPSList, error) {
	t.Helper()
	a, _ := f.set.Get("production")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return a.List(ctx)
}

// Ten discovery requests at once on a cold exporter cost one list read and
// no network read; a list younger than MinListAge is not read again.
func TestListForDiscoveryIsShared(t *testing.T) {
	acct := hostuptest.DemoAccount(12)
	srv := newFake(t, acct, hostuptest.WithLatency(50*time.Millisecond), hostuptest.WithPageSize(100))
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := list(t, f)
			if err != nil || len(l.VPS) != len(acct.VPS) {
				t.Errorf("List: %d VPSes, %v; want %d (every service status)", len(l.VPS), err, len(acct.VPS))
			}
		}()
	}
	wg.Wait()
	if n := srv.Calls(hostuptest.EndpointVPSList); n != 1 {
		t.Errorf("%d list reads for 10 concurrent discovery requests, want 1", n)
	}
	if n := srv.Calls(hostuptest.EndpointVPSNetwork) + srv.Calls(hostuptest.EndpointRoutedIPv6); n != 0 {
		t.Errorf("discovery made %d other calls, want 0", n)
	}
	list(t, f)
	f.snapshot(t, 10*time.Second) // a scrape's list is discovery's too
	list(t, f)
	if n := srv.Calls(hostuptest.EndpointVPSList); n != 2 {
		t.Errorf("%d list reads, want 2 (discovery's, the scrape's)", n)
	}
}

// When the list read fails, the last good list is served within max_stale;
// with none, an error.
func TestListForDiscoveryFailure(t *testing.T) {
	clk := newClock()
	srv := newFake(t, hostuptest.DocsAccount())
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Status: 401, Code: "unauthorized"})
	f := newFixtureAt(t, parse(t, srv.URL, "", "  max_stale: 10m\n", testToken), clk.Now)
	if _, err := list(t, f); !errors.Is(err, account.ErrNoList) {
		t.Fatalf("List with no good list: %v, want ErrNoList", err)
	}
	srv.Clear()
	if l, err := list(t, f); err != nil || len(l.VPS) != 1 {
		t.Fatalf("List: %d VPSes, %v", len(l.VPS), err)
	}
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Status: 401, Code: "unauthorized"})
	clk.Advance(time.Minute)
	if l, err := list(t, f); err != nil || len(l.VPS) != 1 {
		t.Errorf("List within max_stale of a good one: %d VPSes, %v; want the last good list", len(l.VPS), err)
	}
	clk.Advance(10 * time.Minute)
	if _, err := list(t, f); !errors.Is(err, account.ErrNoList) {
		t.Errorf("List past max_stale: %v, want ErrNoList", err)
	}
}
