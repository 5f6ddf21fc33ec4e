package collector

import (
	"encoding/json"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// Nulls give no series (never a fake 0), null labels are empty, unknown
// enum values pass through, a gate HostUp adds later is exported with its
// code, duplicate series from the API are exported once, and an address
// type in capitals joins its family.
func TestNullsUnknownEnumsAndExtraGates(t *testing.T) {
	var n hostup.VPSNetwork
	if err := json.Unmarshal([]byte(`{
  "interfaces": [
    {"id": null, "model": null, "mac": null, "bridge": null, "vlan": null,
     "firewallEnabled": null, "linkDown": true,
     "ip": [
       {"id": null, "type": "IPv6", "ip": "2001:db8::1", "mask": "64", "main": true, "isPrivate": false, "revdns": null, "rdnsAvailable": false, "vlan": null, "subnet": null},
       {"id": null, "type": null, "ip": "2001:db8::2", "mask": null, "main": false, "isPrivate": null, "revdns": null, "rdnsAvailable": false, "vlan": null, "subnet": null}
     ]},
    {"id": null, "model": "e1000", "mac": null, "bridge": null, "vlan": 7,
     "firewallEnabled": false, "linkDown": false, "ip": []}
  ],
  "availableIPv4": [], "availableIPv6": [],
  "ipv4Limit": 1, "ipv6Limit": 1,
  "reservedPublicIpv4Count": 1, "reservedPublicIpv6Count": null,
  "limits": {"ipv4": {"total": 1, "used": 1, "available": 0}, "ipv6": null},
  "primaryIP": null, "primaryIPrDNS": null, "primaryRdnsAvailable": false,
  "primaryNetwork": null,
  "ipAvailability": {"ipv4": {"availableCount": 3, "currentNetworkAvailableCount": null, "currentNetworkKnown": true, "reason": null},
                     "ipv6": {"availableCount": 5, "currentNetworkAvailableCount": 0, "currentNetworkKnown": false, "reason": "unknown"}},
  "vlanTag": null, "ipv6UpgradeOption": null,
  "privateNetworks": [{"parentCidr": null, "status": "quarantined", "subnets": [
     {"id": "subnet_a", "subnetCidr": "10.0.0.0/24", "vlanTag": null, "gateway": null, "status": "hibernating", "usage": {"assignedIpCount": 3, "totalIpCount": null}},
     {"id": "subnet_b", "subnetCidr": "10.0.1.0/24", "vlanTag": null, "gateway": null, "status": null, "usage": null}]}],
  "privateNetworkDefaults": null,
  "ipChangePolicy": {"monthlyLimit": 2, "usedThisPeriod": 2, "remaining": 0, "periodStart": null, "nextReset": null, "lastUsedAt": "2026-11-02T10:00:00Z", "canChangeNow": false, "blockedReason": "quota"},
  "actions": {
    "canAddIpv4": {"allowed": false, "reason": "Your plan's IPv4 limit has been reached.", "code": "ipv4_limit_reached"},
    "canTeleport": {"allowed": false, "reason": "Not yet.", "code": "future_gate"},
    "canChangeIp": {"allowed": true, "reason": "stale text while allowed", "code": null},
    "canBroken": null
  }
}`), &n); err != nil {
		t.Fatal(err)
	}
	s := snapshotOf(hostuptest.DocsAccount())
	s.VPS[0].Network = &n
	g := gatherSnapshot(t, s)
	compareText(t, g, `
# HELP hostup_vps_interface_addresses Number of addresses on the interface (network interfaces[].ip[]) by family and privacy.
# TYPE hostup_vps_interface_addresses gauge
hostup_vps_interface_addresses{account="production",family="ipv6",interface="#0",private="",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
hostup_vps_interface_addresses{account="production",family="ipv6",interface="#0",private="false",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
# HELP hostup_vps_interface_firewall_enabled Whether the interface's firewall is enabled (network interfaces[].firewallEnabled), 0 or 1.
# TYPE hostup_vps_interface_firewall_enabled gauge
hostup_vps_interface_firewall_enabled{account="production",interface="#1",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 0
# HELP hostup_vps_interface_info One network interface of the VPS (network interfaces[]); always 1.
# TYPE hostup_vps_interface_info gauge
hostup_vps_interface_info{account="production",bridge="",interface="#0",mac="",model="",vlan="",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
hostup_vps_interface_info{account="production",bridge="",interface="#1",mac="",model="e1000",vlan="7",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
# HELP hostup_vps_interface_link_up Whether the interface's link is up (1 - network interfaces[].linkDown).
# TYPE hostup_vps_interface_link_up gauge
hostup_vps_interface_link_up{account="production",interface="#0",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 0
hostup_vps_interface_link_up{account="production",interface="#1",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
# HELP hostup_vps_ip_limit Public IP limit of the VPS's plan (network limits.<family>.total).
# TYPE hostup_vps_ip_limit gauge
hostup_vps_ip_limit{account="production",family="ipv4",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
# HELP hostup_vps_ip_pool_available Public IPs HostUp has free (network ipAvailability.<family>.availableCount for scope account, .currentNetworkAvailableCount for scope current_network, absent while currentNetworkKnown is false).
# TYPE hostup_vps_ip_pool_available gauge
hostup_vps_ip_pool_available{account="production",family="ipv4",scope="account",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 3
hostup_vps_ip_pool_available{account="production",family="ipv6",scope="account",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 5
# HELP hostup_vps_ip_reserved_public Public IPs reserved for the VPS (network reservedPublicIpv4Count / reservedPublicIpv6Count).
# TYPE hostup_vps_ip_reserved_public gauge
hostup_vps_ip_reserved_public{account="production",family="ipv4",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
# HELP hostup_vps_ip_change_remaining IP changes left this period (network ipChangePolicy.remaining).
# TYPE hostup_vps_ip_change_remaining gauge
hostup_vps_ip_change_remaining{account="production",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 0
# HELP hostup_vps_private_subnet_ips_assigned Addresses assigned in a private subnet (network privateNetworks[].subnets[].usage.assignedIpCount).
# TYPE hostup_vps_private_subnet_ips_assigned gauge
hostup_vps_private_subnet_ips_assigned{account="production",status="hibernating",subnet_cidr="10.0.0.0/24",subnet_id="subnet_a",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 3
# HELP hostup_vps_network_action_allowed VPS network action gate (network actions.*), e.g. canAddIpv4: 1 allowed, 0 blocked, with the API's code and reason.
# TYPE hostup_vps_network_action_allowed gauge
hostup_vps_network_action_allowed{account="production",action="canAddIpv4",code="ipv4_limit_reached",reason="Your plan's IPv4 limit has been reached.",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 0
hostup_vps_network_action_allowed{account="production",action="canChangeIp",code="",reason="",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 1
hostup_vps_network_action_allowed{account="production",action="canTeleport",code="future_gate",reason="Not yet.",vps_id="vps_01hxa3b4c5d6e7f8g9h0j1k2m5",vps_name="web-01"} 0
`, "hostup_vps_interface_addresses", "hostup_vps_interface_firewall_enabled", "hostup_vps_interface_info",
		"hostup_vps_interface_link_up", "hostup_vps_ip_limit", "hostup_vps_ip_pool_available",
		"hostup_vps_ip_reserved_public", "hostup_vps_ip_change_remaining", "hostup_vps_ip_change_next_reset_timestamp_seconds",
		"hostup_vps_private_subnet_ips_assigned", "hostup_vps_private_subnet_ips_capacity", "hostup_vps_network_action_allowed")
}
