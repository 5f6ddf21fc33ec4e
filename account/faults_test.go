package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/collector"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// api_url answering 301 to another origin: no request goes there (the
// token stays with the configured URL), the reads fail and it is logged.
func TestRedirectIsRefused(t *testing.T) {
	other := newFake(t, hostuptest.DocsAccount())
	srv := newFake(t, hostuptest.DocsAccount())
	srv.Fail(hostuptest.Target{}, hostuptest.Fault{Status: 301, Location: other.URL + "/api/v2/vps?secret=1"})
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	s := f.snapshot(t, 10*time.Second)
	if s.Up() || s.RoutedIPv6Status.OK() || s.ListStatus.OK() || s.NetworkStatus.OK() {
		t.Errorf("redirected API: %s, want every read failed", statuses(s))
	}
	if n := other.TotalCalls(); n != 0 {
		t.Errorf("%d requests followed the redirect", n)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, "redirect") || !strings.Contains(logs, strings.TrimPrefix(other.URL, "http://")) || strings.Contains(logs, "secret=1") {
		t.Errorf("log should name the redirect and its origin only:\n%s", logs)
	}
	if strings.Contains(logs, testToken) {
		t.Error("token in the log")
	}
}

// One field of an unexpected type costs that field only: the VPS keeps its
// other data, the mismatch is reported for the metric, and logged at warn
// once per field however many scrapes see it.
func TestFieldOfUnexpectedTypeCostsThatFieldOnly(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   map[string]any
		field string
		check func(t *testing.T, v account.VPSState)
	}{
		{"vlan as a string", map[string]any{"/interfaces/0/vlan": "112"}, "interfaces[].vlan", func(t *testing.T, v account.VPSState) {
			if v.Network.Interfaces[0].VLAN != nil || v.Network.Interfaces[0].MAC == nil || v.Network.Limits == nil {
				t.Errorf("interface 0: vlan %v, mac %v, limits %v; want only vlan gone", v.Network.Interfaces[0].VLAN, v.Network.Interfaces[0].MAC, v.Network.Limits)
			}
		}},
		{"limits as an array", map[string]any{"/limits": []any{}}, "limits", func(t *testing.T, v account.VPSState) {
			if v.Network.Limits != nil || len(v.Network.Interfaces) == 0 || v.Network.IPChangePolicy == nil {
				t.Errorf("limits %v, %d interfaces; want only limits gone", v.Network.Limits, len(v.Network.Interfaces))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t, hostuptest.DocsAccount())
			srv.Fail(hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Set: tc.set})
			f := newFixture(t, parse(t, srv.URL, "", "", testToken))
			f.snapshot(t, 10*time.Second)
			s := f.snapshot(t, 10*time.Second)
			if len(s.VPS) != 1 || s.VPS[0].Status != account.Read || s.VPS[0].Network == nil {
				t.Fatalf("VPS: %+v, want read", s.VPS)
			}
			tc.check(t, s.VPS[0])
			select {
			case got := <-f.obs.mismatches:
				if got != "vps_network "+tc.field {
					t.Errorf("mismatch reported as %q, want vps_network %s", got, tc.field)
				}
			default:
				t.Error("no mismatch reported")
			}
			if n := strings.Count(f.logs.String(), "field="+tc.field); n != 1 {
				t.Errorf("mismatch logged %d times over 2 scrapes, want 1:\n%s", n, f.logs)
			}
		})
	}
}

// A nextCursor that changes on every page while the items repeat ends the
// list at the first page that adds nothing: a couple of list calls, not the
// page cap; the list is reported failed and the VPSes seen are read.
func TestListWithoutProgressStops(t *testing.T) {
	acct := manyVPS(12)
	srv := newFake(t, acct, hostuptest.WithPageSize(5))
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{SpinCursor: true})
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	s := f.snapshot(t, 10*time.Second)
	if n := srv.Calls(hostuptest.EndpointVPSList); n > 3 {
		t.Errorf("%d list calls for a list that makes no progress, want at most 3", n)
	}
	if s.ListStatus.OK() {
		t.Errorf("list status %s, want failed", s.ListStatus)
	}
	if len(s.VPS) == 0 || s.VPS[0].Status != account.Read {
		t.Errorf("the VPSes seen were not read: %+v", s.VPS)
	}
	if n := strings.Count(f.logs.String(), "endpoint=vps_list"); n != 1 {
		t.Errorf("%d log lines for the list, want 1:\n%s", n, f.logs)
	}
}

// A full list page with no pagination field the client knows ends the list
// and warns once.
func TestUnterminatedListWarnsOnce(t *testing.T) {
	// A full page: as many VPSes as the client asks for (100).
	srv := newFake(t, manyVPS(120))
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), hostuptest.Fault{NoPaginationFields: true})
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	f.snapshot(t, 10*time.Second)
	f.snapshot(t, 10*time.Second)
	if n := strings.Count(f.logs.String(), "may be cut short"); n != 1 {
		t.Errorf("%d warnings for an unterminated list over 2 scrapes, want 1:\n%s", n, f.logs)
	}
}

// Two interfaces with the same id cannot be told apart: the scrape drops
// the second's series, and the account logs it at warn, once.
func TestCollidingItemsAreLogged(t *testing.T) {
	srv := newFake(t, hostuptest.DocsAccount())
	srv.Fail(hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Set: map[string]any{
		"/interfaces/-": map[string]any{"id": "net0", "linkDown": true},
	}})
	f := newFixture(t, parse(t, srv.URL, "", "", testToken))
	a, _ := f.set.Get("production")
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, done, err := collector.NewGatherer(ctx, a).Gather()
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		done()
	}
	logs := f.logs.String()
	if n := strings.Count(logs, "series dropped"); n != 1 || !strings.Contains(logs, "metric=hostup_vps_interface_link_up") {
		t.Errorf("collision logged %d times over 2 scrapes, want once naming the metric:\n%s", n, logs)
	}
}
