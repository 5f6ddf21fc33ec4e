package hostup_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// fakeWith serves acct with fault on every endpoint, and a client to it.
func fakeWith(t *testing.T, acct *hostuptest.Account, fault hostuptest.Fault) *hostup.Client {
	t.Helper()
	srv := hostuptest.NewServer(acct)
	t.Cleanup(srv.Close)
	srv.Fail(hostuptest.Target{}, fault)
	c, err := hostup.NewClient(srv.URL, testToken)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// docsNetwork is the docs' example as a well-typed body decodes it.
func docsNetwork(t *testing.T) *hostup.VPSNetwork {
	t.Helper()
	n, err := fakeWith(t, hostuptest.DocsAccount(), hostuptest.Fault{}).VPSNetwork(t.Context(), hostuptest.DocsVPSID)
	if err != nil {
		t.Fatal(err)
	}
	if n.Mismatches != nil {
		t.Errorf("the docs' example has mismatches: %v", n.Mismatches)
	}
	return n
}

func TestWronglyTypedFieldCostsThatFieldOnly(t *testing.T) {
	tests := []struct {
		name   string
		set    map[string]any
		edit   func(want *hostup.VPSNetwork) // what the field's loss changes
		wantMM []hostup.Mismatch
	}{
		{
			name:   "vlan as a string",
			set:    map[string]any{"/interfaces/0/vlan": "112"},
			edit:   func(n *hostup.VPSNetwork) { n.Interfaces[0].VLAN = nil },
			wantMM: []hostup.Mismatch{{Field: "interfaces[].vlan", Want: "number", Got: "string"}},
		},
		{
			name:   "limits as []",
			set:    map[string]any{"/limits": []any{}},
			edit:   func(n *hostup.VPSNetwork) { n.Limits = nil },
			wantMM: []hostup.Mismatch{{Field: "limits", Want: "object", Got: "array"}},
		},
		{
			name:   "a nested object as a string",
			set:    map[string]any{"/limits/ipv4": "1/1"},
			edit:   func(n *hostup.VPSNetwork) { n.Limits.IPv4 = nil },
			wantMM: []hostup.Mismatch{{Field: "limits.ipv4", Want: "object", Got: "string"}},
		},
		{
			name: "many at once, reported once per path, sorted",
			set: map[string]any{
				"/interfaces/0/vlan":         "112",
				"/interfaces/-":              map[string]any{"id": "net1", "vlan": true, "mac": "52:54:00:00:00:02", "ip": []any{}},
				"/interfaces/0/ip/0/mask":    24,
				"/ipv4Limit":                 "1",
				"/ipv6Limit":                 json.RawMessage(`1e999`),
				"/availableIPv4/-":           "203.0.113.11",
				"/actions":                   "none",
				"/privateNetworks/0/subnets": map[string]any{},
			},
			edit: func(n *hostup.VPSNetwork) {
				n.Interfaces[0].VLAN = nil
				n.Interfaces[0].IP[0].Mask = nil
				n.Interfaces = append(n.Interfaces, hostup.Interface{ID: str("net1"), MAC: str("52:54:00:00:00:02"), IP: []hostup.Address{}})
				n.IPv4Limit, n.IPv6Limit = nil, nil
				n.Actions = nil
				n.PrivateNetworks[0].Subnets = nil
			},
			wantMM: []hostup.Mismatch{
				{Field: "actions", Want: "object", Got: "string"},
				{Field: "availableIPv4[]", Want: "object", Got: "string"},
				{Field: "interfaces[].ip[].mask", Want: "string", Got: "number"},
				{Field: "interfaces[].vlan", Want: "number", Got: "boolean"},
				{Field: "interfaces[].vlan", Want: "number", Got: "string"},
				{Field: "ipv4Limit", Want: "number", Got: "string"},
				{Field: "ipv6Limit", Want: "number", Got: "out-of-range number"},
				{Field: "privateNetworks[].subnets", Want: "array", Got: "object"},
			},
		},
		{
			name: "two interfaces with a null id and different MACs are no mismatch",
			set: map[string]any{
				"/interfaces/0/id": nil,
				"/interfaces/-":    map[string]any{"id": nil, "mac": "52:54:00:00:00:02", "ip": []any{}},
			},
			edit: func(n *hostup.VPSNetwork) {
				n.Interfaces[0].ID = nil
				n.Interfaces = append(n.Interfaces, hostup.Interface{MAC: str("52:54:00:00:00:02"), IP: []hostup.Address{}})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := docsNetwork(t)
			tt.edit(want)
			want.Mismatches = tt.wantMM
			got, err := fakeWith(t, hostuptest.DocsAccount(), hostuptest.Fault{Set: tt.set}).VPSNetwork(t.Context(), hostuptest.DocsVPSID)
			if err != nil {
				t.Fatalf("err = %v, want the rest decoded", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got\n%s\nmismatches %v\nwant\n%s\nmismatches %v", pretty(got), got.Mismatches, pretty(want), want.Mismatches)
			}
		})
	}
}

func TestRoutedIPv6MismatchesAreReported(t *testing.T) {
	c := fakeWith(t, hostuptest.DocsAccount(), hostuptest.Fault{Set: map[string]any{
		"/pools/0/routes/0/prefixLength": "64",
		"/allowedPrefixLengths/-":        "/60",
		"/available":                     "yes",
	}})
	r, err := c.RoutedIPv6(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []hostup.Mismatch{
		{Field: "allowedPrefixLengths[]", Want: "number", Got: "string"},
		{Field: "available", Want: "boolean", Got: "string"},
		{Field: "pools[].routes[].prefixLength", Want: "number", Got: "string"},
	}
	if !reflect.DeepEqual(r.Mismatches, want) {
		t.Errorf("mismatches %v, want %v", r.Mismatches, want)
	}
	if r.Available != nil || r.Pools[0].Routes[0].PrefixLength != nil || len(r.AllowedPrefixLengths) != 3 ||
		r.Pools[0].Routes[0].Prefix != "2001:db8:1000:10::/64" || r.Pools[0].PrefixLength == nil || len(r.Destinations) != 1 {
		t.Errorf("decoded %s", pretty(r))
	}
}

func TestVPSListMismatchesGoOnTheItemAndTheEnvelope(t *testing.T) {
	acct := hostuptest.DemoAccount(3)
	c := fakeWith(t, acct, hostuptest.Fault{Set: map[string]any{
		"/data/1/billing":     "n/a",
		"/data/1/powerState":  false,
		"/data/2/resources":   map[string]any{"cpuCores": "2"},
		"/data/-":             "vps_extra",
		"/extraEnvelopeField": 1,
	}})
	p, err := c.ListVPSPage(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Data) != 3 {
		t.Fatalf("%d items, want the 3 objects", len(p.Data))
	}
	for i, v := range p.Data {
		if v.ID != acct.VPS[i].ID || v.Name != acct.VPS[i].Name {
			t.Errorf("item %d: %s %s", i, v.ID, v.Name)
		}
	}
	if p.Data[0].Mismatches != nil {
		t.Errorf("item 0: %v", p.Data[0].Mismatches)
	}
	if want := []hostup.Mismatch{{"billing", "object", "string"}, {"powerState", "string", "boolean"}}; !reflect.DeepEqual(p.Data[1].Mismatches, want) {
		t.Errorf("item 1: %v, want %v", p.Data[1].Mismatches, want)
	}
	if p.Data[1].Billing != nil || p.Data[1].PowerState != nil {
		t.Errorf("item 1 kept its mismatched fields: %s", pretty(p.Data[1]))
	}
	if want := []hostup.Mismatch{{"resources.cpuCores", "number", "string"}}; !reflect.DeepEqual(p.Data[2].Mismatches, want) || p.Data[2].Resources == nil || p.Data[2].Resources.CPUCores != nil {
		t.Errorf("item 2: %v, %s", p.Data[2].Mismatches, pretty(p.Data[2].Resources))
	}
	if want := []hostup.Mismatch{{"data[]", "object", "string"}}; !reflect.DeepEqual(p.Mismatches, want) {
		t.Errorf("envelope: %v, want %v", p.Mismatches, want)
	}

	c = fakeWith(t, acct, hostuptest.Fault{Set: map[string]any{"/hasMore": "no", "/nextCursor": 7}})
	if p, err = c.ListVPSPage(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	want := []hostup.Mismatch{{"hasMore", "boolean", "string"}, {"nextCursor", "string", "number"}}
	if !reflect.DeepEqual(p.Mismatches, want) || p.HasMore != nil || p.NextCursor != nil || len(p.Data) != 3 {
		t.Errorf("envelope: %v, want %v; %s", p.Mismatches, want, pretty(p))
	}
}

func TestTopLevelNotAnObjectStaysAnError(t *testing.T) {
	c := fakeWith(t, hostuptest.DocsAccount(), hostuptest.Fault{Set: map[string]any{"": []any{}}})
	if _, err := c.VPSNetwork(t.Context(), hostuptest.DocsVPSID); err == nil ||
		!strings.HasSuffix(err.Error(), "HTTP 200 with a JSON array where an object was expected") {
		t.Errorf("err = %v", err)
	}
}

// A mismatched value never reaches what is reported: only paths and types.
func TestMismatchesHoldNoValue(t *testing.T) {
	n, err := fakeWith(t, hostuptest.DocsAccount(), hostuptest.Fault{Set: map[string]any{
		"/vlanTag": testToken, "/interfaces/0/mac": map[string]any{testToken: testToken},
	}}).VPSNetwork(t.Context(), hostuptest.DocsVPSID)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v", n.Mismatches, n.Mismatches, n.Mismatches); strings.Contains(s, testToken) || len(n.Mismatches) != 2 {
		t.Errorf("mismatches %s", s)
	}
}

// The digest cache (VPSNetworkSince) works for a lenient decode as for any.
func TestUnchangedMismatchedBodyIsNotDecodedAgain(t *testing.T) {
	c := fakeWith(t, hostuptest.DocsAccount(), hostuptest.Fault{Set: map[string]any{"/interfaces/0/vlan": "112"}})
	first, err := c.VPSNetworkSince(t.Context(), hostuptest.DocsVPSID, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.VPSNetworkSince(t.Context(), hostuptest.DocsVPSID, first)
	if err != nil {
		t.Fatal(err)
	}
	if second != first || len(second.Network.Mismatches) != 1 {
		t.Errorf("second read %p (first %p), mismatches %v", second, first, second.Network.Mismatches)
	}
}
