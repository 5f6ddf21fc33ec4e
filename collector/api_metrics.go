package collector

import (
	"math"
	"strconv"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// apiMetrics counts one account's API calls. Unlike the HostUp state these
// are true counters and a histogram, so they live as long as the process,
// across config reloads, and are collected into every scrape's registry.
type apiMetrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	remaining atomic.Uint64 // float64 bits; NaN until X-RateLimit-Remaining is seen
	desc      *prometheus.Desc
}

func newAPIMetrics(account string) *apiMetrics {
	labels := prometheus.Labels{"account": account}
	m := &apiMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace:   namespace,
			Name:        "api_requests_total",
			Help:        "HostUp API calls made, by endpoint and HTTP status (error for transport failures); retries count as calls.",
			ConstLabels: labels,
		}, []string{"endpoint", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace:   namespace,
			Name:        "api_request_duration_seconds",
			Help:        "HostUp API call latency, by endpoint.",
			ConstLabels: labels,
			Buckets:     []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"endpoint"}),
		desc: prometheus.NewDesc("hostup_api_rate_limit_remaining",
			"Last X-RateLimit-Remaining header the HostUp API sent; absent until one is seen.",
			nil, labels),
	}
	m.remaining.Store(math.Float64bits(math.NaN()))
	return m
}

// observe is the hostup client's observer: called once per HTTP attempt.
func (m *apiMetrics) observe(c hostup.Call) {
	status := "error"
	if c.StatusCode != 0 {
		status = strconv.Itoa(c.StatusCode)
	}
	m.requests.WithLabelValues(c.Endpoint, status).Inc()
	m.latency.WithLabelValues(c.Endpoint).Observe(c.Duration.Seconds())
	if c.RateLimit.HasRemaining {
		m.remaining.Store(math.Float64bits(float64(c.RateLimit.Remaining)))
	}
}

// Describe implements prometheus.Collector.
func (m *apiMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.latency.Describe(ch)
	ch <- m.desc
}

// Collect implements prometheus.Collector.
func (m *apiMetrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.latency.Collect(ch)
	if v := math.Float64frombits(m.remaining.Load()); !math.IsNaN(v) {
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, v)
	}
}
