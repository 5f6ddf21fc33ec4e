package hostuptest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// demoSeed fixes DemoAccount's randomness: the same n gives the same account
// on every run and every machine.
const demoSeed = 0x686f73747570 // "hostup"

// Salts that keep the ids of different kinds apart.
const (
	saltVPS    = 0x1f3a5c7e9b2d4f60
	saltIP     = 0x2e4c6a8b0d1f3e50
	saltSubnet = 0x3d5b7a9c1e2f4a80
	saltPool   = 0x4c6e8a0b2d3f5c10
	saltRoute  = 0x5b7d9f1a3c4e6b20
)

var demoRoles = []string{"web", "web", "app", "db", "web", "cache", "app", "worker", "lb", "mon"}

type demoSize struct{ cpu, memGB, diskGB, price float64 }

var demoSizes = map[string]demoSize{
	"web":    {2, 4, 80, 149},
	"app":    {4, 8, 160, 299},
	"db":     {8, 32, 320, 899},
	"cache":  {2, 8, 40, 199},
	"worker": {4, 16, 160, 449},
	"lb":     {1, 2, 20, 79},
	"mon":    {2, 4, 80, 149},
}

var demoOS = []string{"Ubuntu 24.04 LTS", "Debian 12", "AlmaLinux 9", "Ubuntu 22.04 LTS", "Rocky Linux 9"}

// demoVPS is what DemoAccount decides about one VPS before building the API
// objects.
type demoVPS struct {
	i          int
	id, name   string
	status     string
	power      *string
	ipv4       *string // primary, nil for a VPS still being provisioned
	ipv6       *string // its routed next hop, nil without IPv6
	private    bool    // has a private interface
	subnet     int     // which private subnet, when private
	extraIPv4  bool    // a second public IPv4 on net0
	ipv4Limit  float64
	ipv6Limit  float64
	policy     string // "normal", "exhausted" or "null"
	futureGate bool
}

// DemoAccount is a realistic account of n VPSes for demos and benchmarks.
// It is deterministic: the same n gives the same account. Names run web-01,
// web-02, app-01, db-01, ...; ids look like HostUp's.
//
// The variety follows the VPS's index i (0-based), so any n of 20 or more
// has all of it:
//   - serviceStatus: active except suspended (i%20 == 7), pending
//     (i%20 == 13), "unknown" (i%20 == 17) and "migrating" (i%20 == 19, a
//     value HostUp does not document, as open enums allow); powerState
//     running, some stopped, null for pending and for active i%23 == 11;
//   - networks with one public interface (IPv4, IPv6 for most) and a private
//     one for i%3 == 2, with private networks, subnets and usage;
//   - ipChangePolicy null (i%5 == 4) or exhausted (i%6 == 1: remaining 0,
//     canChangeNow false, blockedReason);
//   - IPv4 limits exhausted for i%7 == 3 and i%10 == 0, blocking canAddIpv4
//     ("Your plan's IPv4 limit has been reached.", code ipv4_limit_reached);
//     suspended and pending VPSes have every gate blocked (codes
//     vps_suspended, pending_order); canUpgradeIPv6 is sometimes blocked
//     without a code;
//   - the VPS with i == 2 has an extra gate no client knows yet,
//     canAttachFloatingIp;
//   - routed IPv6: pool 2001:db8:1000::/48 with two /64 and one /56 routes
//     (when there are three active VPSes with IPv6) and pool
//     2001:db8:2000::/48 without routes; a destination per active VPS,
//     canReceiveRoute blocked for those without IPv6; account gates.
//
// Its dates follow the clock: the IP-change period is the current calendar
// month (UTC), so nextReset is always the first of next month, and routes,
// pools and last IP changes lie that far before it. DemoNow pins the clock:
// a golden file made from a DemoAccount passes DemoNow(DemoEpoch), so that it
// stays the same from month to month.
func DemoAccount(n int, opts ...DemoOption) *Account {
	cfg := demoConfig{now: time.Now()}
	for _, o := range opts {
		o(&cfg)
	}
	n = max(n, 0)
	clk := newDemoClock(cfg.now)
	vs := make([]demoVPS, n)
	perRole := map[string]int{}
	subnetMembers := map[int]int{}
	for i := range vs {
		role := demoRoles[i%len(demoRoles)]
		perRole[role]++
		vs[i] = newDemoVPS(i, fmt.Sprintf("%s-%02d", role, perRole[role]))
		if vs[i].private {
			subnetMembers[vs[i].subnet]++
		}
	}

	acct := &Account{
		VPS:      make([]hostup.VPS, n),
		Networks: make(map[string]*hostup.VPSNetwork, n),
	}
	for i, v := range vs {
		rng := rand.New(rand.NewPCG(demoSeed, uint64(i)))
		acct.VPS[i] = v.listItem(rng)
		acct.Networks[v.id] = v.network(rng, subnetMembers[v.subnet], clk)
	}
	acct.RoutedIPv6 = demoRoutedIPv6(vs, clk)
	return acct
}

func newDemoVPS(i int, name string) demoVPS {
	v := demoVPS{
		i:         i,
		id:        "vps_" + ulid(saltVPS, uint64(i)),
		name:      name,
		status:    "active",
		power:     ptr("running"),
		ipv4Limit: 2,
		policy:    "normal",
	}
	switch i % 20 {
	case 7:
		v.status, v.power = "suspended", ptr("stopped")
	case 13:
		v.status, v.power = "pending", nil
	case 17:
		v.status, v.power = "unknown", ptr("unknown")
	case 19:
		v.status, v.power = "migrating", ptr("paused")
	}
	if v.status == "active" {
		switch {
		case i%23 == 11:
			v.power = nil
		case i%9 == 4:
			v.power = ptr("stopped")
		}
	}
	if v.status != "pending" {
		v.ipv4 = ptr(demoIPv4(i).String())
		if i%4 != 1 {
			v.ipv6 = ptr(demoIPv6Prefix(i).Addr().Next().String())
			v.ipv6Limit = 4
			if i%6 == 0 {
				v.ipv6Limit = 1
			}
		}
	}
	if i%7 == 3 {
		v.ipv4Limit = 1
	}
	// A second address fills a limit of 2.
	v.extraIPv4 = v.ipv4 != nil && i%10 == 0 && v.ipv4Limit == 2
	v.private = i%3 == 2
	v.subnet = (i / 3) % 4
	switch {
	case i%5 == 4:
		v.policy = "null"
	case i%6 == 1:
		v.policy = "exhausted"
	}
	v.futureGate = i == 2
	return v
}

// demoIPv4 is the primary IPv4 of VPS i: the documentation ranges, then the
// benchmarking range 198.18.0.0/16 for big accounts (unique up to 66,000
// VPSes).
func demoIPv4(i int) netip.Addr {
	nets := [][3]byte{{203, 0, 113}, {198, 51, 100}, {192, 0, 2}}
	const hosts = 240 // .10 .. .249
	if i < len(nets)*hosts {
		n := nets[i/hosts]
		return netip.AddrFrom4([4]byte{n[0], n[1], n[2], byte(10 + i%hosts)})
	}
	j := i - len(nets)*hosts + 256 // skip 198.18.0.x
	return netip.AddrFrom4([4]byte{198, 18, byte(j >> 8), byte(j)})
}

// demoSpareIPv4 is a public IPv4 that is no VPS's primary: the extra
// addresses and the available ones, from 198.19.0.0/16.
func demoSpareIPv4(k int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 19, byte(k / 240), byte(10 + k%240)})
}

func subnet24(a netip.Addr) *hostup.Subnet {
	p, _ := a.Prefix(24)
	return &hostup.Subnet{ParentCIDR: ptr(p.String()), Gateway: ptr(p.Addr().Next().String())}
}

func demoIPv6Prefix(i int) netip.Prefix {
	a := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, byte(i >> 8), byte(i)})
	return netip.PrefixFrom(a, 64)
}

func (v demoVPS) listItem(rng *rand.Rand) hostup.VPS {
	role := demoRoles[v.i%len(demoRoles)]
	size := demoSizes[role]
	vps := hostup.VPS{
		ID:            v.id,
		Name:          v.name,
		PrimaryIP:     v.ipv4,
		ServiceStatus: v.status,
		PowerState:    v.power,
		Resources: &hostup.Resources{
			CPUCores:  ptr(size.cpu),
			MemoryGB:  ptr(size.memGB),
			StorageGB: ptr(size.diskGB),
		},
		Billing: &hostup.Billing{
			Amount:       ptr(size.price),
			CurrencyCode: ptr("SEK"),
			BillingCycle: ptr("monthly"),
			IsPayg:       ptr(v.i%8 == 6),
		},
	}
	if v.i%6 == 5 {
		vps.Billing.BillingCycle = ptr("annually")
		vps.Billing.Amount = ptr(size.price * 11) // a month free
		vps.Billing.PeriodYears = ptr(1.0)
	}
	if v.status != "pending" {
		// The object's fields are not documented; it passes through as raw
		// JSON.
		osJSON, _ := json.Marshal(map[string]string{"name": demoOS[rng.IntN(len(demoOS))]})
		vps.OperatingSystem = ptr(json.RawMessage(osJSON))
	}
	return vps
}

func (v demoVPS) network(rng *rand.Rand, subnetMembers int, clk demoClock) *hostup.VPSNetwork {
	var vlan *float64
	if v.i%4 != 3 {
		vlan = ptr(112.0)
	}
	mac := func(nic byte) *string {
		m := v.i + 0x1000 // 52:54:00 is QEMU's prefix; the rest is the VPS
		return ptr(fmt.Sprintf("52:54:%02x:%02x:%02x:%02x", nic, byte(m>>16), byte(m>>8), byte(m)))
	}

	publicSubnet := subnet24(demoIPv4(v.i))

	var revdns *string
	if v.i%3 != 1 {
		revdns = ptr(v.name + ".example.net")
	}

	net0 := hostup.Interface{
		ID:              ptr("net0"),
		Model:           ptr("virtio"),
		MAC:             mac(0),
		Bridge:          ptr("vmbr0"),
		VLAN:            vlan,
		FirewallEnabled: ptr(rng.IntN(4) != 0),
		LinkDown:        ptr(v.status == "suspended"),
		IP:              []hostup.Address{},
	}
	ipv4Used, ipv6Used := 0.0, 0.0
	if v.ipv4 != nil {
		net0.IP = append(net0.IP, hostup.Address{
			ID: ptr("ip_" + ulid(saltIP, uint64(v.i)<<2)), Type: ptr("ipv4"), IP: v.ipv4, Mask: ptr("24"),
			Main: ptr(true), IsPrivate: ptr(false), RevDNS: revdns, RDNSAvailable: ptr(true),
			VLAN: vlan, Subnet: publicSubnet,
		})
		ipv4Used++
	}
	if v.extraIPv4 {
		extra := demoSpareIPv4(v.i * 4)
		net0.IP = append(net0.IP, hostup.Address{
			ID: ptr("ip_" + ulid(saltIP, uint64(v.i)<<2|1)), Type: ptr("ipv4"), IP: ptr(extra.String()), Mask: ptr("24"),
			Main: ptr(false), IsPrivate: ptr(false), RDNSAvailable: ptr(true),
			VLAN: vlan, Subnet: subnet24(extra),
		})
		ipv4Used++
	}
	if v.ipv6 != nil {
		p := demoIPv6Prefix(v.i)
		net0.IP = append(net0.IP, hostup.Address{
			ID: ptr("ip_" + ulid(saltIP, uint64(v.i)<<2|2)), Type: ptr("ipv6"), IP: v.ipv6, Mask: ptr("64"),
			Main: ptr(false), IsPrivate: ptr(false), RDNSAvailable: ptr(true),
			VLAN: vlan, Subnet: &hostup.Subnet{ID: ptr("subnet_" + ulid(saltSubnet, uint64(v.i))), ParentCIDR: ptr(p.String()), Gateway: ptr("fe80::1")},
		})
		ipv6Used++
	}
	ifaces := []hostup.Interface{net0}

	privateNetworks := []hostup.PrivateNetwork{}
	if v.private {
		k := v.subnet
		cidr := fmt.Sprintf("10.24.%d.0/24", 10+k)
		gw := fmt.Sprintf("10.24.%d.1", 10+k)
		subnetID := ptr("subnet_" + ulid(saltSubnet, 1<<40|uint64(k)))
		privVLAN := ptr(float64(220 + k))
		ifaces = append(ifaces, hostup.Interface{
			ID: ptr("net1"), Model: ptr("virtio"), MAC: mac(1), Bridge: ptr("vmbr1"), VLAN: privVLAN,
			FirewallEnabled: ptr(false), LinkDown: ptr(false),
			IP: []hostup.Address{{
				ID: ptr("ip_" + ulid(saltIP, uint64(v.i)<<2|3)), Type: ptr("ipv4"),
				IP: ptr(fmt.Sprintf("10.24.%d.%d", 10+k, 10+v.i/12%240)), Mask: ptr("24"),
				Main: ptr(false), IsPrivate: ptr(true), RDNSAvailable: ptr(false), VLAN: privVLAN,
				Subnet: &hostup.Subnet{ID: subnetID, Name: ptr("backend"), ParentCIDR: ptr("10.24.0.0/16"), Gateway: ptr(gw)},
			}},
		})
		status := "active"
		if v.i%9 == 8 {
			status = "pending_switch"
		}
		subnets := []hostup.PrivateSubnet{{
			ID: subnetID, SubnetCIDR: ptr(cidr), VLANTag: privVLAN, Gateway: ptr(gw), Status: ptr("active"),
			Usage: &hostup.SubnetUsage{AssignedIPCount: ptr(float64(subnetMembers)), TotalIPCount: ptr(250.0)},
		}}
		if k == 1 {
			// A subnet being built, its usage not known yet.
			subnets = append(subnets, hostup.PrivateSubnet{
				ID: ptr("subnet_" + ulid(saltSubnet, 2<<40|uint64(k))), SubnetCIDR: ptr("10.24.200.0/24"),
				VLANTag: ptr(299.0), Gateway: ptr("10.24.200.1"), Status: ptr("provisioning"),
			})
		}
		privateNetworks = append(privateNetworks, hostup.PrivateNetwork{
			ParentCIDR: ptr("10.24.0.0/16"), Status: ptr(status), Subnets: subnets,
		})
	}

	availableIPv4 := []hostup.AvailableIP{}
	for k := range rng.IntN(3) {
		a := demoSpareIPv4(v.i*4 + 1 + k)
		availableIPv4 = append(availableIPv4, hostup.AvailableIP{
			ID: ptr("ip_" + ulid(saltIP, 1<<50|uint64(v.i)<<2|uint64(k))), Type: ptr("ipv4"), IP: ptr(a.String()),
			Status: []string{"available", "assigned_to_account"}[k%2], Mask: ptr("24"),
			Main: ptr(false), IsPrivate: ptr(false), Subnet: subnet24(a),
		})
	}
	availableIPv6 := []hostup.AvailableIP{}
	if v.ipv6 != nil && v.i%2 == 0 {
		a := demoIPv6Prefix(v.i).Addr().Next().Next()
		availableIPv6 = append(availableIPv6, hostup.AvailableIP{
			ID: ptr("ip_" + ulid(saltIP, 2<<50|uint64(v.i))), Type: ptr("ipv6"), IP: ptr(a.String()),
			Status: "available", Mask: ptr("64"), Main: ptr(false), IsPrivate: ptr(false),
		})
	}

	ipv4Limit := v.ipv4Limit
	ipv4Exhausted := ipv4Used >= ipv4Limit
	ipv6Exhausted := ipv6Used >= v.ipv6Limit

	pool4 := float64(rng.IntN(40))
	avail4 := &hostup.FamilyAvailability{
		AvailableCount: ptr(pool4), CurrentNetworkAvailableCount: ptr(float64(rng.IntN(int(pool4) + 1))),
		CurrentNetworkKnown: ptr(true),
	}
	if pool4 == 0 {
		avail4.Reason = ptr("No public IPv4 addresses are available in this location.")
	}
	if v.i%8 == 3 {
		avail4.CurrentNetworkAvailableCount, avail4.CurrentNetworkKnown = nil, ptr(false)
	}
	avail6 := &hostup.FamilyAvailability{
		AvailableCount: ptr(91.0), CurrentNetworkAvailableCount: ptr(float64(16 - rng.IntN(4))), CurrentNetworkKnown: ptr(true),
	}
	if v.ipv6 == nil {
		avail6.CurrentNetworkAvailableCount, avail6.CurrentNetworkKnown = ptr(0.0), ptr(false)
		avail6.Reason = ptr("No IPv6 subnet is currently attached to this VPS.")
	}

	var upgrade *hostup.UpgradeOption
	if v.ipv6 == nil || v.i%2 == 0 {
		upgrade = &hostup.UpgradeOption{
			Key: ptr("ipv6Addresses"), Name: ptr("IPv6 addresses"), Min: ptr(0.0), Max: ptr(16.0), Step: ptr(1.0),
			MonthlyPrice: ptr(0.0), CurrencyCode: ptr("SEK"), CurrentValue: ptr(ipv6Used),
		}
	}
	var defaults *hostup.PrivateNetworkDefaults
	if v.i%8 != 5 {
		defaults = &hostup.PrivateNetworkDefaults{VLANRange: &hostup.Range{Min: ptr(200.0), Max: ptr(399.0)}}
	}

	var policy *hostup.IPChangePolicy
	switch v.policy {
	case "normal":
		policy = &hostup.IPChangePolicy{
			MonthlyLimit: ptr(1.0), UsedThisPeriod: ptr(0.0), Remaining: ptr(1.0),
			PeriodStart: ptr(clk.date(clk.period)), NextReset: ptr(clk.date(clk.next)), CanChangeNow: ptr(true),
		}
		if v.i%4 == 0 {
			// Last period.
			policy.LastUsedAt = ptr(clk.stamp(clk.period.AddDate(0, -1, v.i%28).Add(10*time.Hour + time.Duration(v.i%60)*time.Minute)))
		}
	case "exhausted":
		policy = &hostup.IPChangePolicy{
			MonthlyLimit: ptr(1.0), UsedThisPeriod: ptr(1.0), Remaining: ptr(0.0),
			PeriodStart: ptr(clk.date(clk.period)), NextReset: ptr(clk.date(clk.next)),
			// This period, and not after now.
			LastUsedAt:   ptr(clk.stamp(clk.notAfterNow(clk.period.AddDate(0, 0, v.i%14).Add(9*time.Hour + time.Duration(v.i%60)*time.Minute)))),
			CanChangeNow: ptr(false), BlockedReason: ptr("The monthly IP change limit has been reached."),
		}
	}

	var primaryNetwork *hostup.Subnet
	var primaryRDNS *string
	if v.ipv4 != nil {
		primaryNetwork, primaryRDNS = publicSubnet, revdns
	}

	return &hostup.VPSNetwork{
		Interfaces:              ifaces,
		AvailableIPv4:           availableIPv4,
		AvailableIPv6:           availableIPv6,
		IPv4Limit:               ptr(ipv4Limit),
		IPv6Limit:               ptr(v.ipv6Limit),
		ReservedPublicIPv4Count: ptr(ipv4Used),
		ReservedPublicIPv6Count: ptr(ipv6Used),
		Limits: &hostup.Limits{
			IPv4: &hostup.Limit{Total: ptr(ipv4Limit), Used: ptr(ipv4Used), Available: ptr(max(ipv4Limit-ipv4Used, 0))},
			IPv6: &hostup.Limit{Total: ptr(v.ipv6Limit), Used: ptr(ipv6Used), Available: ptr(max(v.ipv6Limit-ipv6Used, 0))},
		},
		PrimaryIP:              v.ipv4,
		PrimaryIPRDNS:          primaryRDNS,
		PrimaryRDNSAvailable:   ptr(v.ipv4 != nil),
		PrimaryNetwork:         primaryNetwork,
		IPAvailability:         &hostup.IPAvailability{IPv4: avail4, IPv6: avail6},
		VLANTag:                vlan,
		IPv6UpgradeOption:      upgrade,
		PrivateNetworks:        privateNetworks,
		PrivateNetworkDefaults: defaults,
		IPChangePolicy:         policy,
		Actions:                v.gates(ipv4Exhausted, ipv6Exhausted, upgrade != nil),
	}
}

func allowed() hostup.Gate { return hostup.Gate{Allowed: true} }

func blocked(reason, code string) hostup.Gate {
	g := hostup.Gate{Reason: ptr(reason)}
	if code != "" {
		g.Code = ptr(code)
	}
	return g
}

var networkGateNames = []string{"canAddPublicInterface", "canAddIpv4", "canAddIpv6", "canChangeIp", "canUpgradeIPv6", "canCreatePrivateNetwork"}

func (v demoVPS) gates(ipv4Exhausted, ipv6Exhausted, canUpgrade bool) hostup.Actions {
	a := hostup.Actions{}
	switch v.status {
	case "suspended":
		for _, name := range networkGateNames {
			a[name] = blocked("This VPS is suspended.", "vps_suspended")
		}
	case "pending":
		for _, name := range networkGateNames {
			a[name] = blocked("This VPS has a pending order.", "pending_order")
		}
	default:
		a["canAddPublicInterface"] = allowed()
		if ipv4Exhausted && v.ipv6 == nil {
			a["canAddPublicInterface"] = blocked("Your IPv4 limit has been reached. Enable IPv6 to add an IPv6 public interface.", "ipv4_limit_reached")
		}
		a["canAddIpv4"] = allowed()
		if ipv4Exhausted {
			a["canAddIpv4"] = blocked("Your plan's IPv4 limit has been reached.", "ipv4_limit_reached")
		}
		switch {
		case v.ipv6 == nil:
			a["canAddIpv6"] = blocked("No IPv6 subnet is currently attached to this VPS.", "ipv6_subnet_missing")
		case ipv6Exhausted:
			a["canAddIpv6"] = blocked("Your plan's IPv6 limit has been reached.", "ipv6_limit_reached")
		default:
			a["canAddIpv6"] = allowed()
		}
		a["canChangeIp"] = allowed()
		if v.policy == "exhausted" {
			a["canChangeIp"] = blocked("The monthly IP change limit has been reached.", "ip_change_limit_reached")
		}
		a["canUpgradeIPv6"] = allowed()
		if !canUpgrade {
			// A gate blocked without a code, as the docs' own examples are.
			a["canUpgradeIPv6"] = blocked("IPv6 upgrades are not offered for this VPS.", "")
		}
		a["canCreatePrivateNetwork"] = allowed()
		if v.i%11 == 10 {
			a["canCreatePrivateNetwork"] = blocked("Private networks are not available in this location.", "location_unsupported")
		}
	}
	if v.futureGate {
		a["canAttachFloatingIp"] = blocked("Floating IPs are not yet available for this VPS.", "feature_unavailable")
	}
	return a
}

func demoRoutedIPv6(vs []demoVPS, clk demoClock) *hostup.RoutedIPv6 {
	destinations := []hostup.Destination{}
	var routable []demoVPS
	for _, v := range vs {
		if v.status != "active" {
			continue
		}
		d := hostup.Destination{
			VPSID: v.id, Name: v.name, PrimaryIP: v.ipv4, NextHop: v.ipv6, ServiceStatus: v.status,
			Actions: hostup.Actions{"canReceiveRoute": allowed()},
		}
		if v.ipv6 == nil {
			d.Actions["canReceiveRoute"] = blocked("This VPS has no IPv6 address to use as next hop.", "")
		} else {
			routable = append(routable, v)
		}
		destinations = append(destinations, d)
	}

	specs := []struct {
		prefix string
		length float64
		label  *string
	}{
		{"2001:db8:1000:10::/64", 64, ptr("web subnet")},
		{"2001:db8:1000:11::/64", 64, nil},
		{"2001:db8:1000:100::/56", 56, ptr("k8s pods")},
	}
	routes := []hostup.Route{}
	for k, spec := range specs {
		if k >= len(routable) {
			break
		}
		v := routable[k]
		at := clk.stamp(clk.period.AddDate(0, -2, 9+k).Add(12*time.Hour + time.Duration(5*k)*time.Minute))
		routes = append(routes, hostup.Route{
			ID: "ripv6rt_" + ulid(saltRoute, uint64(k)), Prefix: spec.prefix, PrefixLength: ptr(spec.length),
			NextHop: *v.ipv6, Label: spec.label, VPSID: v.id, VPSName: v.name, Status: "active",
			AllocatedAt: ptr(at), UpdatedAt: ptr(at),
			Actions: hostup.Actions{"canDelete": allowed()},
		})
	}
	release := allowed()
	if len(routes) > 0 {
		release = blocked("Remove routed subnets before releasing this /48.", "")
	}
	canCreateRoute := allowed()
	if len(routable) == 0 {
		canCreateRoute = blocked("No VPS can receive a routed subnet.", "")
	}

	return &hostup.RoutedIPv6{
		Available:            ptr(true),
		AllowedPrefixLengths: []float64{48, 56, 64},
		Pools: []hostup.Pool{
			{
				ID: "ripv6_" + ulid(saltPool, 0), ParentCIDR: "2001:db8:1000::/48", PrefixLength: ptr(48.0),
				Status: "active", AllocatedAt: ptr(clk.stamp(clk.period.AddDate(0, -3, 14).Add(12 * time.Hour))),
				UpdatedAt: ptr(clk.stamp(clk.period.AddDate(0, -2, 11).Add(12*time.Hour + 10*time.Minute))),
				Routes:    routes,
				Actions:   hostup.Actions{"canCreateRoute": canCreateRoute, "canRelease": release},
			},
			{
				// A second /48 from before self-service allocation, unused.
				ID: "ripv6_" + ulid(saltPool, 1), ParentCIDR: "2001:db8:2000::/48", PrefixLength: ptr(48.0),
				Status: "active", AllocatedAt: ptr(clk.stamp(clk.period.AddDate(0, -5, 2).Add(8*time.Hour + 30*time.Minute))),
				UpdatedAt: ptr(clk.stamp(clk.period.AddDate(0, -5, 2).Add(8*time.Hour + 30*time.Minute))),
				Routes:    []hostup.Route{},
				Actions:   hostup.Actions{"canCreateRoute": canCreateRoute, "canRelease": allowed()},
			},
		},
		Destinations: destinations,
		Actions: hostup.Actions{
			"canAllocatePool": blocked("This account already has a routed /48.", ""),
			"canCreateRoute":  canCreateRoute,
		},
	}
}

// DemoEpoch is a fixed clock for DemoNow, for golden files: the IP-change
// period is April 2026, nextReset 2026-05-01.
var DemoEpoch = time.Date(2026, time.April, 15, 12, 0, 0, 0, time.UTC)

// DemoOption changes DemoAccount.
type DemoOption func(*demoConfig)

type demoConfig struct{ now time.Time }

// DemoNow makes DemoAccount's dates relative to now instead of the clock.
func DemoNow(now time.Time) DemoOption { return func(c *demoConfig) { c.now = now } }

// demoClock is the calendar DemoAccount's dates are taken from: the
// current IP-change period (this month, UTC) and the next one.
type demoClock struct{ now, period, next time.Time }

func newDemoClock(now time.Time) demoClock {
	now = now.UTC()
	period := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return demoClock{now: now, period: period, next: period.AddDate(0, 1, 0)}
}

// date is a day as the API writes nextReset: 2026-05-01.
func (demoClock) date(t time.Time) string { return t.Format(time.DateOnly) }

// stamp is a time as the API writes timestamps: 2026-02-10T12:00:00.000Z.
func (demoClock) stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// notAfterNow is t, or now if t is later.
func (c demoClock) notAfterNow(t time.Time) time.Time {
	if t.After(c.now) {
		return c.now
	}
	return t
}
