package hostuptest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

func TestDemoAccountIsDeterministic(t *testing.T) {
	for _, n := range []int{0, 1, 25, 300} {
		a, b := hostuptest.DemoAccount(n), hostuptest.DemoAccount(n)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("DemoAccount(%d) differs between two calls", n)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("DemoAccount(%d) marshals differently between two calls", n)
		}
		if len(a.VPS) != n || len(a.Networks) != n {
			t.Errorf("DemoAccount(%d): %d VPSes, %d networks", n, len(a.VPS), len(a.Networks))
		}
	}
	if n := len(hostuptest.DemoAccount(-3).VPS); n != 0 {
		t.Errorf("DemoAccount(-3) has %d VPSes", n)
	}
}

func TestDemoAccountIsWellFormed(t *testing.T) {
	acct := hostuptest.DemoAccount(800) // past the 720 VPSes the documentation ranges hold
	idRe := regexp.MustCompile(`^vps_[0-9a-hjkmnp-tv-z]{26}$`)
	nameRe := regexp.MustCompile(`^[a-z]+-\d{2,}$`)
	ids, names, ips := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, v := range acct.VPS {
		if !idRe.MatchString(v.ID) || !nameRe.MatchString(v.Name) {
			t.Errorf("id %q, name %q", v.ID, v.Name)
		}
		if ids[v.ID] || names[v.Name] {
			t.Errorf("duplicate id %q or name %q", v.ID, v.Name)
		}
		ids[v.ID], names[v.Name] = true, true
		if v.PrimaryIP != nil {
			if ips[*v.PrimaryIP] {
				t.Errorf("duplicate primaryIp %s", *v.PrimaryIP)
			}
			ips[*v.PrimaryIP] = true
		}
		n := acct.Networks[v.ID]
		if n == nil {
			t.Fatalf("%s has no network", v.ID)
		}
		if !reflect.DeepEqual(n.PrimaryIP, v.PrimaryIP) {
			t.Errorf("%s: network primaryIP %v, list primaryIp %v", v.ID, n.PrimaryIP, v.PrimaryIP)
		}
		for _, l := range []*hostup.Limit{n.Limits.IPv4, n.Limits.IPv6} {
			if *l.Total-*l.Used != *l.Available {
				t.Errorf("%s: limit %v - %v != %v", v.ID, *l.Total, *l.Used, *l.Available)
			}
		}
	}
	if acct.VPS[0].Name != "web-01" || acct.VPS[1].Name != "web-02" || acct.VPS[2].Name != "app-01" {
		t.Errorf("first names: %s, %s, %s", acct.VPS[0].Name, acct.VPS[1].Name, acct.VPS[2].Name)
	}
	for _, d := range acct.RoutedIPv6.Destinations {
		if !ids[d.VPSID] {
			t.Errorf("destination %s is not a VPS", d.VPSID)
		}
	}
}

// TestDemoAccountVariety checks the default demo (25 VPSes) has every case
// its documentation promises, so a demo scrape shows them all.
func TestDemoAccountVariety(t *testing.T) {
	acct := hostuptest.DemoAccount(25)

	count := map[string]int{}
	seen := func(what string, ok bool) {
		if ok {
			count[what]++
		}
	}
	var futureGates int
	for _, v := range acct.VPS {
		seen("status "+v.ServiceStatus, true)
		seen("powerState null", v.PowerState == nil)
		seen("powerState running", v.PowerState != nil && *v.PowerState == "running")
		seen("powerState stopped", v.PowerState != nil && *v.PowerState == "stopped")

		n := acct.Networks[v.ID]
		seen("1 interface", len(n.Interfaces) == 1)
		seen("2 interfaces", len(n.Interfaces) == 2)
		for _, ifc := range n.Interfaces {
			for _, a := range ifc.IP {
				seen("address "+*a.Type+" private "+strconv.FormatBool(*a.IsPrivate), true)
			}
		}
		for _, pn := range n.PrivateNetworks {
			for _, s := range pn.Subnets {
				seen("subnet with usage", s.Usage != nil)
				seen("subnet without usage", s.Usage == nil)
			}
		}
		p := n.IPChangePolicy
		seen("ipChangePolicy null", p == nil)
		seen("ipChangePolicy exhausted", p != nil && *p.Remaining == 0 && !*p.CanChangeNow && p.BlockedReason != nil)
		seen("ipChangePolicy open", p != nil && *p.CanChangeNow)
		seen("ipv4 limit exhausted", *n.Limits.IPv4.Available == 0)

		for name, g := range n.Actions {
			seen("gate allowed", g.Allowed)
			seen("gate blocked with code", !g.Allowed && g.Reason != nil && g.Code != nil)
			seen("gate blocked without code", !g.Allowed && g.Reason != nil && g.Code == nil)
			if name == "canAttachFloatingIp" {
				futureGates++
			}
		}
		g := n.Actions["canAddIpv4"]
		seen("canAddIpv4 ipv4_limit_reached", !g.Allowed && *g.Reason == "Your plan's IPv4 limit has been reached." && *g.Code == "ipv4_limit_reached")
		seen("canUpgradeIPv6 present", n.Actions["canUpgradeIPv6"].Reason != nil || n.Actions["canUpgradeIPv6"].Allowed)
	}
	for _, want := range []string{
		"status active", "status suspended", "status pending", "status unknown",
		"powerState null", "powerState running", "powerState stopped",
		"1 interface", "2 interfaces",
		"address ipv4 private false", "address ipv6 private false", "address ipv4 private true",
		"subnet with usage", "subnet without usage",
		"ipChangePolicy null", "ipChangePolicy exhausted", "ipChangePolicy open", "ipv4 limit exhausted",
		"gate blocked with code", "gate blocked without code", "canAddIpv4 ipv4_limit_reached",
	} {
		if count[want] == 0 {
			t.Errorf("no VPS with %s", want)
		}
	}
	if count["status active"] < len(acct.VPS)/2 {
		t.Errorf("only %d of %d VPSes active", count["status active"], len(acct.VPS))
	}
	if count["gate allowed"] < count["gate blocked with code"]+count["gate blocked without code"] {
		t.Errorf("gates mostly blocked: %v", count)
	}
	if futureGates != 1 {
		t.Errorf("%d VPSes have canAttachFloatingIp, want 1", futureGates)
	}

	r := acct.RoutedIPv6
	if len(r.Pools) != 2 {
		t.Fatalf("%d pools, want 2", len(r.Pools))
	}
	var lengths []float64
	for _, route := range r.Pools[0].Routes {
		lengths = append(lengths, *route.PrefixLength)
	}
	if !reflect.DeepEqual(lengths, []float64{64, 64, 56}) || *r.Pools[0].PrefixLength != 48 {
		t.Errorf("pool 0 routes of lengths %v", lengths)
	}
	if r.Pools[1].Routes == nil || len(r.Pools[1].Routes) != 0 {
		t.Errorf("pool 1 routes = %v, want an empty list", r.Pools[1].Routes)
	}
	if len(r.Destinations) != count["status active"] {
		t.Errorf("%d destinations for %d active VPSes", len(r.Destinations), count["status active"])
	}
	hops := map[string]string{}
	blocked := 0
	for _, d := range r.Destinations {
		g := d.Actions["canReceiveRoute"]
		if !g.Allowed && g.Reason != nil {
			blocked++
		}
		if d.NextHop != nil {
			hops[d.VPSID] = *d.NextHop
		}
	}
	if blocked == 0 || blocked == len(r.Destinations) {
		t.Errorf("%d of %d destinations blocked, want some", blocked, len(r.Destinations))
	}
	for _, route := range r.Pools[0].Routes {
		if hops[route.VPSID] != route.NextHop {
			t.Errorf("route %s: nextHop %s, destination's %s", route.Prefix, route.NextHop, hops[route.VPSID])
		}
	}
	if len(r.Actions) == 0 || r.Pools[0].Actions["canRelease"].Allowed {
		t.Errorf("account gates %v, pool 0 gates %v", r.Actions, r.Pools[0].Actions)
	}

	t.Run("served nulls", func(t *testing.T) {
		srv := hostuptest.NewServer(acct)
		defer srv.Close()
		var withNull int
		for _, v := range acct.VPS {
			var n map[string]any
			if err := json.Unmarshal(get(t, srv, "/api/v2/vps/"+v.ID+"/network").body, &n); err != nil {
				t.Fatal(err)
			}
			if p, ok := n["ipChangePolicy"]; ok && p == nil {
				withNull++
			}
		}
		if withNull == 0 {
			t.Error(`no network served "ipChangePolicy": null`)
		}
	})
}

// The fake must cost little per request so that benchmarks measure the
// exporter: bodies are marshalled once, by SetAccount.
func BenchmarkServer(b *testing.B) {
	acct := hostuptest.DemoAccount(5000)
	srv := hostuptest.NewUnstartedServer(acct)
	defer srv.Close()
	h := srv.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v2/vps?limit=100", nil))
	var first struct{ NextCursor string }
	if err := json.Unmarshal(rec.Body.Bytes(), &first); err != nil || first.NextCursor == "" {
		b.Fatalf("first page: %v", err)
	}
	cursor := first.NextCursor
	for _, bm := range []struct{ name, path string }{
		{"vps_list/page_of_100", "/api/v2/vps?limit=100"},
		{"vps_list/later_page", "/api/v2/vps?limit=100&cursor=" + cursor},
		{"vps_network", "/api/v2/vps/" + acct.VPS[4321].ID + "/network"},
		{"routed_ipv6", "/api/v2/routed-ipv6"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, bm.path, nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
	b.Run("SetAccount", func(b *testing.B) {
		for b.Loop() {
			srv.SetAccount(acct)
		}
	})
}
