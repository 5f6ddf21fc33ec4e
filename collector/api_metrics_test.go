package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// The API-call metrics count each attempt by account, endpoint label and
// status (error without one), each decode mismatch by field, and forget an
// account that is no longer configured.
func TestAPIMetrics(t *testing.T) {
	m := NewAPIMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	m.APICall("a", hostup.Call{Endpoint: hostup.EndpointVPSNetwork, StatusCode: 200, Duration: 20 * time.Millisecond})
	m.APICall("a", hostup.Call{Endpoint: hostup.EndpointVPSNetwork, StatusCode: 200, Duration: 30 * time.Millisecond})
	m.APICall("a", hostup.Call{Endpoint: hostup.EndpointRoutedIPv6})
	m.APICall("b", hostup.Call{Endpoint: hostup.EndpointVPSList, StatusCode: 429})
	m.DecodeMismatch("a", hostup.EndpointVPSNetwork, "interfaces[].vlan")
	compareSamples(t, reg, `
hostup_api_decode_mismatches_total{account="a",endpoint="vps_network",field="interfaces[].vlan"} 1
hostup_api_requests_total{account="a",endpoint="routed_ipv6",status="error"} 1
hostup_api_requests_total{account="a",endpoint="vps_network",status="200"} 2
hostup_api_requests_total{account="b",endpoint="vps_list",status="429"} 1
`, "hostup_api_requests_total", "hostup_api_decode_mismatches_total")
	if n := testutil.CollectAndCount(m, "hostup_api_request_duration_seconds"); n != 3 {
		t.Errorf("%d latency histograms, want 3", n)
	}

	m.Forget("a")
	if out := exposition(t, reg); strings.Contains(out, `account="a"`) {
		t.Errorf("series of a forgotten account:\n%s", out)
	}
}
