package hostuptest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// The API reference pages, where the repository sits beside them (the
// development tree); the comparison with them is skipped elsewhere.
var apiDocsDir = filepath.Join("..", "..", "..", "shared", "api-docs")

// docsExample extracts the 200 example of one reference page.
func docsExample(t *testing.T, page string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(apiDocsDir, page))
	if err != nil {
		t.Skipf("API docs not found: %v", err)
	}
	text := string(b)
	switch {
	case strings.HasSuffix(page, ".md"):
		// The fenced block after "#### 200".
		_, rest, ok := strings.Cut(text, "#### 200")
		_, rest, ok2 := strings.Cut(rest, "```json")
		block, _, ok3 := strings.Cut(rest, "```")
		if !ok || !ok2 || !ok3 {
			t.Fatalf("%s: no 200 example", page)
		}
		return []byte(block)
	default:
		// The JSON right after the curl example.
		const marker = `-H "Accept: application/json" `
		i := strings.Index(text, marker)
		if i < 0 {
			t.Fatalf("%s: no example", page)
		}
		var v json.RawMessage
		if err := json.NewDecoder(strings.NewReader(text[i+len(marker):])).Decode(&v); err != nil {
			t.Fatalf("%s: example: %v", page, err)
		}
		return v
	}
}

func TestDocsAccountServesTheDocsExamples(t *testing.T) {
	acct := hostuptest.DocsAccount()
	srv := hostuptest.NewServer(acct)
	defer srv.Close()

	network := get(t, srv, "/api/v2/vps/"+hostuptest.DocsVPSID+"/network")
	routed := get(t, srv, "/api/v2/routed-ipv6")
	for _, r := range []response{network, routed} {
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	}

	t.Run("equal to the reference pages", func(t *testing.T) {
		if !jsonEqual(t, network.body, docsExample(t, "get-vps-network.md")) {
			t.Errorf("network body differs from the docs' example:\n%s", network.body)
		}
		if !jsonEqual(t, routed.body, docsExample(t, "get-routed-ipv6.txt")) {
			t.Errorf("routed-ipv6 body differs from the docs' example:\n%s", routed.body)
		}
	})

	t.Run("the examples' telling values", func(t *testing.T) {
		var n map[string]any
		if err := json.Unmarshal(network.body, &n); err != nil {
			t.Fatal(err)
		}
		ifc := n["interfaces"].([]any)[0].(map[string]any)
		ip := ifc["ip"].([]any)[0].(map[string]any)
		v6 := n["ipAvailability"].(map[string]any)["ipv6"].(map[string]any)
		gate := n["actions"].(map[string]any)["canAddIpv4"].(map[string]any)
		sub := n["privateNetworks"].([]any)[0].(map[string]any)["subnets"].([]any)[0].(map[string]any)
		checks := []struct {
			name      string
			got, want any
		}{
			{"interfaces[0].vlan", ifc["vlan"], 112.0},
			{"interfaces[0].ip[0].mask is a string", ip["mask"], "24"},
			{"ipAvailability.ipv6.availableCount", v6["availableCount"], 91.0},
			{"ipAvailability.ipv6.reason", v6["reason"], "No IPv6 subnet is currently attached to this VPS."},
			{"privateNetworks[0].status", n["privateNetworks"].([]any)[0].(map[string]any)["status"], "pending_switch"},
			{"subnet status", sub["status"], "retired"},
			{"canAddIpv4.reason", gate["reason"], "Your plan's IPv4 limit has been reached."},
			{"ipChangePolicy.nextReset", n["ipChangePolicy"].(map[string]any)["nextReset"], "2026-05-01"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
			}
		}
		if _, ok := gate["code"]; ok {
			t.Error("the docs' gates have no code key, the served one has")
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, routed.body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(compact.String(), `"canRelease":{"allowed":false,"reason":"Remove routed subnets before releasing this /48."}`) {
			t.Error("routed-ipv6 lacks the pool's canRelease reason")
		}
	})

	t.Run("the list names the docs' VPS", func(t *testing.T) {
		p := decodePage(t, get(t, srv, "/api/v2/vps"))
		if len(p.Data) != 1 || *p.HasMore || p.NextCursor != nil {
			t.Fatalf("list = %+v", p)
		}
		v := p.Data[0]
		if v["id"] != hostuptest.DocsVPSID || v["name"] != "web-01" || v["serviceStatus"] != "active" || v["primaryIp"] != "203.0.113.42" {
			t.Errorf("item = %v", v)
		}
	})

	t.Run("the typed fields hold the same data", func(t *testing.T) {
		n := acct.Networks[hostuptest.DocsVPSID]
		if *n.IPAvailability.IPv6.AvailableCount != 91 || *n.Interfaces[0].IP[0].IP != "203.0.113.42" || n.Actions["canChangeIp"].Allowed != true {
			t.Errorf("Networks differ from the example: %+v", n)
		}
		r := acct.RoutedIPv6
		if len(r.Pools) != 1 || r.Pools[0].Routes[0].VPSID != hostuptest.DocsVPSID || r.Actions["canAllocatePool"].Allowed {
			t.Errorf("RoutedIPv6 differs from the example: %+v", r)
		}
		// Marshalling the typed copy gives the example plus "code": null in
		// every gate, and nothing else.
		typed, _ := json.Marshal(n)
		withoutCodes := strings.ReplaceAll(string(typed), `,"code":null`, "")
		if !jsonEqual(t, []byte(withoutCodes), network.body) {
			t.Errorf("typed network marshals to\n%s", typed)
		}
	})

	t.Run("each call is a fresh copy", func(t *testing.T) {
		a, b := hostuptest.DocsAccount(), hostuptest.DocsAccount()
		a.RawNetworks[hostuptest.DocsVPSID][0] = 'x'
		a.Networks[hostuptest.DocsVPSID].Interfaces = nil
		if b.RawNetworks[hostuptest.DocsVPSID][0] != '{' || b.Networks[hostuptest.DocsVPSID].Interfaces == nil {
			t.Error("DocsAccount values share memory")
		}
	})
}
