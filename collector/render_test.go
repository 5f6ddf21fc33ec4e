package collector

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// The health series say what the snapshot says: a success only for Read or
// Fresh, last-success times also when the data is gone, the rate-limit
// budget and wait window when known.
func TestHealthRendering(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    account.Snapshot
		want string
	}{
		{
			name: "outage, data dropped, times kept",
			s: account.Snapshot{
				Account:               "a",
				RoutedIPv6Status:      account.Failed,
				RoutedIPv6LastSuccess: t0,
				ListEnabled:           true,
				ListStatus:            account.Failed,
				ListLastSuccess:       t0,
				NetworkStatus:         account.Failed,
				NetworkLastSuccess:    t0.Add(-time.Minute),
				VPS:                   []account.VPSState{{ID: "vps_1", Name: "web", Status: account.Failed, LastSuccess: t0}},
				RateLimit:             account.RateLimit{Limit: 100, HasLimit: true, Remaining: 3, HasRemaining: true, Reset: t0.Add(time.Hour), WaitUntil: t0.Add(30 * time.Second)},
			},
			want: `
hostup_up{account="a"} 0
hostup_scrape_success{account="a",endpoint="routed_ipv6"} 0
hostup_scrape_success{account="a",endpoint="vps_list"} 0
hostup_scrape_success{account="a",endpoint="vps_network"} 0
hostup_last_success_timestamp_seconds{account="a",endpoint="routed_ipv6"} 1.79604e+09
hostup_last_success_timestamp_seconds{account="a",endpoint="vps_list"} 1.79604e+09
hostup_last_success_timestamp_seconds{account="a",endpoint="vps_network"} 1.79603994e+09
hostup_vps_network_scrape_success{account="a",vps_id="vps_1",vps_name="web"} 0
hostup_vps_network_last_success_timestamp_seconds{account="a",vps_id="vps_1",vps_name="web"} 1.79604e+09
hostup_api_rate_limit_limit{account="a"} 100
hostup_api_rate_limit_remaining{account="a"} 3
hostup_api_rate_limit_reset_timestamp_seconds{account="a"} 1.7960436e+09
hostup_api_rate_limit_wait_until_timestamp_seconds{account="a"} 1.79604003e+09
`,
		},
		{
			name: "fresh by cache_ttl, discovery off, never a success before",
			s: account.Snapshot{
				Account:          "b",
				RoutedIPv6Status: account.Fresh,
				NetworkStatus:    account.Fresh,
			},
			want: `
hostup_up{account="b"} 1
hostup_scrape_success{account="b",endpoint="routed_ipv6"} 1
hostup_scrape_success{account="b",endpoint="vps_network"} 1
`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			compareSamples(t, gatherSnapshot(t, &tc.s), tc.want,
				"hostup_up", "hostup_scrape_success", "hostup_last_success_timestamp_seconds",
				"hostup_vps_network_scrape_success", "hostup_vps_network_last_success_timestamp_seconds",
				"hostup_api_rate_limit_limit", "hostup_api_rate_limit_remaining",
				"hostup_api_rate_limit_reset_timestamp_seconds", "hostup_api_rate_limit_wait_until_timestamp_seconds")
		})
	}
}

// Two interfaces with a null id and different MACs, the first with its
// link down, are two series each: the MAC stands in for the id, so a down
// link cannot hide behind the other.
func TestNullIDsGetStandIns(t *testing.T) {
	n := *hostuptest.DocsAccount().Networks[hostuptest.DocsVPSID]
	mac1, mac2, down, up := "52:54:00:00:00:01", "52:54:00:00:00:02", true, false
	n.Interfaces = []hostup.Interface{{MAC: &mac1, LinkDown: &down}, {MAC: &mac2, LinkDown: &up}, {LinkDown: &up}}
	s := &account.Snapshot{Account: "a", NetworkStatus: account.Read,
		VPS: []account.VPSState{{ID: "vps_1", Name: "web", Status: account.Read, Network: &n}}}
	compareSamples(t, gatherSnapshot(t, s), `
hostup_vps_interface_link_up{account="a",interface="#2",vps_id="vps_1",vps_name="web"} 1
hostup_vps_interface_link_up{account="a",interface="52:54:00:00:00:01",vps_id="vps_1",vps_name="web"} 0
hostup_vps_interface_link_up{account="a",interface="52:54:00:00:00:02",vps_id="vps_1",vps_name="web"} 1
`, "hostup_vps_interface_link_up")
}

// A descriptor made at any time, of any const-metric type, with a label
// name no other descriptor has, renders as what it is.
func TestAnyDescriptorWorks(t *testing.T) {
	for _, vt := range []prometheus.ValueType{prometheus.GaugeValue, prometheus.CounterValue, prometheus.UntypedValue} {
		d := newDesc(vt, "test_late_descriptor_total", "Made after package init.", "account", "label_no_one_else_has")
		e := newEmitter()
		e.emit(up, 1, "a")
		e.emit(d, 7, "a", "x")
		mfs := copyFamilies(e.fams.families)
		e.slab.release()
		g := prometheus.Gatherers{prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, nil })}
		got, err := g.Gather()
		if err != nil {
			t.Fatalf("%v: %v", vt, err)
		}
		var found bool
		for _, mf := range got {
			if mf.GetName() == "hostup_test_late_descriptor_total" {
				found = true
				m := mf.GetMetric()[0]
				v := m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
				if mf.GetType() != d.dtoType || v != 7 || len(m.GetLabel()) != 2 {
					t.Errorf("%v: rendered as %v %v", vt, mf.GetType(), m)
				}
			}
		}
		if !found {
			t.Errorf("%v: series not rendered", vt)
		}
	}
}
