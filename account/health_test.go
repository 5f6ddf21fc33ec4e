package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// With the API unreachable nothing is a success: the VPSes to read are
// unknown, so vps_network is not the vacuous 1 of "every call succeeded".
func TestUnreachableAPIIsNoSuccess(t *testing.T) {
	f := newFixture(t, parse(t, "http://127.0.0.1:1", "", "", testToken))
	s := f.snapshot(t, 10*time.Second)
	if s.Up() || s.RoutedIPv6Status.OK() || s.ListStatus.OK() || s.NetworkStatus.OK() {
		t.Errorf("unreachable API: up %v, %s; want everything failed", s.Up(), statuses(s))
	}
}

// An account known to have no VPS is the one vacuous success.
func TestKnownEmptyAccountIsSuccess(t *testing.T) {
	acct := hostuptest.DocsAccount()
	acct.VPS = nil
	srv := newFake(t, acct)
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	s := f.snapshot(t, 10*time.Second)
	if !s.Up() || s.NetworkStatus != account.Read || len(s.VPS) != 0 || s.NetworkLastSuccess.IsZero() {
		t.Errorf("empty account: up %v, %s, %d VPSes, network last success %v", s.Up(), statuses(s), len(s.VPS), s.NetworkLastSuccess)
	}
}

// A failed list with a usable last good list still knows what to read: the
// network reads of that list decide vps_network.
func TestFailedListFallsBackToLastGoodList(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	f.snapshot(t, 10*time.Second)
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{Status: 400, Code: "invalid_cursor"})
	s := f.snapshot(t, 10*time.Second)
	if s.ListStatus.OK() || !s.NetworkStatus.OK() || len(s.VPS) != 1 || s.VPS[0].Status != account.Read {
		t.Errorf("failed list with a kept one: %s, %d VPSes", statuses(s), len(s.VPS))
	}
}

// The last-success times outlive the data: after max_stale the data is
// dropped, but every endpoint's and each VPS's last success stays.
func TestLastSuccessOutlivesTheData(t *testing.T) {
	clk := newClock()
	srv := newFake(t, hostuptest.DocsAccount())
	f := newFixtureAt(t, parse(t, srv.URL, "", "  max_stale: 10m\n", testToken), clk.Now)
	good := f.snapshot(t, 10*time.Second)
	srv.Fail(hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Status: 403, Code: "forbidden"})
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), hostuptest.Fault{Status: 403, Code: "forbidden"})

	clk.Advance(5 * time.Minute)
	s := f.snapshot(t, 10*time.Second)
	if s.RoutedIPv6 == nil || s.VPS[0].Network == nil {
		t.Fatal("last good data not served within max_stale")
	}
	clk.Advance(6 * time.Minute)
	s = f.snapshot(t, 10*time.Second)
	if s.RoutedIPv6 != nil || s.VPS[0].Network != nil {
		t.Error("data older than max_stale still served")
	}
	if !s.RoutedIPv6LastSuccess.Equal(good.RoutedIPv6LastSuccess) || !s.NetworkLastSuccess.Equal(good.NetworkLastSuccess) || s.NetworkLastSuccess.IsZero() {
		t.Errorf("last success times: routed %v (was %v), network %v (was %v); want kept", s.RoutedIPv6LastSuccess, good.RoutedIPv6LastSuccess, s.NetworkLastSuccess, good.NetworkLastSuccess)
	}
	if !s.VPS[0].LastSuccess.Equal(good.VPS[0].LastSuccess) || s.VPS[0].LastSuccess.IsZero() {
		t.Errorf("VPS last success %v, want %v kept", s.VPS[0].LastSuccess, good.VPS[0].LastSuccess)
	}
	if !s.ListLastSuccess.After(good.ListLastSuccess) {
		t.Error("the list, read fine, did not move its last success")
	}
}

// A VPS whose network read fails is logged at warn at the default level,
// once per VPS and cause (not every scrape); a cause many VPSes share is
// one line naming a few of them; and each round has a summary line.
func TestVPSFailuresVisibleButNoFlood(t *testing.T) {
	acct := manyVPS(8)
	srv := newFake(t, acct, hostuptest.WithPageSize(100))
	for _, v := range acct.VPS[:6] {
		srv.Fail(hostuptest.ForVPS(v.ID), hostuptest.Fault{Status: 500, Code: "internal_error"})
	}
	for _, v := range acct.VPS[6:] {
		srv.Fail(hostuptest.ForVPS(v.ID), hostuptest.Fault{Status: 409, Code: "vps_not_ready"})
	}
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	for i := 0; i < 3; i++ {
		f.snapshot(t, 10*time.Second)
	}
	logs := f.logs.String()
	if n := strings.Count(logs, `cause="Internal Server Error (500)" err=`); n != 1 || !strings.Contains(logs, "vps_count=6") {
		t.Errorf("%d lines for the 6 VPSes failing with 500 over 3 scrapes, want 1 with vps_count=6:\n%s", n, logs)
	}
	for _, v := range acct.VPS[6:] {
		if n := strings.Count(logs, "vps_id="+v.ID); n != 1 {
			t.Errorf("VPS %s (409) logged %d times over 3 scrapes, want once:\n%s", v.ID, n, logs)
		}
	}
	if n := strings.Count(logs, `8 of 8 VPS network reads failed: Internal Server Error (500) x6, Conflict (409) x2`); n != 3 {
		t.Errorf("%d summary lines over 3 rounds, want 3:\n%s", n, logs)
	}
	if strings.Contains(logs, testToken) {
		t.Error("token in the log")
	}
}

// When the API is down, a round stops starting network reads after a few
// failures in a row: an outage costs a few calls a scrape, not one per VPS,
// and the VPSes not read keep their last good data.
func TestOutageDoesNotReadEveryVPS(t *testing.T) {
	acct := manyVPS(60)
	srv := newFake(t, acct, hostuptest.WithPageSize(100))
	f := newFixture(t, parse(t, srv.URL, "", "  concurrency: 4\n", testToken))
	f.snapshot(t, 10*time.Second)
	srv.Fail(hostuptest.Target{}, hostuptest.Fault{Status: 503, Code: "upstream_unavailable"})
	srv.ResetCalls()
	s := f.snapshot(t, 10*time.Second)
	// routed and list (3 tries each), then at most 4 in flight plus the 4
	// that halt the round (3 tries each).
	if n := srv.TotalCalls(); n > 2*3+8*3 {
		t.Errorf("%d calls in a round with the API down, want at most %d", n, 2*3+8*3)
	}
	if s.NetworkStatus.OK() || len(s.VPS) != 60 {
		t.Fatalf("network status %s, %d VPSes", s.NetworkStatus, len(s.VPS))
	}
	for _, v := range s.VPS {
		if v.Status.OK() || v.Network == nil {
			t.Fatalf("VPS %s: %s, data %v; want failed with last good data", v.ID, v.Status, v.Network != nil)
		}
	}
	if !strings.Contains(f.logs.String(), "not started: the API is failing x") {
		t.Errorf("summary does not say reads were not started:\n%s", f.logs)
	}
}
