package collector

import (
	"strconv"
	"strings"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

var (
	vpsInfo = newGauge("vps_info",
		"One VPS of the account (GET /api/v2/vps data[]); always 1.",
		"account", "vps_id", "vps_name", "primary_ip", "service_status", "power_state")
	vpsIPLimit = newGauge("vps_ip_limit",
		"Public IP limit of the VPS's plan (network limits.<family>.total).",
		"account", "vps_id", "vps_name", "family")
	vpsIPUsed = newGauge("vps_ip_used",
		"Public IPs in use against the limit (network limits.<family>.used).",
		"account", "vps_id", "vps_name", "family")
	vpsIPAvailable = newGauge("vps_ip_available",
		"Public IPs that can still be added within the limit (network limits.<family>.available).",
		"account", "vps_id", "vps_name", "family")
	vpsIPReservedPublic = newGauge("vps_ip_reserved_public",
		"Public IPs reserved for the VPS (network reservedPublicIpv4Count / reservedPublicIpv6Count).",
		"account", "vps_id", "vps_name", "family")
	vpsIPPoolAvailable = newGauge("vps_ip_pool_available",
		"Public IPs HostUp has free (network ipAvailability.<family>.availableCount for scope account, .currentNetworkAvailableCount for scope current_network, absent while currentNetworkKnown is false).",
		"account", "vps_id", "vps_name", "family", "scope")
	vpsIPChangeLimit = newGauge("vps_ip_change_limit",
		"IP changes allowed per period (network ipChangePolicy.monthlyLimit).",
		"account", "vps_id", "vps_name")
	vpsIPChangeUsed = newGauge("vps_ip_change_used",
		"IP changes used this period (network ipChangePolicy.usedThisPeriod).",
		"account", "vps_id", "vps_name")
	vpsIPChangeRemaining = newGauge("vps_ip_change_remaining",
		"IP changes left this period (network ipChangePolicy.remaining).",
		"account", "vps_id", "vps_name")
	vpsIPChangeAllowed = newGauge("vps_ip_change_allowed",
		"Whether the IP can be changed now (network ipChangePolicy.canChangeNow), 0 or 1.",
		"account", "vps_id", "vps_name")
	vpsIPChangeNextReset = newGauge("vps_ip_change_next_reset_timestamp_seconds",
		"When the IP-change quota resets (network ipChangePolicy.nextReset, midnight UTC), as Unix seconds.",
		"account", "vps_id", "vps_name")
	vpsInterfaceInfo = newGauge("vps_interface_info",
		"One network interface of the VPS (network interfaces[]); always 1.",
		"account", "vps_id", "vps_name", "interface", "model", "bridge", "vlan", "mac")
	vpsInterfaceLinkUp = newGauge("vps_interface_link_up",
		"Whether the interface's link is up (1 - network interfaces[].linkDown).",
		"account", "vps_id", "vps_name", "interface")
	vpsInterfaceFirewall = newGauge("vps_interface_firewall_enabled",
		"Whether the interface's firewall is enabled (network interfaces[].firewallEnabled), 0 or 1.",
		"account", "vps_id", "vps_name", "interface")
	vpsInterfaceAddresses = newGauge("vps_interface_addresses",
		"Number of addresses on the interface (network interfaces[].ip[]) by family and privacy.",
		"account", "vps_id", "vps_name", "interface", "family", "private")
	vpsSubnetAssigned = newGauge("vps_private_subnet_ips_assigned",
		"Addresses assigned in a private subnet (network privateNetworks[].subnets[].usage.assignedIpCount).",
		"account", "vps_id", "vps_name", "subnet_id", "subnet_cidr", "status")
	vpsSubnetCapacity = newGauge("vps_private_subnet_ips_capacity",
		"Addresses a private subnet can hold (network privateNetworks[].subnets[].usage.totalIpCount).",
		"account", "vps_id", "vps_name", "subnet_id", "subnet_cidr", "status")
	vpsNetworkAction = newGauge("vps_network_action_allowed",
		"VPS network action gate (network actions.*), e.g. canAddIpv4: 1 allowed, 0 blocked, with the API's code and reason.",
		"account", "vps_id", "vps_name", "action", "code", "reason")
)

func (e *emitter) emitVPSInfo(account string, v *hostup.VPS) {
	e.emit(vpsInfo, 1, account, v.ID, v.Name, str(v.PrimaryIP), v.ServiceStatus, str(v.PowerState))
	e.emitInventory(account, v)
}

func (e *emitter) emitVPSNetwork(account, id, name string, n *hostup.VPSNetwork) {
	if l := n.Limits; l != nil {
		e.emitLimit("ipv4", l.IPv4, account, id, name)
		e.emitLimit("ipv6", l.IPv6, account, id, name)
	}
	e.emitOptional(vpsIPReservedPublic, n.ReservedPublicIPv4Count, account, id, name, "ipv4")
	e.emitOptional(vpsIPReservedPublic, n.ReservedPublicIPv6Count, account, id, name, "ipv6")
	if a := n.IPAvailability; a != nil {
		e.emitAvailability("ipv4", a.IPv4, account, id, name)
		e.emitAvailability("ipv6", a.IPv6, account, id, name)
	}
	if p := n.IPChangePolicy; p != nil {
		e.emitOptional(vpsIPChangeLimit, p.MonthlyLimit, account, id, name)
		e.emitOptional(vpsIPChangeUsed, p.UsedThisPeriod, account, id, name)
		e.emitOptional(vpsIPChangeRemaining, p.Remaining, account, id, name)
		e.emitBool(vpsIPChangeAllowed, p.CanChangeNow, account, id, name)
		if ts, ok := parseResetDate(p.NextReset); ok {
			e.emit(vpsIPChangeNextReset, ts, account, id, name)
		}
	}
	for i := range n.Interfaces {
		e.emitInterface(&n.Interfaces[i], i, account, id, name)
	}
	for i := range n.PrivateNetworks {
		for j := range n.PrivateNetworks[i].Subnets {
			s := &n.PrivateNetworks[i].Subnets[j]
			if s.Usage == nil {
				continue
			}
			sid := standIn(s.ID, nil, "#"+strconv.Itoa(i)+"."+strconv.Itoa(j))
			e.emitOptional(vpsSubnetAssigned, s.Usage.AssignedIPCount, account, id, name, sid, str(s.SubnetCIDR), str(s.Status))
			e.emitOptional(vpsSubnetCapacity, s.Usage.TotalIPCount, account, id, name, sid, str(s.SubnetCIDR), str(s.Status))
		}
	}
	e.emitGates(vpsNetworkAction, n.Actions, account, id, name)
}

func (e *emitter) emitLimit(family string, l *hostup.Limit, account, id, name string) {
	if l == nil {
		return
	}
	e.emitOptional(vpsIPLimit, l.Total, account, id, name, family)
	e.emitOptional(vpsIPUsed, l.Used, account, id, name, family)
	e.emitOptional(vpsIPAvailable, l.Available, account, id, name, family)
}

func (e *emitter) emitAvailability(family string, a *hostup.FamilyAvailability, account, id, name string) {
	if a == nil {
		return
	}
	e.emitOptional(vpsIPPoolAvailable, a.AvailableCount, account, id, name, family, "account")
	// currentNetworkAvailableCount is 0, not null, when HostUp does not know
	// the current network (the docs' own example): that 0 would be a fake.
	if a.CurrentNetworkKnown == nil || *a.CurrentNetworkKnown {
		e.emitOptional(vpsIPPoolAvailable, a.CurrentNetworkAvailableCount, account, id, name, family, "current_network")
	}
}

// standIn is an item's identity for its labels: its id, else its MAC (for
// interfaces), else its position in the document (pos: "#0" for
// interfaces[0], "#1.2" for privateNetworks[1].subnets[2]), so that two
// items whose id is null never become one series.
func standIn(itemID, mac *string, pos string) string {
	if itemID != nil && *itemID != "" {
		return *itemID
	}
	if mac != nil && *mac != "" {
		return *mac
	}
	return pos
}

func (e *emitter) emitInterface(ifc *hostup.Interface, index int, account, id, name string) {
	ifname := standIn(ifc.ID, ifc.MAC, "#"+strconv.Itoa(index))
	vlan := ""
	if ifc.VLAN != nil {
		vlan = strconv.FormatFloat(*ifc.VLAN, 'f', -1, 64)
	}
	e.emit(vpsInterfaceInfo, 1, account, id, name, ifname, str(ifc.Model), str(ifc.Bridge), vlan, str(ifc.MAC))
	if ifc.LinkDown != nil {
		e.emit(vpsInterfaceLinkUp, 1-boolToFloat(*ifc.LinkDown), account, id, name, ifname)
	}
	e.emitBool(vpsInterfaceFirewall, ifc.FirewallEnabled, account, id, name, ifname)

	counts := map[labelPair]float64{} // by family and privacy
	for i := range ifc.IP {
		a := &ifc.IP[i]
		private := ""
		if a.IsPrivate != nil {
			private = strconv.FormatBool(*a.IsPrivate)
		}
		counts[labelPair{addressFamily(a), private}]++
	}
	for _, k := range sortedPairs(counts) {
		e.emit(vpsInterfaceAddresses, counts[k], account, id, name, ifname, k.a, k.b)
	}
}

// addressFamily is the address's type as the API gives it (lower-cased, so
// "IPv6" and "ipv6" are one family), or, when that is null, the family its
// text shows.
func addressFamily(a *hostup.Address) string {
	if a.Type != nil {
		return strings.ToLower(*a.Type)
	}
	if a.IP == nil {
		return ""
	}
	if strings.Contains(*a.IP, ":") {
		return "ipv6"
	}
	return "ipv4"
}

// parseResetDate reads ipChangePolicy.nextReset: a date meaning midnight UTC,
// accepted as a full RFC 3339 timestamp too.
func parseResetDate(s *string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	if t, err := time.Parse(time.DateOnly, *s); err == nil {
		return float64(t.Unix()), true
	}
	if t, err := time.Parse(time.RFC3339, *s); err == nil {
		return float64(t.Unix()), true
	}
	return 0, false
}
