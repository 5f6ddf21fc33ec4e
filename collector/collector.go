package collector

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// allDescs lists every descriptor of the HostUp state, for Describe.
var allDescs = []typedDesc{
	up, scrapeSuccess, scrapeDuration, vpsNetworkScrapeSuccess, lastSuccess, vpsNetworkLastSuccess,
	routedAvailable, routedPools, routedPoolInfo, routedRoutes, routedRouteInfo, routedPoolAllocatedRatio,
	routedDestinations, routedAction, routedPoolAction, routedRouteAction, routedDestinationAction,
	vpsInfo, vpsIPLimit, vpsIPUsed, vpsIPAvailable, vpsIPReservedPublic, vpsIPPoolAvailable,
	vpsIPChangeLimit, vpsIPChangeUsed, vpsIPChangeRemaining, vpsIPChangeAllowed, vpsIPChangeNextReset,
	vpsInterfaceInfo, vpsInterfaceLinkUp, vpsInterfaceFirewall, vpsInterfaceAddresses,
	vpsSubnetAssigned, vpsSubnetCapacity, vpsNetworkAction,
}

// Collector is built for one scrape: it collects its accounts concurrently,
// each bounded by the scrape's context.
type Collector struct {
	ctx      context.Context
	accounts []*Account
}

// NewCollector returns a collector of the given accounts for one scrape.
func NewCollector(ctx context.Context, accounts ...*Account) *Collector {
	return &Collector{ctx: ctx, accounts: accounts}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d.desc
	}
	for _, a := range c.accounts {
		a.metrics.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	var wg sync.WaitGroup
	for _, a := range c.accounts {
		wg.Add(1)
		go func(a *Account) {
			defer wg.Done()
			start := time.Now()
			s := a.Snapshot(c.ctx)
			newEmitter(ch).emitSnapshot(s, time.Since(start))
			a.metrics.Collect(ch)
		}(a)
	}
	wg.Wait()
}
