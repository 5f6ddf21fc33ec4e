package hostup_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

func TestRoutedIPv6DocExampleDecodes(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, string(readTestdata(t, "routed_ipv6.json"))))
	got, err := newTestClient(t, api).RoutedIPv6(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := &hostup.RoutedIPv6{
		Available:            boolean(true),
		Reason:               nil,
		AllowedPrefixLengths: []float64{48, 56, 64},
		Pools: []hostup.Pool{{
			ID:           "ripv6_01hxa3b4c5d6e7f8g9h0j1k2m3",
			ParentCIDR:   "2001:db8:1000::/48",
			PrefixLength: num(48),
			Status:       "active",
			AllocatedAt:  str("2026-06-15T12:00:00.000Z"),
			UpdatedAt:    str("2026-06-15T12:00:00.000Z"),
			Routes: []hostup.Route{{
				ID:           "ripv6rt_01hxa3b4c5d6e7f8g9h0j1k2m4",
				Prefix:       "2001:db8:1000:10::/64",
				PrefixLength: num(64),
				NextHop:      "2001:db8::10",
				Label:        str("web subnet"),
				VPSID:        "vps_01hxa3b4c5d6e7f8g9h0j1k2m5",
				VPSName:      "web-01",
				Status:       "active",
				AllocatedAt:  str("2026-06-15T12:01:00.000Z"),
				UpdatedAt:    str("2026-06-15T12:01:00.000Z"),
				Actions:      hostup.Actions{"canDelete": {Allowed: true}},
			}},
			Actions: hostup.Actions{
				"canCreateRoute": {Allowed: true},
				"canRelease":     {Allowed: false, Reason: str("Remove routed subnets before releasing this /48.")},
			},
		}},
		Destinations: []hostup.Destination{{
			VPSID:         "vps_01hxa3b4c5d6e7f8g9h0j1k2m5",
			Name:          "web-01",
			PrimaryIP:     str("192.0.2.10"),
			NextHop:       str("2001:db8::10"),
			ServiceStatus: "active",
			Actions:       hostup.Actions{"canReceiveRoute": {Allowed: true}},
		}},
		Actions: hostup.Actions{
			"canAllocatePool": {Allowed: false, Reason: str("This account already has a routed /48.")},
			"canCreateRoute":  {Allowed: true},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%s\nwant\n%s", pretty(got), pretty(want))
	}
}

func TestVPSNetworkDocExampleDecodes(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, string(readTestdata(t, "vps_network.json"))))
	got, err := newTestClient(t, api).VPSNetwork(t.Context(), "vps_01hxa3b4c5d6e7f8g9h0j1k2m3")
	if err != nil {
		t.Fatal(err)
	}
	publicSubnet := &hostup.Subnet{ParentCIDR: str("203.0.113.0/24"), Gateway: str("203.0.113.1")}
	want := &hostup.VPSNetwork{
		Interfaces: []hostup.Interface{{
			ID: str("net0"), Model: str("virtio"), MAC: str("52:54:00:12:34:56"), Bridge: str("vmbr0"),
			VLAN: num(112), FirewallEnabled: boolean(true), LinkDown: boolean(false),
			IP: []hostup.Address{{
				ID: str("ip_01hxa3b4c5d6e7f8g9h0j1k2m3"), Type: str("ipv4"), IP: str("203.0.113.42"), Mask: str("24"),
				Main: boolean(true), IsPrivate: boolean(false), RevDNS: str("app-01.example.com"),
				RDNSAvailable: boolean(true), VLAN: num(112), Subnet: publicSubnet,
			}},
		}},
		AvailableIPv4: []hostup.AvailableIP{{
			ID: str("ip_01hxa3b4c5d6e7f8g9h0j1k2m3"), Type: str("ipv4"), IP: str("203.0.113.10"), Status: "available",
			Mask: str("24"), Main: boolean(false), IsPrivate: boolean(false), VLAN: nil, Subnet: publicSubnet,
		}},
		AvailableIPv6:           []hostup.AvailableIP{},
		IPv4Limit:               num(1),
		IPv6Limit:               num(0),
		ReservedPublicIPv4Count: num(1),
		ReservedPublicIPv6Count: num(0),
		Limits: &hostup.Limits{
			IPv4: &hostup.Limit{Total: num(1), Used: num(1), Available: num(0)},
			IPv6: &hostup.Limit{Total: num(0), Used: num(0), Available: num(0)},
		},
		PrimaryIP:            str("203.0.113.42"),
		PrimaryIPRDNS:        str("app-01.example.com"),
		PrimaryRDNSAvailable: boolean(true),
		PrimaryNetwork:       publicSubnet,
		IPAvailability: &hostup.IPAvailability{
			IPv4: &hostup.FamilyAvailability{AvailableCount: num(0), CurrentNetworkAvailableCount: num(0), CurrentNetworkKnown: boolean(true)},
			IPv6: &hostup.FamilyAvailability{AvailableCount: num(91), CurrentNetworkAvailableCount: num(0), CurrentNetworkKnown: boolean(false),
				Reason: str("No IPv6 subnet is currently attached to this VPS.")},
		},
		VLANTag: num(112),
		IPv6UpgradeOption: &hostup.UpgradeOption{
			Key: str("ipv6Addresses"), Name: str("IPv6 addresses"), Min: num(0), Max: num(16), Step: num(1),
			MonthlyPrice: num(0), CurrencyCode: str("SEK"), CurrentValue: num(0),
		},
		PrivateNetworks: []hostup.PrivateNetwork{{
			ParentCIDR: str("10.24.0.0/16"),
			Status:     str("pending_switch"),
			Subnets: []hostup.PrivateSubnet{{
				ID: str("subnet_01hxa3b4c5d6e7f8g9h0j1k2m3"), SubnetCIDR: str("10.24.10.0/24"), VLANTag: num(220),
				Gateway: str("10.24.10.1"), Status: str("retired"),
				Usage: &hostup.SubnetUsage{AssignedIPCount: num(1), TotalIPCount: num(250)},
			}},
		}},
		PrivateNetworkDefaults: &hostup.PrivateNetworkDefaults{VLANRange: &hostup.Range{Min: num(200), Max: num(399)}},
		IPChangePolicy: &hostup.IPChangePolicy{
			MonthlyLimit: num(1), UsedThisPeriod: num(0), Remaining: num(1),
			PeriodStart: str("2026-04-01"), NextReset: str("2026-05-01"), LastUsedAt: nil,
			CanChangeNow: boolean(true), BlockedReason: nil,
		},
		Actions: hostup.Actions{
			"canAddPublicInterface":   {Allowed: false, Reason: str("Your IPv4 limit has been reached. Enable IPv6 to add an IPv6 public interface.")},
			"canAddIpv4":              {Allowed: false, Reason: str("Your plan's IPv4 limit has been reached.")},
			"canAddIpv6":              {Allowed: false, Reason: str("No IPv6 subnet is currently attached to this VPS.")},
			"canChangeIp":             {Allowed: true},
			"canUpgradeIPv6":          {Allowed: true},
			"canCreatePrivateNetwork": {Allowed: true},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%s\nwant\n%s", pretty(got), pretty(want))
	}
}

// Encoding the decoded model again must give back every key and value of the
// example: a field the models drop or misname would be missing.
func TestExamplesLoseNoFieldInDecoding(t *testing.T) {
	tests := []struct {
		file   string
		decode func([]byte) (any, error)
	}{
		{"routed_ipv6.json", func(b []byte) (any, error) { var v hostup.RoutedIPv6; return v, json.Unmarshal(b, &v) }},
		{"vps_network.json", func(b []byte) (any, error) { var v hostup.VPSNetwork; return v, json.Unmarshal(b, &v) }},
		{"vps_list_pages.json", func(b []byte) (any, error) { var v []hostup.VPSPage; return v, json.Unmarshal(b, &v) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readTestdata(t, tt.file)
			model, err := tt.decode(raw)
			if err != nil {
				t.Fatal(err)
			}
			var original, roundTrip any
			if err := json.Unmarshal(raw, &original); err != nil {
				t.Fatal(err)
			}
			again, err := json.Marshal(model)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &roundTrip); err != nil {
				t.Fatal(err)
			}
			for _, problem := range missingFrom(original, roundTrip, "") {
				t.Error(problem)
			}
		})
	}
}

// missingFrom lists the values of want that got lacks or holds differently.
func missingFrom(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{path + ": not an object after decoding"}
		}
		var out []string
		for k, v := range w {
			gv, found := g[k]
			if !found {
				out = append(out, path+"."+k+": dropped")
				continue
			}
			out = append(out, missingFrom(v, gv, path+"."+k)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{path + ": array differs"}
		}
		var out []string
		for i := range w {
			out = append(out, missingFrom(w[i], g[i], path+"["+strconv.Itoa(i)+"]")...)
		}
		return out
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{path + ": value differs"}
		}
		return nil
	}
}

func TestNullableFieldsStayNil(t *testing.T) {
	t.Run("VPS network with every nullable object null", func(t *testing.T) {
		body := `{
			"interfaces": [{"id": null, "model": null, "mac": null, "bridge": null, "vlan": null,
				"firewallEnabled": true, "linkDown": false,
				"ip": [{"id": null, "type": null, "ip": null, "mask": null, "main": true, "isPrivate": false,
					"revdns": null, "rdnsAvailable": false, "vlan": null, "subnet": null}]}],
			"availableIPv4": [], "availableIPv6": [],
			"ipv4Limit": 1, "ipv6Limit": 0, "reservedPublicIpv4Count": 0, "reservedPublicIpv6Count": 0,
			"limits": {"ipv4": {"total": 1, "used": 0, "available": 1}, "ipv6": {"total": 0, "used": 0, "available": 0}},
			"primaryIP": null, "primaryIPrDNS": null, "primaryRdnsAvailable": false,
			"primaryNetwork": null,
			"ipAvailability": {"ipv4": {"availableCount": 0, "currentNetworkAvailableCount": null, "currentNetworkKnown": false, "reason": null},
				"ipv6": {"availableCount": 0, "currentNetworkAvailableCount": null, "currentNetworkKnown": false, "reason": null}},
			"vlanTag": null,
			"ipv6UpgradeOption": null,
			"privateNetworks": [{"parentCidr": null, "status": null, "subnets": [{"id": null, "subnetCidr": null,
				"vlanTag": null, "gateway": null, "status": null, "usage": null}]}],
			"privateNetworkDefaults": null,
			"ipChangePolicy": null,
			"actions": {"canChangeIp": {"allowed": true, "reason": null, "code": null}}
		}`
		api := newFakeAPI(t, jsonBody(http.StatusOK, body))
		n, err := newTestClient(t, api).VPSNetwork(t.Context(), "vps_1")
		if err != nil {
			t.Fatal(err)
		}
		iface, addr, subnet := n.Interfaces[0], n.Interfaces[0].IP[0], n.PrivateNetworks[0].Subnets[0]
		for name, isNil := range map[string]bool{
			"ipChangePolicy":                       n.IPChangePolicy == nil,
			"primaryNetwork":                       n.PrimaryNetwork == nil,
			"ipv6UpgradeOption":                    n.IPv6UpgradeOption == nil,
			"privateNetworkDefaults":               n.PrivateNetworkDefaults == nil,
			"vlanTag":                              n.VLANTag == nil,
			"primaryIP":                            n.PrimaryIP == nil,
			"interfaces[].vlan":                    iface.VLAN == nil,
			"interfaces[].id":                      iface.ID == nil,
			"interfaces[].ip[].vlan":               addr.VLAN == nil,
			"interfaces[].ip[].subnet":             addr.Subnet == nil,
			"interfaces[].ip[].revdns":             addr.RevDNS == nil,
			"ipAvailability.ipv4.currentNetwork..": n.IPAvailability.IPv4.CurrentNetworkAvailableCount == nil,
			"privateNetworks[].status":             n.PrivateNetworks[0].Status == nil,
			"privateNetworks[].subnets[].usage":    subnet.Usage == nil,
			"privateNetworks[].subnets[].vlanTag":  subnet.VLANTag == nil,
			"actions.canChangeIp.reason":           n.Actions["canChangeIp"].Reason == nil,
			"actions.canChangeIp.code":             n.Actions["canChangeIp"].Code == nil,
		} {
			if !isNil {
				t.Errorf("%s: null did not stay nil", name)
			}
		}
		if n.Limits.IPv6.Total == nil || *n.Limits.IPv6.Total != 0 {
			t.Errorf("a real 0 must stay a non-nil 0, got %v", n.Limits.IPv6.Total)
		}
	})
	t.Run("routed IPv6 with null label, times and destination addresses", func(t *testing.T) {
		body := `{"available": false, "reason": null, "allowedPrefixLengths": [],
			"pools": [{"id": "ripv6_1", "parentCidr": "2001:db8:1000::/48", "prefixLength": 48, "status": "active",
				"allocatedAt": null, "updatedAt": null,
				"routes": [{"id": "ripv6rt_1", "prefix": "2001:db8:1000:10::/64", "prefixLength": 64, "nextHop": "2001:db8::10",
					"label": null, "vpsId": "vps_1", "vpsName": "web-01", "status": "active", "allocatedAt": null, "updatedAt": null,
					"actions": null}],
				"actions": {}}],
			"destinations": [{"vpsId": "vps_1", "name": "web-01", "primaryIp": null, "nextHop": null, "serviceStatus": "active",
				"actions": {"canReceiveRoute": {"allowed": false, "reason": null}}}],
			"actions": null}`
		api := newFakeAPI(t, jsonBody(http.StatusOK, body))
		r, err := newTestClient(t, api).RoutedIPv6(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		pool, route, dest := r.Pools[0], r.Pools[0].Routes[0], r.Destinations[0]
		for name, isNil := range map[string]bool{
			"reason":                         r.Reason == nil,
			"actions":                        r.Actions == nil,
			"pools[].allocatedAt":            pool.AllocatedAt == nil,
			"pools[].routes[].label":         route.Label == nil,
			"pools[].routes[].updatedAt":     route.UpdatedAt == nil,
			"pools[].routes[].actions":       route.Actions == nil,
			"destinations[].primaryIp":       dest.PrimaryIP == nil,
			"destinations[].nextHop":         dest.NextHop == nil,
			"destinations[].actions..reason": dest.Actions["canReceiveRoute"].Reason == nil,
			"destinations[].actions..code":   dest.Actions["canReceiveRoute"].Code == nil,
		} {
			if !isNil {
				t.Errorf("%s: null did not stay nil", name)
			}
		}
		if pool.Actions == nil || len(pool.Actions) != 0 {
			t.Errorf("an empty actions object must be an empty, non-nil map: %#v", pool.Actions)
		}
	})
}

func TestUnknownEnumValuesPassThrough(t *testing.T) {
	routed := `{"available": true, "pools": [{"id": "p", "parentCidr": "2001:db8::/48", "prefixLength": 48, "status": "quarantined",
		"routes": [{"id": "r", "prefix": "2001:db8::/60", "prefixLength": 60, "nextHop": "2001:db8::1", "vpsId": "v", "vpsName": "n",
			"status": "draining", "actions": {}}], "actions": {}}],
		"destinations": [{"vpsId": "v", "name": "n", "serviceStatus": "hibernating", "actions": {}}]}`
	network := `{"availableIPv4": [{"status": "reserved_for_migration"}], "privateNetworks": [{"status": "pending_switch",
		"subnets": [{"status": "rebalancing"}]}], "interfaces": [{"ip": [{"type": "ipv5"}]}]}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/network") {
			jsonBody(http.StatusOK, network)(w, r)
			return
		}
		jsonBody(http.StatusOK, routed)(w, r)
	})
	c := newTestClient(t, api)
	r, err := c.RoutedIPv6(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.VPSNetwork(t.Context(), "v")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ field, got, want string }{
		{"pools[].status", r.Pools[0].Status, "quarantined"},
		{"pools[].routes[].status", r.Pools[0].Routes[0].Status, "draining"},
		{"destinations[].serviceStatus", r.Destinations[0].ServiceStatus, "hibernating"},
		{"availableIPv4[].status", n.AvailableIPv4[0].Status, "reserved_for_migration"},
		{"privateNetworks[].status", *n.PrivateNetworks[0].Status, "pending_switch"},
		{"privateNetworks[].subnets[].status", *n.PrivateNetworks[0].Subnets[0].Status, "rebalancing"},
		{"interfaces[].ip[].type", *n.Interfaces[0].IP[0].Type, "ipv5"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.field, tt.got, tt.want)
		}
	}
	if *r.Pools[0].Routes[0].PrefixLength != 60 {
		t.Errorf("an undocumented prefix length must pass through, got %v", *r.Pools[0].Routes[0].PrefixLength)
	}
}

func TestMalformedSuccessBodyIsADecodeError(t *testing.T) {
	example := string(readTestdata(t, "vps_network.json"))
	half := example[:len(example)/2]
	nginx := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n" + strings.Repeat(" ", 600)
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string // the whole message after "hostup: vps_network: "
		wantUnwrap  error
	}{
		{"truncated JSON", "application/json", half,
			fmt.Sprintf("HTTP 200 with truncated JSON (the body ends after %d bytes)", len(half)), io.ErrUnexpectedEOF},
		{"truncated inside a literal", "application/json", `{"interfaces": [], "primaryRdnsAvailable": tr`,
			"HTTP 200 with truncated JSON (the body ends after 45 bytes)", io.ErrUnexpectedEOF},
		{"empty body", "application/json", "", "HTTP 200 with an empty body", nil},
		{"whitespace only", "application/json", " \r\n", "HTTP 200 with an empty body", nil},
		{"bare null", "application/json", "null", "HTTP 200 with JSON null where an object was expected", nil},
		{"array instead of object", "application/json", "[]", "HTTP 200 with a JSON array where an object was expected", nil},
		{"string instead of object", "application/json", `"ok"`, "HTTP 200 with a JSON string where an object was expected", nil},
		{"HTML page with status 200", "text/html", "<html><body>Maintenance</body></html>",
			`HTTP 200 with an HTML body (Content-Type text/html), not JSON: "<html><body>Maintenance</body></html>"`, nil},
		{"a proxy's 502 page served as 200, clipped", "text/html; charset=utf-8", nginx,
			`HTTP 200 with an HTML body (Content-Type text/html), not JSON: "<html> <head><title>502 Bad Gateway</title></head> <body> <center><h1>502 Bad Gateway</h1></center> …"`, nil},
		{"HTML labelled as JSON", "application/json", "<!DOCTYPE html><p>Down for maintenance</p>",
			`HTTP 200 with an HTML body (Content-Type application/json), not JSON: "<!DOCTYPE html><p>Down for maintenance</p>"`, nil},
		{"plain text", "text/plain", "Service Unavailable",
			`HTTP 200 with a body that is not JSON (Content-Type text/plain): invalid character 'S' looking for beginning of value: "Service Unavailable"`, nil},
		{"trailing garbage after the object", "application/json", `{} {}`,
			`HTTP 200 with a body that is not JSON (Content-Type application/json): invalid character '{' after top-level value: "{} {}"`, nil},
		{"no Content-Type", "", "Service Unavailable",
			`HTTP 200 with a body that is not JSON (no Content-Type): invalid character 'S' looking for beginning of value: "Service Unavailable"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = []string{tt.contentType}
				if tt.contentType == "" {
					w.Header()["Content-Type"] = nil
				}
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := newTestClient(t, api).VPSNetwork(t.Context(), "vps_1")
			var de *hostup.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DecodeError", err)
			}
			if de.Endpoint != hostup.EndpointVPSNetwork || de.StatusCode != http.StatusOK {
				t.Errorf("endpoint %q, status %d", de.Endpoint, de.StatusCode)
			}
			if want := "hostup: vps_network: " + tt.want; err.Error() != want {
				t.Errorf("message\n %s\nwant\n %s", err, want)
			}
			if tt.wantUnwrap != nil && !errors.Is(err, tt.wantUnwrap) {
				t.Errorf("errors.Is(%v) false", tt.wantUnwrap)
			}
			if api.Hits() != 1 {
				t.Errorf("a malformed 2xx was requested %d times; retrying cannot fix it", api.Hits())
			}
		})
	}
}

// RFC 8259 lets a parser ignore a UTF-8 byte order mark at the start.
func TestByteOrderMarkIsAccepted(t *testing.T) {
	body := append([]byte("\xef\xbb\xbf"), readTestdata(t, "vps_network.json")...)
	api := newFakeAPI(t, jsonBody(http.StatusOK, string(body)))
	n, err := newTestClient(t, api).VPSNetwork(t.Context(), "vps_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Interfaces) == 0 || n.PrimaryIP == nil {
		t.Errorf("decoded %+v", n)
	}
	api = newFakeAPI(t, jsonBody(http.StatusOK, "\xef\xbb\xbf"))
	if _, err := newTestClient(t, api).VPSNetwork(t.Context(), "vps_1"); err == nil || !strings.HasSuffix(err.Error(), "HTTP 200 with an empty body") {
		t.Errorf("a BOM alone: %v", err)
	}
}

func TestOversizedSuccessBodyIsRefused(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, `{"interfaces": [], "pad": "`+strings.Repeat("x", 4096)+`"}`))
	c := newTestClient(t, api)
	hostup.SetMaxBody(c, 1024)
	_, err := c.VPSNetwork(t.Context(), "vps_1")
	if err == nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
		t.Errorf("err = %v, want a size error", err)
	}
}
