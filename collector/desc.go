package collector

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

const namespace = "hostup"

// typedDesc is a descriptor with what its label names need for rendering
// (sample.go). It may be of any const-metric type and made at any time.
type typedDesc struct {
	desc       *prometheus.Desc
	valueType  prometheus.ValueType
	labels     *labelSet
	name, help *string // for the metric family (gather.go), shared by all
	dtoType    dto.MetricType
}

func newDesc(valueType prometheus.ValueType, name, help string, labels ...string) typedDesc {
	fqName := prometheus.BuildFQName(namespace, "", name)
	d := typedDesc{
		desc:      prometheus.NewDesc(fqName, help, labels, nil),
		valueType: valueType,
		labels:    newLabelSet(labels),
		name:      &fqName,
		help:      &help,
		dtoType:   dto.MetricType_GAUGE,
	}
	switch valueType {
	case prometheus.CounterValue:
		d.dtoType = dto.MetricType_COUNTER
	case prometheus.UntypedValue:
		d.dtoType = dto.MetricType_UNTYPED
	}
	return d
}

func newGauge(name, help string, labels ...string) typedDesc {
	return newDesc(prometheus.GaugeValue, name, help, labels...)
}

// emitter sends const metrics for one account. Label values arrive as they
// come from the API; a series whose full label set was already sent in this
// scrape is dropped and counted (dropped), because a duplicate series
// would make the registry reject the whole metric family.
type emitter struct {
	fams *familySet
	seen *seenSet
	slab *slab
	// dropped counts the duplicates by metric name, for the source's log
	// and hostup_scrape_duplicate_series.
	dropped map[string]int
}

func newEmitter() *emitter {
	return &emitter{fams: newFamilySet(), seen: newSeenSet(), slab: newPooledSlab()}
}

func (e *emitter) emit(d typedDesc, value float64, labels ...string) {
	if !e.seen.add(d.desc, labels) {
		e.drop(d.name)
		return
	}
	if len(labels) != len(d.labels.names) {
		// A bug in this package, as MustNewConstMetric would have it.
		panic(fmt.Sprintf("collector: %s: %d label values for %d labels", d.desc, len(labels), len(d.labels.names)))
	}
	// Label values are not checked for UTF-8 here: they come from decoded
	// JSON, which never holds invalid UTF-8, or from the validated config.
	e.fams.add(d, e.slab.newSample(d, value, labels))
}

// drop counts a series left out as a duplicate.
func (e *emitter) drop(name *string) {
	if e.dropped == nil {
		e.dropped = make(map[string]int)
	}
	e.dropped[*name]++
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
