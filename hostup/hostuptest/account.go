// Package hostuptest is a fake HostUp v2 API for tests, benchmarks, the
// end-to-end tests and `make demo`, in the shape of net/http/httptest:
//
//	srv := hostuptest.NewServer(hostuptest.DemoAccount(25))
//	defer srv.Close()
//	// point the client at srv.URL
//
// It serves the three reads the exporter makes (GET /api/v2/vps,
// GET /api/v2/vps/{id}/network, GET /api/v2/routed-ipv6) from an Account,
// and lets a test inject failures (Fail, FailTimes) and count calls (Calls).
package hostuptest

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// Account is the state of one HostUp account as the fake API serves it.
//
// The server serves a snapshot taken by NewServer or SetAccount: changing an
// Account afterwards has no effect until it is passed to SetAccount again.
type Account struct {
	// Token, when non-empty, must arrive as "Authorization: Bearer <Token>";
	// anything else gets a 401 problem with code unauthorized.
	Token string

	// VPS is GET /api/v2/vps, in order.
	VPS []hostup.VPS

	// Networks is GET /api/v2/vps/{id}/network by VPS id. An id without an
	// entry (or with a nil one) answers 404 vps_not_found, which is how a test
	// says "this VPS was deleted between the list and the detail call". An
	// entry is served whether or not the id is in VPS.
	Networks map[string]*hostup.VPSNetwork

	// RawNetworks, by VPS id, are bodies served byte for byte instead of
	// Networks, for payloads the typed model cannot express (a field that is
	// null although documented as required, a field the model does not know,
	// broken JSON).
	RawNetworks map[string][]byte

	// RoutedIPv6 is GET /api/v2/routed-ipv6. When nil (and RawRoutedIPv6 is
	// nil too) the endpoint answers an account without routed IPv6:
	// available false and empty lists.
	RoutedIPv6 *hostup.RoutedIPv6

	// RawRoutedIPv6, when non-nil, is served byte for byte instead of
	// RoutedIPv6.
	RawRoutedIPv6 []byte
}

// DocsVPSID is the id of the single VPS of DocsAccount, the one the API
// documentation's examples refer to.
const DocsVPSID = "vps_01hxa3b4c5d6e7f8g9h0j1k2m5"

// The 200 examples of HostUp's reference pages (api-docs/), verbatim in
// content. They are served as they are, not re-marshalled from the typed
// model: the docs' gates have no `code` key, which hostup.Gate would emit as
// null.
var (
	//go:embed docs/vps-network.json
	docsVPSNetwork []byte
	//go:embed docs/routed-ipv6.json
	docsRoutedIPv6 []byte
)

// DocsAccount is exactly the API documentation's examples: one VPS,
// DocsVPSID named "web-01", whose network is the example of
// GET /api/v2/vps/{id}/network, and the example of GET /api/v2/routed-ipv6.
//
// The docs have no example of the VPS list; its one item is built from the
// other two examples (primaryIp is the network example's primaryIP,
// 203.0.113.42; the routed-IPv6 example's destination says 192.0.2.10 for the
// same VPS, and is served unchanged). powerState is "running"; the
// operatingSystem, billing and resources blocks are null.
//
// The bodies served are the docs' examples themselves, set in RawNetworks and
// RawRoutedIPv6. Networks and RoutedIPv6 hold the same data decoded, for
// tests that compute what to expect; to serve an edited copy of them, set the
// Raw fields to nil first.
func DocsAccount() *Account {
	var network hostup.VPSNetwork
	mustDecode("docs/vps-network.json", docsVPSNetwork, &network)
	var routed hostup.RoutedIPv6
	mustDecode("docs/routed-ipv6.json", docsRoutedIPv6, &routed)
	return &Account{
		VPS: []hostup.VPS{{
			ID:            DocsVPSID,
			Name:          "web-01",
			PrimaryIP:     ptr("203.0.113.42"),
			ServiceStatus: "active",
			PowerState:    ptr("running"),
		}},
		Networks:      map[string]*hostup.VPSNetwork{DocsVPSID: &network},
		RawNetworks:   map[string][]byte{DocsVPSID: clone(docsVPSNetwork)},
		RoutedIPv6:    &routed,
		RawRoutedIPv6: clone(docsRoutedIPv6),
	}
}

func mustDecode(name string, data []byte, v any) {
	if err := json.Unmarshal(data, v); err != nil {
		panic(fmt.Sprintf("hostuptest: embedded %s: %v", name, err))
	}
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

func ptr[T any](v T) *T { return &v }

// ulid makes a 26-character lower-case Crockford base32 id in the style of
// HostUp's (vps_01hxa3b4c5d6e7f8g9h0j1k2m5): a fixed "01h" time prefix, 13
// characters hashed from salt and seq, and 10 that are a bijection of seq
// (below 2^50), so distinct seqs give distinct ids that still look random.
func ulid(salt, seq uint64) string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	var b [26]byte
	copy(b[:], "01h")
	h := mix64(salt ^ seq)
	for i := 15; i >= 3; i-- {
		b[i] = alphabet[h&31]
		h >>= 5
	}
	// XOR with a constant and product with an odd one are both bijections
	// on the low 50 bits.
	tail := (seq ^ salt) * 0x9e3779b97f4a7c15
	for i := 25; i >= 16; i-- {
		b[i] = alphabet[tail&31]
		tail >>= 5
	}
	return string(b[:])
}

// mix64 is splitmix64's finaliser.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
