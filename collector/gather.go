package collector

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// NewGatherer returns one scrape of sources: its Gather takes each source's
// snapshot (concurrently, bounded by ctx) and renders them as metric
// families. Production and every test gather this way.
//
// The series do not go through a prometheus.Registry: they are built
// straight into metric families, in pooled memory that the done function
// Gather returns hands back (promhttp.HandlerForTransactional calls it once
// the answer is written). A registry per scrape re-checks every series'
// consistency, hashes it for duplicates and sorts each family; profiled at
// 1000 VPSes that doubled the CPU of a scrape (BENCHMARKS.md, "one way
// through"). None of it is needed here: families take their name, help and
// type from the descriptor that made the series (any const-metric type),
// label values come from decoded JSON or the validated config, and the
// emitter drops duplicate series itself. Series within a family come in the
// order the API listed them, which the text format allows. The tests gather
// through prometheus.Gatherers, which does re-check every series, so a
// series a registry would refuse fails them.
func NewGatherer(ctx context.Context, sources ...Source) prometheus.TransactionalGatherer {
	return &gatherer{ctx: ctx, sources: sources}
}

type gatherer struct {
	ctx     context.Context
	sources []Source
}

// Gather implements prometheus.TransactionalGatherer. It never fails: a
// source that has nothing shows that in its health series.
func (g *gatherer) Gather() ([]*dto.MetricFamily, func(), error) {
	emitters := make([]*emitter, len(g.sources))
	var wg sync.WaitGroup
	for i, src := range g.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			s := src.Snapshot(g.ctx)
			e := newEmitter()
			e.emitSnapshot(s, time.Since(start))
			if len(e.dropped) > 0 {
				src.ReportDuplicates(e.dropped)
			}
			emitters[i] = e
		}()
	}
	wg.Wait()

	sets := make([][]*dto.MetricFamily, len(emitters))
	for i, e := range emitters {
		sets[i] = e.fams.families
	}
	out := MergeFamilies(sets...)
	done := func() {
		for _, e := range emitters {
			e.slab.release()
		}
	}
	return out, sync.OnceFunc(done), nil
}

// MergeFamilies merges sets of metric families into one, sorted by name: a
// family in several sets (one per account, or a name in two gatherers)
// becomes one family, never served twice. The families of the first set
// with a name are extended in place.
func MergeFamilies(sets ...[]*dto.MetricFamily) []*dto.MetricFamily {
	n := 0
	for _, set := range sets {
		n += len(set)
	}
	byName := make(map[string]*dto.MetricFamily, n)
	out := make([]*dto.MetricFamily, 0, n)
	for _, set := range sets {
		for _, mf := range set {
			if have := byName[mf.GetName()]; have != nil {
				have.Metric = append(have.Metric, mf.Metric...)
				continue
			}
			byName[mf.GetName()] = mf
			out = append(out, mf)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out
}

// familySet is one account's series of a scrape, as metric families.
type familySet struct {
	byDesc   map[*prometheus.Desc]*dto.MetricFamily
	families []*dto.MetricFamily
}

func newFamilySet() *familySet {
	return &familySet{byDesc: make(map[*prometheus.Desc]*dto.MetricFamily, 48)}
}

// add puts s into its family. The family holds s's own dto.Metric, which
// lives in the emitter's slab: no copy is made.
func (f *familySet) add(d typedDesc, s *sample) {
	mf := f.byDesc[d.desc]
	if mf == nil {
		mf = &dto.MetricFamily{Name: d.name, Help: d.help, Type: d.dtoType.Enum()}
		f.byDesc[d.desc] = mf
		f.families = append(f.families, mf)
	}
	mf.Metric = append(mf.Metric, &s.metric)
}
