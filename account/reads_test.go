package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// Each failure of the API shows in the read statuses and costs only what
// it must; max_stale 0 so nothing is served from cache.
func TestReadFailures(t *testing.T) {
	type want struct {
		routed, list, network account.Status
		vps                   []account.Status // per VPS, in order
	}
	for _, tc := range []struct {
		name   string
		target hostuptest.Target
		fault  hostuptest.Fault
		want   want
	}{
		{"routed IPv6 internal error", hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Status: 500, Code: "internal_error"},
			want{account.Failed, account.Read, account.Read, []account.Status{account.Read}}},
		// With no list kept the VPSes to read are unknown: no vacuous
		// success for vps_network.
		{"VPS list behind a proxy's HTML 502", hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Status: 502, Body: hostuptest.BadGatewayPage},
			want{account.Read, account.Failed, account.Failed, nil}},
		{"VPS network read fails", hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Status: 503, Code: "upstream_unavailable"},
			want{account.Read, account.Read, account.Failed, []account.Status{account.Failed}}},
		{"VPS deleted between list and network read", hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Status: 404, Code: "vps_not_found"},
			want{account.Read, account.Read, account.Read, nil}},
		{"truncated JSON from the network endpoint", hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Truncate: 40},
			want{account.Read, account.Read, account.Failed, []account.Status{account.Failed}}},
		{"key lacks read:network", hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Status: 403, Code: "forbidden"},
			want{account.Failed, account.Read, account.Read, []account.Status{account.Read}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t, hostuptest.DocsAccount())
			srv.Fail(tc.target, tc.fault)
			f := newFixture(t, parse(t, srv.URL, "", "  max_stale: 0s\n", testToken))
			s := f.snapshot(t, 10*time.Second)
			got := want{s.RoutedIPv6Status, s.ListStatus, s.NetworkStatus, nil}
			for _, v := range s.VPS {
				got.vps = append(got.vps, v.Status)
				if v.Status.OK() != (v.Network != nil) {
					t.Errorf("VPS %s: status %s with network data %v (max_stale 0)", v.ID, v.Status, v.Network != nil)
				}
			}
			if got.routed != tc.want.routed || got.list != tc.want.list || got.network != tc.want.network || !equalStatuses(got.vps, tc.want.vps) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if tc.want.routed.OK() != (s.RoutedIPv6 != nil) {
				t.Errorf("routed IPv6 data %v with status %s (max_stale 0)", s.RoutedIPv6 != nil, s.RoutedIPv6Status)
			}
		})
	}
}

func equalStatuses(a, b []account.Status) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A failed VPS read costs only that VPS's data.
func TestFailedVPSLosesOnlyItsData(t *testing.T) {
	acct := manyVPS(6)
	srv := newFake(t, acct)
	victim := acct.VPS[0].ID
	srv.Fail(hostuptest.ForVPS(victim), hostuptest.Fault{Status: 500, Code: "internal_error"})
	f := newFixture(t, parse(t, srv.URL, "", "  max_stale: 0s\n", testToken))
	s := f.snapshot(t, 10*time.Second)
	for _, v := range s.VPS {
		if (v.ID == victim) != (v.Network == nil) {
			t.Errorf("VPS %s: network data %v", v.ID, v.Network != nil)
		}
	}
	if s.RoutedIPv6 == nil || len(s.List) != len(acct.VPS) {
		t.Error("routed IPv6 or the list lost with one VPS's failure")
	}
}

// A hanging API never holds a scrape past its deadline; slow answers past it
// go on filling the cache, and the next scrape joins that round.
func TestSlowAPI(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount(), hostuptest.WithLatency(time.Second))
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	start := time.Now()
	s := f.snapshot(t, 100*time.Millisecond)
	if took := time.Since(start); took > 800*time.Millisecond {
		t.Errorf("scrape with a 100ms deadline took %s", took)
	}
	if s.Up() {
		t.Error("up before any read ended")
	}
	s = f.snapshot(t, 5*time.Second)
	if !s.Up() || !s.NetworkStatus.OK() {
		t.Errorf("second scrape: %s, want the first round's results", statuses(s))
	}
	if n := srv.Calls(hostuptest.EndpointRoutedIPv6); n != 1 {
		t.Errorf("routed IPv6 read %d times, want 1: the second scrape joins the first round", n)
	}

	hang := newFake(t, hostuptest.DocsAccount())
	hang.Fail(hostuptest.Target{}, hostuptest.Fault{Hang: true})
	f = newFixture(t, parse(t, hang.URL, "", "", testToken))
	start = time.Now()
	if s = f.snapshot(t, 500*time.Millisecond); s.Up() {
		t.Error("up with a hanging API")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("scrape took %s with a 500ms deadline", took)
	}
}

// A list whose cursor repeats fails the list, but the VPSes of the last good
// list are still read.
func TestRepeatedCursorFallsBackToLastGoodList(t *testing.T) {
	acct := manyVPS(12)
	srv := newFake(t, acct, hostuptest.WithPageSize(5))
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	f.snapshot(t, 10*time.Second)
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{RepeatCursor: true})
	srv.ResetCalls()
	s := f.snapshot(t, 10*time.Second)
	if s.ListStatus.OK() || !s.NetworkStatus.OK() {
		t.Errorf("%s, want the list failed and the network read from the last good list", statuses(s))
	}
	if got := srv.Calls(hostuptest.EndpointVPSNetwork); got != len(acct.VPS) || len(s.VPS) != len(acct.VPS) {
		t.Errorf("%d network reads, %d VPSes, want %d", got, len(s.VPS), len(acct.VPS))
	}
}

// max_requests_per_second paces the account's calls.
func TestPacing(t *testing.T) {
	srv := newFake(t, manyVPS(6))
	f := newFixture(t, parse(t, srv.URL, "", "  max_requests_per_second: 20\n", testToken))
	start := time.Now()
	f.snapshot(t, 10*time.Second)
	took := time.Since(start)
	calls := srv.TotalCalls()
	// A burst of 1 at 20/s: the n-th call waits (n-1)/20 s.
	if least := time.Duration(calls-1) * 50 * time.Millisecond; took < least-10*time.Millisecond {
		t.Errorf("%d calls took %s with 20 calls/s, want at least %s", calls, took, least)
	}
}

// A rejected key is logged once, at error, naming the scope probably
// missing, not on every scrape.
func TestAuthFailureLoggedOnce(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Status: 403, Code: "forbidden"})
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	for i := 0; i < 3; i++ {
		f.snapshot(t, 5*time.Second)
	}
	logs := f.logs.String()
	if n := strings.Count(logs, "refused the key"); n != 1 {
		t.Errorf("auth failure logged %d times over 3 scrapes, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "level=error") || !strings.Contains(logs, "read:network") {
		t.Errorf("log does not name the scope read:network at error:\n%s", logs)
	}
	if strings.Contains(logs, testToken) {
		t.Error("token in the log")
	}
}

// A VPS whose network state changed is shown anew, although its unchanged
// neighbours are not decoded again.
func TestChangedNetworkIsShown(t *testing.T) {
	acct := hostuptest.DemoAccount(5)
	srv := newFake(t, acct)
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	s := f.snapshot(t, 10*time.Second)
	id := acct.VPS[0].ID
	before, neighbour := s.VPS[0].Network, s.VPS[1].Network
	changed := hostuptest.DemoAccount(5)
	changed.Token = acct.Token
	used := 7.0
	changed.Networks[id].IPChangePolicy.UsedThisPeriod = &used
	srv.SetAccount(changed)
	s = f.snapshot(t, 10*time.Second)
	if s.VPS[0].ID != id || s.VPS[0].Network == before || *s.VPS[0].Network.IPChangePolicy.UsedThisPeriod != 7 {
		t.Errorf("changed network not shown")
	}
	if s.VPS[1].Network != neighbour {
		t.Error("an unchanged neighbour was decoded again")
	}
}
