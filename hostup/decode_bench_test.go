package hostup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// Decoding benchmarks: the CPU and allocations one API body costs before the
// collector sees it. Run with
//
//	go test -run='^$' -bench=Decode -benchmem ./hostup

func benchBody(b *testing.B, name string) []byte {
	b.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeVPSNetwork decodes the docs' example of
// GET /api/v2/vps/{id}/network (3.6 KB), the body the exporter decodes once
// per VPS per scrape.
func BenchmarkDecodeVPSNetwork(b *testing.B) {
	body := benchBody(b, "vps_network.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeVPSNetwork(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeRoutedIPv6 decodes the docs' example of
// GET /api/v2/routed-ipv6 (once per scrape).
func BenchmarkDecodeRoutedIPv6(b *testing.B) {
	body := benchBody(b, "routed_ipv6.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRoutedIPv6(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeVPSPage decodes a full page (100 items) of GET /api/v2/vps,
// read ceil(N/100) times per scrape.
func BenchmarkDecodeVPSPage(b *testing.B) {
	body := vpsPageBody(b, 100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeVPSPage(body, defaultPageSize); err != nil { // as ListVPS asks
			b.Fatal(err)
		}
	}
}

// vpsPageBody builds a list page shaped like the fake API's demo account
// (which this package cannot import: hostuptest imports hostup).
func vpsPageBody(b *testing.B, n int) []byte {
	b.Helper()
	p := func(s string) *string { return &s }
	f := func(v float64) *float64 { return &v }
	os := json.RawMessage(`{"name":"Ubuntu 24.04 LTS","family":"linux"}`)
	page := VPSPage{HasMore: new(bool), NextCursor: p("b2Zmc2V0OjEwMA")}
	*page.HasMore = true
	for i := range n {
		page.Data = append(page.Data, VPS{
			ID:              fmt.Sprintf("vps_01h%023d", i),
			Name:            fmt.Sprintf("web-%02d", i),
			PrimaryIP:       p(fmt.Sprintf("198.18.%d.%d", i/240, 10+i%240)),
			ServiceStatus:   "active",
			PowerState:      p("running"),
			OperatingSystem: &os,
			Billing:         &Billing{Amount: f(149), CurrencyCode: p("SEK"), BillingCycle: p("monthly"), IsPayg: new(bool), PeriodYears: f(0)},
			Resources:       &Resources{CPUCores: f(2), MemoryGB: f(4), StorageGB: f(80)},
		})
	}
	body, err := json.Marshal(page)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// The fast path for actions objects (decodeWellFormedActions) exists for
// these benchmarks' sake; whenever it accepts an object it must give what
// the lenient path gives.
func FuzzActionsFastPath(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"canChangeIp": {"allowed": true, "reason": null}}`,
		`{"canAddIpv4": {"allowed": false, "reason": "An order is pending.", "code": "pending_order"}}`,
		`{"canDelete": null, "canRelease": {"allowed": true, "reason": null}}`,
		`{"canDelete": true, "canMove": "yes", "canCopy": [1], "canRelease": {"allowed": false, "reason": "busy"}}`,
		`{"canA": {"reason": "x"}, "canB": {"allowed": "true"}, "canC": {"allowed": null}, "canD": {"allowed": false}}`,
		`{"canA": {"allowed": false, "reason": 42, "code": {"id": 1}}}`,
		`{"canA": {"allowed": true, "allowed": null}, "canB": {"ALLOWED": false, "Reason": "r\u00e9"}}`,
		`{"canA": {"allowed": true}, "canA": {"allowed": "no"}}`,
		`{"canA": {"allowed": false, "reason": "x", "reason": null, "code": "c", "extra": [1, {"a": 2}]}}`,
		`{"canA": {"allowed": false, "reason": "bad \xff utf8"}}`,
		`"none"`, `42`, `[{"allowed": true}]`, `{"canA": {"allowed": tru}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeWellFormedActions(data)
		if !ok {
			return
		}
		lenient, err := decodeLenientActions(data)
		if err != nil {
			t.Fatalf("fast path accepted %q, lenient path failed: %v", data, err)
		}
		if !reflect.DeepEqual(fast, lenient) {
			t.Fatalf("%q:\nfast    %#v\nlenient %#v", data, fast, lenient)
		}
	})
}
