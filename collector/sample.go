package collector

import (
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// A scrape of a large account renders ~30 series per VPS. Built with
// prometheus.MustNewConstMetric, each series cost about twenty small heap
// objects (a dto.Metric, a sorted slice of label pairs, two *string per pair,
// the gauge, its value...): 612 allocations and 25 KB per VPS, an eighth of
// the exporter's CPU before counting the GC they drive; building series as
// below cut its peak memory by a quarter (BENCHMARKS.md).
//
// sample is the same const gauge, built from per-scrape chunks instead: a
// label pair is reused by the next series with the same value for that label
// (so all series of a VPS share its account, vps_id and vps_name pairs),
// label names point at the descriptor's own strings, and the series itself
// lives in a slab. The registry and the encoders only read what Write hands
// them (dto messages are immutable by contract), so the sharing is invisible
// in the output; TestSamplesAreConstMetrics compares each sample with the
// const metric it replaces.

// labelSet is what a descriptor's label names need for fast rendering,
// computed once when the descriptor is made.
type labelSet struct {
	names []string // as declared, which is the order emit takes values in
	ids   []int    // names[i]'s id among all label names of the package
	order []int    // indexes of names, sorted by name (dto label pairs must be)
}

// labelIDs numbers every label name used by the package's descriptors, so an
// emitter can keep the last pair made for each name in a slice (which grows
// when a descriptor made later brings a new name).
var (
	labelIDsMu sync.Mutex
	labelIDs   = map[string]int{}
)

func newLabelSet(names []string) *labelSet {
	ls := &labelSet{names: names, ids: make([]int, len(names)), order: make([]int, len(names))}
	labelIDsMu.Lock()
	defer labelIDsMu.Unlock()
	for i, n := range names {
		id, ok := labelIDs[n]
		if !ok {
			id = len(labelIDs)
			labelIDs[n] = id
		}
		ls.ids[i] = id
		ls.order[i] = i
	}
	sort.Slice(ls.order, func(a, b int) bool { return names[ls.order[a]] < names[ls.order[b]] })
	return ls
}

// sample is one const series (gauge, counter or untyped). It implements
// prometheus.Metric.
type sample struct {
	desc   *prometheus.Desc
	labels *labelSet // of desc
	// metric is the series as the gatherer serves it: Label sorted by name
	// (pairs possibly shared with other samples), and the Gauge, Counter or
	// Untyped field (by the descriptor's type) pointing at value. Only the
	// gauge, the type of every state metric today, lives in the sample: a
	// sample is a large part of a scrape's memory.
	metric dto.Metric
	gauge  dto.Gauge
	value  float64
}

func (s *sample) Desc() *prometheus.Desc { return s.desc }

// Write implements prometheus.Metric: the same series, for a registry.
func (s *sample) Write(m *dto.Metric) error {
	m.Label, m.Gauge, m.Counter, m.Untyped = s.metric.Label, s.metric.Gauge, s.metric.Counter, s.metric.Untyped
	return nil
}

// Chunk sizes: a 1000-VPS scrape (~30,000 series) needs ~100 chunks.
const (
	maxSampleChunk = 256
	maxPairChunk   = 256
	maxPtrChunk    = 1024
)

// slab hands out the objects of one scrape's series. Nothing it hands out is
// reused within the scrape, and a slab is never used by two scrapes.
//
// It takes full-size chunks from package pools and gives them back on
// release, once the scrape's answer is written (the done function of the
// TransactionalGatherer): the series of a scrape were half of what it
// allocated, and at a small account's heap size each few MB allocated cost a
// garbage collection (BENCHMARKS.md).
type slab struct {
	samples []sample
	pairs   []dto.LabelPair
	values  []string // what pairs' Value fields point at
	ptrs    []*dto.LabelPair
	// last holds, per label name id, the last pair made for that name, to be
	// shared by the next series with the same value.
	last  []*dto.LabelPair
	taken chunks // what the slab took from the pools
}

func newPooledSlab() *slab {
	return &slab{last: make([]*dto.LabelPair, 64)}
}

type (
	sampleChunk [maxSampleChunk]sample
	pairChunk   struct {
		pairs  [maxPairChunk]dto.LabelPair
		values [maxPairChunk]string
	}
	ptrChunk [maxPtrChunk]*dto.LabelPair
)

type chunks struct {
	samples []*sampleChunk
	pairs   []*pairChunk
	ptrs    []*ptrChunk
}

var (
	samplePool = sync.Pool{New: func() any { return new(sampleChunk) }}
	pairPool   = sync.Pool{New: func() any { return new(pairChunk) }}
	ptrPool    = sync.Pool{New: func() any { return new(ptrChunk) }}
)

// release gives a pooled slab's chunks back, cleared, so that they hold on
// to nothing. Nothing the slab handed out may be used after; the slab
// itself may not be used again.
func (sl *slab) release() {
	for _, c := range sl.taken.samples {
		clear(c[:])
		samplePool.Put(c)
	}
	for _, c := range sl.taken.pairs {
		clear(c.pairs[:])
		clear(c.values[:])
		pairPool.Put(c)
	}
	for _, c := range sl.taken.ptrs {
		clear(c[:])
		ptrPool.Put(c)
	}
	*sl = slab{}
}

// newSample returns a sample of d with its labels (values in declared order)
// as sorted, shared pairs.
func (sl *slab) newSample(d typedDesc, value float64, labels []string) *sample {
	if len(sl.samples) == 0 {
		c := samplePool.Get().(*sampleChunk)
		sl.taken.samples = append(sl.taken.samples, c)
		sl.samples = c[:]
	}
	s := &sl.samples[0]
	sl.samples = sl.samples[1:]
	s.desc, s.labels = d.desc, d.labels
	s.value = value
	s.metric.Label = sl.labelPairs(d.labels, labels)
	switch d.valueType {
	case prometheus.CounterValue:
		s.metric.Counter = &dto.Counter{Value: &s.value}
	case prometheus.UntypedValue:
		s.metric.Untyped = &dto.Untyped{Value: &s.value}
	default:
		s.gauge.Value = &s.value
		s.metric.Gauge = &s.gauge
	}
	return s
}

func (sl *slab) labelPairs(ls *labelSet, values []string) []*dto.LabelPair {
	n := len(ls.names)
	if n == 0 {
		return nil
	}
	if len(sl.ptrs) < n {
		if n <= maxPtrChunk {
			c := ptrPool.Get().(*ptrChunk)
			sl.taken.ptrs = append(sl.taken.ptrs, c)
			sl.ptrs = c[:]
		} else {
			sl.ptrs = make([]*dto.LabelPair, n)
		}
	}
	// Full slice expression: the registry may append to Label (it does not
	// today), which must never write into the next sample's pairs.
	out := sl.ptrs[:n:n]
	sl.ptrs = sl.ptrs[n:]
	for k, i := range ls.order {
		out[k] = sl.pair(ls.ids[i], &ls.names[i], values[i])
	}
	return out
}

func (sl *slab) pair(id int, name *string, value string) *dto.LabelPair {
	if id >= len(sl.last) {
		sl.last = append(sl.last, make([]*dto.LabelPair, id+1-len(sl.last))...)
	}
	if p := sl.last[id]; p != nil && *p.Value == value {
		return p
	}
	if len(sl.pairs) == 0 {
		c := pairPool.Get().(*pairChunk)
		sl.taken.pairs = append(sl.taken.pairs, c)
		sl.pairs, sl.values = c.pairs[:], c.values[:]
	}
	p, v := &sl.pairs[0], &sl.values[0]
	sl.pairs, sl.values = sl.pairs[1:], sl.values[1:]
	*v = value
	p.Name, p.Value = name, v
	sl.last[id] = p
	return p
}
