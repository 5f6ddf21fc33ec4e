package collector

import (
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Gatherer returns what one scrape of the collector's accounts serves, with
// what self gathers (the exporter's own metrics; nil: nothing) beside them.
//
// The HostUp series do not go through a prometheus.Registry: they are built
// straight into metric families. A registry would re-check every series'
// consistency, hash it to find duplicates and sort every family, which at a
// few thousand VPSes was the largest cost left in a scrape and grew faster
// than the number of VPSes (BENCHMARKS.md). None of that is needed here: the
// descriptors are fixed and valid, label values come from decoded JSON or the
// validated config, and the emitter drops duplicate series itself. Series
// within a family come in the order the API listed them, which the text
// format allows. The API call metrics are few and go through an ordinary
// registry. Collect (the prometheus.Collector path, used by the
// tests' registries) serves the same series.
//
// The series are built in pooled memory: call Release once what Gather
// returned is no longer used (the answer is written).
func (c *Collector) Gatherer(self prometheus.Gatherer) *Gathering {
	return &Gathering{c: c, self: self}
}

// Gathering is one scrape's prometheus.Gatherer (Collector.Gatherer).
type Gathering struct {
	c    *Collector
	self prometheus.Gatherer

	mu    sync.Mutex
	slabs []*slab // of every Gather, for Release
}

// Gather implements prometheus.Gatherer.
func (g *Gathering) Gather() ([]*dto.MetricFamily, error) {
	c := g.c
	sets := make([]*familySet, len(c.accounts))
	slabs := make([]*slab, len(c.accounts))
	var wg sync.WaitGroup
	for i, a := range c.accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			s := a.Snapshot(c.ctx)
			e := &emitter{fams: newFamilySet(), seen: newSeenSet(), slab: newPooledSlab()}
			e.emitSnapshot(s, time.Since(start))
			sets[i], slabs[i] = e.fams, e.slab
		}()
	}

	wg.Wait()
	g.mu.Lock()
	g.slabs = append(g.slabs, slabs...)
	g.mu.Unlock()
	// After the reads, so the API call metrics count this scrape's.
	reg := prometheus.NewRegistry()
	for _, a := range c.accounts {
		reg.MustRegister(a.metrics)
	}
	small, err := reg.Gather()
	if g.self != nil {
		mfs, selfErr := g.self.Gather()
		small = append(small, mfs...)
		err = errors.Join(err, selfErr)
	}

	// A family of several accounts is one family; the registries'
	// families have other names, but a name in two is merged too
	// rather than served twice.
	merged := make(map[string]*dto.MetricFamily, len(small)+len(allDescs))
	out := make([]*dto.MetricFamily, 0, len(small)+len(allDescs))
	add := func(mf *dto.MetricFamily) {
		if have := merged[mf.GetName()]; have != nil {
			have.Metric = append(have.Metric, mf.Metric...)
			return
		}
		merged[mf.GetName()] = mf
		out = append(out, mf)
	}
	for _, mf := range small {
		add(mf)
	}
	for _, set := range sets {
		for _, mf := range set.families {
			add(mf)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out, err
}

// Release hands the memory of the series Gather built back for later
// scrapes. What Gather returned must not be used after; Release may be
// called more than once.
func (g *Gathering) Release() {
	g.mu.Lock()
	slabs := g.slabs
	g.slabs = nil
	g.mu.Unlock()
	for _, sl := range slabs {
		sl.release()
	}
}

// familySet is one account's HostUp series of a scrape, as metric families.
type familySet struct {
	byDesc   map[*prometheus.Desc]*dto.MetricFamily
	families []*dto.MetricFamily
}

func newFamilySet() *familySet {
	return &familySet{byDesc: make(map[*prometheus.Desc]*dto.MetricFamily, len(allDescs))}
}

var gaugeType = dto.MetricType_GAUGE

// add puts s into its family. The family holds s's own dto.Metric, which
// lives in the emitter's slab: no copy is made.
func (f *familySet) add(d typedDesc, s *sample) {
	mf := f.byDesc[d.desc]
	if mf == nil {
		mf = &dto.MetricFamily{Name: &d.name, Help: &d.help, Type: &gaugeType}
		f.byDesc[d.desc] = mf
		f.families = append(f.families, mf)
	}
	mf.Metric = append(mf.Metric, &s.metric)
}
