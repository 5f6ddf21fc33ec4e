package collector

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// APIMetrics counts every account's HostUp API use. Unlike the HostUp state
// these are true counters and a histogram: one APIMetrics is registered once
// for the process and lives across config reloads. It implements
// account.Observer.
type APIMetrics struct {
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	mismatches *prometheus.CounterVec
}

// NewAPIMetrics returns the API-call metrics, with no series yet.
func NewAPIMetrics() *APIMetrics {
	return &APIMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "api_requests_total",
			Help:      "HostUp API calls made, by endpoint and HTTP status (error for transport failures); retries count as calls.",
		}, []string{"account", "endpoint", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "api_request_duration_seconds",
			Help:      "HostUp API call latency, by endpoint.",
			Buckets:   []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"account", "endpoint"}),
		mismatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "api_decode_mismatches_total",
			Help:      "Fields of HostUp API answers whose JSON type was not the documented one (each left out, the rest of the answer kept), by endpoint and field (a JSON path such as interfaces[].vlan).",
		}, []string{"account", "endpoint", "field"}),
	}
}

// endpointLabel is the endpoint label value of one of hostup's endpoints.
func endpointLabel(endpoint string) string {
	switch endpoint {
	case hostup.EndpointRoutedIPv6:
		return endpointRoutedIPv6
	case hostup.EndpointVPSList:
		return endpointVPSList
	case hostup.EndpointVPSNetwork:
		return endpointVPSNetwork
	}
	return "other"
}

// APICall implements account.Observer: one HTTP attempt.
func (m *APIMetrics) APICall(account string, c hostup.Call) {
	status := "error"
	if c.StatusCode != 0 {
		status = strconv.Itoa(c.StatusCode)
	}
	ep := endpointLabel(c.Endpoint)
	m.requests.WithLabelValues(account, ep, status).Inc()
	m.latency.WithLabelValues(account, ep).Observe(c.Duration.Seconds())
}

// DecodeMismatch implements account.Observer.
func (m *APIMetrics) DecodeMismatch(account, endpoint, field string) {
	m.mismatches.WithLabelValues(account, endpointLabel(endpoint), field).Inc()
}

// Forget drops the series of an account that is no longer configured.
func (m *APIMetrics) Forget(account string) {
	l := prometheus.Labels{"account": account}
	m.requests.DeletePartialMatch(l)
	m.latency.DeletePartialMatch(l)
	m.mismatches.DeletePartialMatch(l)
}

// Describe implements prometheus.Collector.
func (m *APIMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.latency.Describe(ch)
	m.mismatches.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *APIMetrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.latency.Collect(ch)
	m.mismatches.Collect(ch)
}
