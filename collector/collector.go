// Package collector turns account snapshots into Prometheus metrics.
//
// A scrape is one prometheus.TransactionalGatherer (NewGatherer): a fresh
// registry with one collector that asks each Source (an account.Account, or
// a snapshot built by hand in tests) for its Snapshot, concurrently, and
// renders it as const metrics. Production and tests gather the same way.
// Nothing here speaks HTTP or reads the API: package account does.
//
// Each data source is one file (health.go, routed_ipv6.go, vps_network.go),
// each with its descriptors declared beside the code that fills them. A
// descriptor may be of any const-metric type (gauge, counter, untyped) and
// may be declared anywhere, at any time: the registry checks every series.
package collector

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hostup-exporter/hostup_exporter/account"
)

// Source is what one scrape renders: an account's snapshot, taken when the
// scrape gathers.
type Source interface {
	Name() string
	// Snapshot returns what the scrape shows, waiting at most until ctx
	// ends.
	Snapshot(ctx context.Context) *account.Snapshot
}

// Snapshot is a Source that always shows the same snapshot (for tests and
// tools).
type Snapshot account.Snapshot

// Name implements Source.
func (s *Snapshot) Name() string { return s.Account }

// Snapshot implements Source.
func (s *Snapshot) Snapshot(context.Context) *account.Snapshot { return (*account.Snapshot)(s) }

// NewGatherer returns one scrape of sources: its Gather takes each source's
// snapshot (bounded by ctx) and renders them through a fresh registry.
// The series are built in pooled memory, handed back by the done function
// Gather returns (promhttp.HandlerForTransactional calls it once the answer
// is written).
func NewGatherer(ctx context.Context, sources ...Source) prometheus.TransactionalGatherer {
	return &gatherer{ctx: ctx, sources: sources}
}

type gatherer struct {
	ctx     context.Context
	sources []Source
}

// Gather implements prometheus.TransactionalGatherer.
func (g *gatherer) Gather() ([]*dto.MetricFamily, func(), error) {
	c := &scrapeCollector{ctx: g.ctx, sources: g.sources}
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		return nil, func() {}, err
	}
	mfs, err := reg.Gather()
	return mfs, c.release, err
}

// scrapeCollector is the registry's collector for one scrape. It is
// unchecked (Describe sends nothing): the series vary with the API's
// answers, and the registry checks each one as it is gathered.
type scrapeCollector struct {
	ctx     context.Context
	sources []Source

	mu    sync.Mutex
	slabs []*slab
}

// Describe implements prometheus.Collector.
func (c *scrapeCollector) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector.
func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	var wg sync.WaitGroup
	for _, src := range c.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			s := src.Snapshot(c.ctx)
			e := newEmitter(ch)
			c.mu.Lock()
			c.slabs = append(c.slabs, e.slab)
			c.mu.Unlock()
			e.emitSnapshot(s, time.Since(start))
		}()
	}
	wg.Wait()
}

// release hands the series' memory back for later scrapes. What Gather
// returned must not be used after.
func (c *scrapeCollector) release() {
	c.mu.Lock()
	slabs := c.slabs
	c.slabs = nil
	c.mu.Unlock()
	for _, sl := range slabs {
		sl.release()
	}
}
