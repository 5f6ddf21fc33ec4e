// Package collector turns account snapshots into Prometheus metrics.
//
// A scrape is one prometheus.TransactionalGatherer (NewGatherer) that asks
// each Source (an account.Account, or a snapshot built by hand in tests) for
// its Snapshot, concurrently, and renders it as metric families. Production
// and tests gather the same way.
// Nothing here speaks HTTP or reads the API: package account does.
//
// Each data source is one file (health.go, routed_ipv6.go, vps_network.go),
// each with its descriptors declared beside the code that fills them. A
// descriptor may be of any const-metric type (gauge, counter, untyped) and
// may be declared anywhere, at any time.
package collector

import (
	"context"

	"github.com/hostup-exporter/hostup_exporter/account"
)

// Source is what one scrape renders: an account's snapshot, taken when the
// scrape gathers.
type Source interface {
	Name() string
	// Snapshot returns what the scrape shows, waiting at most until ctx
	// ends.
	Snapshot(ctx context.Context) *account.Snapshot
	// ReportDuplicates is told, after a scrape that dropped series because
	// an earlier one had the same labels, how many of each metric it
	// dropped (account.Account logs them).
	ReportDuplicates(byMetric map[string]int)
}

// Snapshot is a Source that always shows the same snapshot (for tests and
// tools).
type Snapshot account.Snapshot

// Name implements Source.
func (s *Snapshot) Name() string { return s.Account }

// Snapshot implements Source.
func (s *Snapshot) Snapshot(context.Context) *account.Snapshot { return (*account.Snapshot)(s) }

// ReportDuplicates implements Source: a fixed snapshot has no log.
func (s *Snapshot) ReportDuplicates(map[string]int) {}
