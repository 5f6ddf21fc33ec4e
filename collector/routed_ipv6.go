package collector

import (
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

var (
	routedAvailable = newGauge("routed_ipv6_available",
		"Whether routed IPv6 is available to the account (routed-ipv6 available), 0 or 1. May be served from cache up to scrape.max_stale.",
		"account")
	routedPools = newGauge("routed_ipv6_pools",
		"Number of routed IPv6 pools (routed-ipv6 pools[]) by status.",
		"account", "status")
	routedPoolInfo = newGauge("routed_ipv6_pool_info",
		"One routed IPv6 pool (routed-ipv6 pools[]); always 1.",
		"account", "pool_id", "parent_cidr", "status")
	routedRoutes = newGauge("routed_ipv6_routes",
		"Number of routed subnets of a pool (routed-ipv6 pools[].routes[]) by prefix length and status.",
		"account", "pool_id", "prefix_length", "status")
	routedRouteInfo = newGauge("routed_ipv6_route_info",
		"One routed subnet (routed-ipv6 pools[].routes[]); always 1.",
		"account", "pool_id", "route_id", "prefix", "next_hop", "vps_id", "vps_name", "label", "status")
	routedPoolAllocatedRatio = newGauge("routed_ipv6_pool_allocated_ratio",
		"Share of the pool's address space covered by its routes (routed-ipv6 pools[].routes[].prefix), 0 to 1.",
		"account", "pool_id")
	routedDestinations = newGauge("routed_ipv6_destinations",
		"Number of VPSes listed as routed IPv6 destinations (routed-ipv6 destinations[]).",
		"account")
	routedAction = newGauge("routed_ipv6_action_allowed",
		"Account-level routed IPv6 action gate (routed-ipv6 actions.*): 1 allowed, 0 blocked, with the API's code and reason.",
		"account", "action", "code", "reason")
	routedPoolAction = newGauge("routed_ipv6_pool_action_allowed",
		"Routed IPv6 pool action gate (routed-ipv6 pools[].actions.*): 1 allowed, 0 blocked.",
		"account", "pool_id", "action", "code", "reason")
	routedRouteAction = newGauge("routed_ipv6_route_action_allowed",
		"Routed subnet action gate (routed-ipv6 pools[].routes[].actions.*): 1 allowed, 0 blocked.",
		"account", "pool_id", "route_id", "action", "code", "reason")
	routedDestinationAction = newGauge("routed_ipv6_destination_action_allowed",
		"Routed IPv6 destination action gate (routed-ipv6 destinations[].actions.*), e.g. canReceiveRoute: 1 allowed, 0 blocked.",
		"account", "vps_id", "vps_name", "action", "code", "reason")
)

func (e *emitter) emitRoutedIPv6(account string, r *hostup.RoutedIPv6) {
	e.emitBool(routedAvailable, r.Available, account)

	poolsByStatus := map[string]float64{}
	for i := range r.Pools {
		p := &r.Pools[i]
		poolsByStatus[p.Status]++
		e.emit(routedPoolInfo, 1, account, p.ID, p.ParentCIDR, p.Status)

		routes := map[labelPair]float64{} // by prefix length and status
		for j := range p.Routes {
			rt := &p.Routes[j]
			routes[labelPair{routePrefixLength(rt), rt.Status}]++
			e.emit(routedRouteInfo, 1, account, p.ID, rt.ID, rt.Prefix, rt.NextHop, rt.VPSID, rt.VPSName, str(rt.Label), rt.Status)
			e.emitGates(routedRouteAction, rt.Actions, account, p.ID, rt.ID)
		}
		for _, k := range sortedPairs(routes) {
			e.emit(routedRoutes, routes[k], account, p.ID, k.a, k.b)
		}
		if ratio, ok := poolAllocatedRatio(p); ok {
			e.emit(routedPoolAllocatedRatio, ratio, account, p.ID)
		}
		e.emitGates(routedPoolAction, p.Actions, account, p.ID)
	}
	statuses := make([]string, 0, len(poolsByStatus))
	for s := range poolsByStatus {
		statuses = append(statuses, s)
	}
	sort.Strings(statuses)
	for _, s := range statuses {
		e.emit(routedPools, poolsByStatus[s], account, s)
	}

	e.emit(routedDestinations, float64(len(r.Destinations)), account)
	for i := range r.Destinations {
		d := &r.Destinations[i]
		e.emitGates(routedDestinationAction, d.Actions, account, d.VPSID, d.Name)
	}
	e.emitGates(routedAction, r.Actions, account)
}

// routePrefixLength is the route's prefixLength, or the length written in its
// prefix when the API leaves the number out.
func routePrefixLength(rt *hostup.Route) string {
	if rt.PrefixLength != nil {
		return strconv.FormatFloat(*rt.PrefixLength, 'f', -1, 64)
	}
	if i := strings.LastIndexByte(rt.Prefix, '/'); i >= 0 {
		return rt.Prefix[i+1:]
	}
	return ""
}

// poolAllocatedRatio is the share of the pool's addresses covered by its
// routes. Routes are merged before summing, so a /64 inside a routed /56 is
// not counted twice; routes outside the pool are ignored. The result is
// false when the pool's own prefix cannot be read.
func poolAllocatedRatio(p *hostup.Pool) (float64, bool) {
	pool, err := netip.ParsePrefix(p.ParentCIDR)
	if err != nil {
		return 0, false
	}
	pool = pool.Masked()
	prefixes := make([]netip.Prefix, 0, len(p.Routes))
	for i := range p.Routes {
		rp, err := netip.ParsePrefix(p.Routes[i].Prefix)
		if err != nil {
			continue
		}
		rp = rp.Masked()
		if rp.Bits() < pool.Bits() || !pool.Contains(rp.Addr()) {
			continue
		}
		prefixes = append(prefixes, rp)
	}
	// Sorted by address then by length, a prefix that overlaps an earlier
	// kept one is always contained in it.
	sort.Slice(prefixes, func(a, b int) bool {
		if c := prefixes[a].Addr().Compare(prefixes[b].Addr()); c != 0 {
			return c < 0
		}
		return prefixes[a].Bits() < prefixes[b].Bits()
	})
	var ratio float64
	var last netip.Prefix
	for _, rp := range prefixes {
		if last.IsValid() && last.Contains(rp.Addr()) {
			continue
		}
		last = rp
		ratio += math.Ldexp(1, pool.Bits()-rp.Bits())
	}
	return math.Min(ratio, 1), true
}
