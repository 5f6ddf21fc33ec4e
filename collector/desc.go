// Package collector turns HostUp API state into Prometheus metrics.
//
// An Account reads one HostUp account (routed IPv6, the VPS list, each VPS's
// network state) and keeps the last good answers; a Collector built for one
// scrape asks each account for a Snapshot and renders it as const metrics.
// Nothing here speaks HTTP itself: all API calls go through package hostup.
package collector

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "hostup"

// typedDesc is a descriptor of the HostUp state with what its label names
// need for rendering (sample.go). Every one is a gauge (newGauge): samples
// and the families of gather.go are built as gauges.
type typedDesc struct {
	desc       *prometheus.Desc
	valueType  prometheus.ValueType
	labels     *labelSet
	name, help string // for families built without a registry (gather.go)
}

func newGauge(name, help string, labels ...string) typedDesc {
	fqName := prometheus.BuildFQName(namespace, "", name)
	return typedDesc{
		desc:      prometheus.NewDesc(fqName, help, labels, nil),
		valueType: prometheus.GaugeValue,
		labels:    newLabelSet(labels),
		name:      fqName,
		help:      help,
	}
}

// emitter sends const metrics for one account. Label values arrive as they
// come from the API; series whose full label set was already sent in this
// scrape are dropped, because a duplicate series (two interfaces both with a
// null id, say) would make the registry reject the metric family.
type emitter struct {
	ch   chan<- prometheus.Metric // where series go, or
	fams *familySet               // when gathering without a registry
	seen *seenSet
	slab *slab
}

func newEmitter(ch chan<- prometheus.Metric) *emitter {
	return &emitter{ch: ch, seen: newSeenSet(), slab: newSlab()}
}

func (e *emitter) emit(d typedDesc, value float64, labels ...string) {
	if !e.seen.add(d.desc, labels) {
		return
	}
	if len(labels) != len(d.labels.names) {
		// A bug in this package, as MustNewConstMetric would have it.
		panic(fmt.Sprintf("collector: %s: %d label values for %d labels", d.desc, len(labels), len(d.labels.names)))
	}
	// Label values are not checked for UTF-8 here: they come from decoded
	// JSON, which never holds invalid UTF-8, or from the validated config.
	s := e.slab.newSample(d, value, labels)
	if e.fams != nil {
		e.fams.add(d, s)
		return
	}
	e.ch <- s
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

// labelPair keys a count by the values of two labels.
type labelPair struct{ a, b string }

// sortedPairs returns the keys of counts in label order, so that counted
// series come out in a stable order.
func sortedPairs(counts map[labelPair]float64) []labelPair {
	keys := make([]labelPair, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y labelPair) int {
		return cmp.Or(strings.Compare(x.a, y.a), strings.Compare(x.b, y.b))
	})
	return keys
}
