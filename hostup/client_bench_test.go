package hostup_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// Client benchmarks: one API read end to end over loopback against the fake
// API with no added latency, on the client's shared keep-alive transport as
// in production. The fake server runs in the same process, so ns/op includes
// its side of the exchange; allocs/op too.

func newBenchClient(b *testing.B, srv *hostuptest.Server) *hostup.Client {
	b.Helper()
	c, err := hostup.NewClient(srv.URL, "hu_bench_token")
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkClientVPSNetwork reads and decodes the docs' network example.
func BenchmarkClientVPSNetwork(b *testing.B) {
	acct := hostuptest.DocsAccount()
	acct.Token = "hu_bench_token"
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	c := newBenchClient(b, srv)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.VPSNetwork(ctx, hostuptest.DocsVPSID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientListVPS reads a 1000-VPS list in pages of 100.
func BenchmarkClientListVPS(b *testing.B) {
	acct := hostuptest.DemoAccount(1000)
	acct.Token = "hu_bench_token"
	srv := hostuptest.NewServer(acct, hostuptest.WithPageSize(100))
	defer srv.Close()
	c := newBenchClient(b, srv)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if _, err := c.ListVPS(ctx, func(page []hostup.VPS) error { n += len(page); return nil }); err != nil || n != 1000 {
			b.Fatal(n, err)
		}
	}
}

// VPSNetworkSince, the decode memo the benchmarks above motivated: an
// unchanged body gives back the previous read, a changed one is decoded.
func TestVPSNetworkSinceSkipsUnchangedBodies(t *testing.T) {
	acct := hostuptest.DocsAccount()
	acct.Token = "hu_bench_token"
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	c, err := hostup.NewClient(srv.URL, acct.Token, hostup.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	first, err := c.VPSNetworkSince(ctx, hostuptest.DocsVPSID, nil)
	if err != nil || first.Network == nil {
		t.Fatalf("first read: %v, %v", first, err)
	}
	again, err := c.VPSNetworkSince(ctx, hostuptest.DocsVPSID, first)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Error("an unchanged body was decoded again")
	}

	changed := hostuptest.DocsAccount()
	changed.Token = acct.Token
	changed.RawNetworks = nil
	changed.Networks[hostuptest.DocsVPSID].Limits.IPv4.Used = new(float64) // 1 in the docs
	srv.SetAccount(changed)
	fresh, err := c.VPSNetworkSince(ctx, hostuptest.DocsVPSID, first)
	if err != nil {
		t.Fatal(err)
	}
	if fresh == first || fresh.Network == first.Network {
		t.Fatal("a changed body was not decoded")
	}
	if got := *fresh.Network.Limits.IPv4.Used; got != 0 {
		t.Errorf("limits.ipv4.used %v after the change, want 0", got)
	}
	if got := *first.Network.Limits.IPv4.Used; got != 1 {
		t.Errorf("the earlier read changed: limits.ipv4.used %v, want 1", got)
	}

	// A failed read returns no read at all, never the previous one.
	srv.Fail(hostuptest.ForVPS(hostuptest.DocsVPSID), hostuptest.Fault{Status: 500})
	if r, err := c.VPSNetworkSince(ctx, hostuptest.DocsVPSID, fresh); err == nil || r != nil {
		t.Errorf("failed read: %v, %v", r, err)
	}
}

// Response bodies are read into reused buffers (readBody): what a read
// returns must not point into one, or the next reads would rewrite it. Every
// VPS of a demo account is read, each result is kept, then all are read
// again on a fresh client and compared.
func TestReadsDoNotShareTheirBodyBuffers(t *testing.T) {
	acct := hostuptest.DemoAccount(40)
	acct.Token = "hu_bench_token"
	srv := hostuptest.NewServer(acct, hostuptest.WithPageSize(7))
	defer srv.Close()
	newClient := func() *hostup.Client {
		c, err := hostup.NewClient(srv.URL, acct.Token, hostup.WithHTTPClient(srv.Client()))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	readAll := func(c *hostup.Client) (*hostup.RoutedIPv6, []hostup.VPS, map[string]*hostup.VPSNetwork) {
		ctx := t.Context()
		routed, err := c.RoutedIPv6(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var list []hostup.VPS
		if _, err := c.ListVPS(ctx, func(page []hostup.VPS) error { list = append(list, page...); return nil }); err != nil {
			t.Fatal(err)
		}
		nets := make(map[string]*hostup.VPSNetwork)
		for _, v := range list {
			if nets[v.ID], err = c.VPSNetwork(ctx, v.ID); err != nil {
				t.Fatal(err)
			}
		}
		return routed, list, nets
	}
	routed, list, nets := readAll(newClient())
	if len(list) != 40 {
		t.Fatalf("listed %d VPSes, want 40", len(list))
	}
	// Every client draws on the same buffers: these reads write other
	// bodies over the first reads' buffers, the last is compared with.
	readAll(newClient())
	wantRouted, wantList, wantNets := readAll(newClient())
	if !reflect.DeepEqual(routed, wantRouted) {
		t.Error("the routed-IPv6 read changed after later reads")
	}
	if !reflect.DeepEqual(list, wantList) {
		t.Error("the VPS list changed after later reads")
	}
	for id, n := range nets {
		if !reflect.DeepEqual(n, wantNets[id]) {
			t.Errorf("the network read of VPS %s changed after later reads", id)
		}
	}
}
