// Package collector turns HostUp API state into Prometheus metrics.
//
// An Account reads one HostUp account (routed IPv6, the VPS list, each VPS's
// network state) and keeps the last good answers; a Collector built for one
// scrape asks each account for a Snapshot and renders it as const metrics.
// Nothing here speaks HTTP itself: all API calls go through package hostup.
package collector

import "github.com/prometheus/client_golang/prometheus"

const namespace = "hostup"

// typedDesc pairs a descriptor with its value type so that rendering code
// cannot emit a gauge as a counter by accident.
type typedDesc struct {
	desc      *prometheus.Desc
	valueType prometheus.ValueType
}

func newGauge(name, help string, labels ...string) typedDesc {
	return typedDesc{
		desc:      prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, labels, nil),
		valueType: prometheus.GaugeValue,
	}
}

// emitter sends const metrics for one account. Label values arrive as they
// come from the API; series whose full label set was already sent in this
// scrape are dropped, because a duplicate series (two interfaces both with a
// null id, say) would make the registry reject the metric family.
type emitter struct {
	ch   chan<- prometheus.Metric
	seen map[*prometheus.Desc]map[string]struct{}
	key  []byte
}

func newEmitter(ch chan<- prometheus.Metric) *emitter {
	return &emitter{ch: ch, seen: make(map[*prometheus.Desc]map[string]struct{})}
}

func (e *emitter) emit(d typedDesc, value float64, labels ...string) {
	e.key = e.key[:0]
	for _, l := range labels {
		e.key = append(e.key, l...)
		e.key = append(e.key, 0xff) // cannot occur in valid UTF-8 label values
	}
	seen := e.seen[d.desc]
	if seen == nil {
		seen = make(map[string]struct{})
		e.seen[d.desc] = seen
	}
	if _, dup := seen[string(e.key)]; dup {
		return
	}
	seen[string(e.key)] = struct{}{}
	e.ch <- prometheus.MustNewConstMetric(d.desc, d.valueType, value, labels...)
}

// emitOptional emits only when the API gave a value: a null field gives no
// series, never a fake zero.
func (e *emitter) emitOptional(d typedDesc, value *float64, labels ...string) {
	if value != nil {
		e.emit(d, *value, labels...)
	}
}

func (e *emitter) emitBool(d typedDesc, value *bool, labels ...string) {
	if value != nil {
		e.emit(d, boolToFloat(*value), labels...)
	}
}

func boolToFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// str renders a nullable string as a label value: null is the empty label.
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
