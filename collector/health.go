package collector

import (
	"time"

	"github.com/hostup-exporter/hostup_exporter/account"
)

// Endpoint label values (the endpoint label of the health and API-call
// metrics).
const (
	endpointRoutedIPv6 = "routed_ipv6"
	endpointVPSList    = "vps_list"
	endpointVPSNetwork = "vps_network"
)

var (
	up = newGauge("up",
		"1 if this scrape got the account's routed IPv6 state and VPS list (read now, or fresh within scrape.cache_ttl), else 0 (other series may then be last good data).",
		"account")
	scrapeSuccess = newGauge("scrape_success",
		"1 if the reads this endpoint stands for were made in this scrape and all succeeded, or were skipped because scrape.cache_ttl says the data is fresh; 0 if one failed, was skipped by a failure or a rate-limit wait window, or (vps_network) the set of VPSes to read is unknown.",
		"account", "endpoint")
	scrapeDuration = newGauge("scrape_duration_seconds",
		"Wall time of collecting the account in this scrape.",
		"account")
	vpsNetworkScrapeSuccess = newGauge("vps_network_scrape_success",
		"1 if this VPS's network read (GET /api/v2/vps/{id}/network) succeeded in this scrape or is fresh within scrape.cache_ttl, else 0.",
		"account", "vps_id", "vps_name")
	lastSuccess = newGauge("last_success_timestamp_seconds",
		"When the endpoint's reads last all succeeded, as Unix seconds; exported for as long as the account is configured, also after scrape.max_stale has dropped the data.",
		"account", "endpoint")
	vpsNetworkLastSuccess = newGauge("vps_network_last_success_timestamp_seconds",
		"When this VPS's network state was last read successfully, as Unix seconds; exported while the VPS is read, also after scrape.max_stale has dropped the data.",
		"account", "vps_id", "vps_name")
	rateLimitRemaining = newGauge("api_rate_limit_remaining",
		"Last X-RateLimit-Remaining header the HostUp API sent (calls); absent until one is seen.",
		"account")
	rateLimitLimit = newGauge("api_rate_limit_limit",
		"Last X-RateLimit-Limit header the HostUp API sent (calls per window); absent until one is seen.",
		"account")
	rateLimitReset = newGauge("api_rate_limit_reset_timestamp_seconds",
		"Last X-RateLimit-Reset header the HostUp API sent, as Unix seconds; absent until one is seen.",
		"account")
	rateLimitWaitUntil = newGauge("api_rate_limit_wait_until_timestamp_seconds",
		"End of the rate-limit wait window in force, as Unix seconds: no API call is made before it (Retry-After or X-RateLimit-Reset of a 429, else a backoff doubling from 30s, never longer than scrape.max_backoff). Absent when no window is open.",
		"account")
	duplicateSeries = newGauge("scrape_duplicate_series",
		"Series of this scrape dropped because an earlier series had the same labels (two API items that could not be told apart).",
		"account")
)

// emitSnapshot renders everything one scrape shows of an account.
func (e *emitter) emitSnapshot(s *account.Snapshot, took time.Duration) {
	a := s.Account
	e.emit(up, boolToFloat(s.Up()), a)
	e.emit(scrapeSuccess, boolToFloat(s.RoutedIPv6Status.OK()), a, endpointRoutedIPv6)
	if s.ListEnabled {
		e.emit(scrapeSuccess, boolToFloat(s.ListStatus.OK()), a, endpointVPSList)
	}
	e.emit(scrapeSuccess, boolToFloat(s.NetworkStatus.OK()), a, endpointVPSNetwork)
	e.emit(scrapeDuration, took.Seconds(), a)

	e.emitTimestamp(lastSuccess, s.RoutedIPv6LastSuccess, a, endpointRoutedIPv6)
	if s.ListEnabled {
		e.emitTimestamp(lastSuccess, s.ListLastSuccess, a, endpointVPSList)
	}
	e.emitTimestamp(lastSuccess, s.NetworkLastSuccess, a, endpointVPSNetwork)

	rl := &s.RateLimit
	if rl.HasRemaining {
		e.emit(rateLimitRemaining, float64(rl.Remaining), a)
	}
	if rl.HasLimit {
		e.emit(rateLimitLimit, float64(rl.Limit), a)
	}
	e.emitTimestamp(rateLimitReset, rl.Reset, a)
	e.emitTimestamp(rateLimitWaitUntil, rl.WaitUntil, a)

	if s.RoutedIPv6 != nil {
		e.emitRoutedIPv6(a, s.RoutedIPv6)
	}
	// A VPS's list series carry its id, so, as for the network series
	// below, duplicates are only looked for within one list item, and a
	// VPS listed twice is rendered once.
	listed := make(map[string]struct{}, len(s.List))
	for i := range s.List {
		v := &s.List[i]
		if _, dup := listed[v.ID]; dup {
			e.drop(vpsInfo.name)
			continue
		}
		listed[v.ID] = struct{}{}
		e.seen.enterVPS()
		e.emitVPSInfo(a, v)
		e.seen.leaveVPS()
	}
	// Each VPS's series carry its id, so duplicates are only looked for
	// within one VPS (dedupe.go). That needs each id once: an account's
	// snapshot has that already (a round reads each VPS once), this makes
	// sure of it for any other.
	ids := make(map[string]struct{}, len(s.VPS))
	for i := range s.VPS {
		v := &s.VPS[i]
		if _, dup := ids[v.ID]; dup {
			e.drop(vpsNetworkScrapeSuccess.name)
			continue
		}
		ids[v.ID] = struct{}{}
		e.seen.enterVPS()
		e.emit(vpsNetworkScrapeSuccess, boolToFloat(v.Status.OK()), a, v.ID, v.Name)
		e.emitTimestamp(vpsNetworkLastSuccess, v.LastSuccess, a, v.ID, v.Name)
		if v.Network != nil {
			e.emitVPSNetwork(a, v.ID, v.Name, v.Network)
		}
		e.seen.leaveVPS()
	}
	n := 0
	for _, c := range e.dropped {
		n += c
	}
	e.emit(duplicateSeries, float64(n), a)
}

func (e *emitter) emitTimestamp(d typedDesc, t time.Time, labels ...string) {
	if !t.IsZero() {
		e.emit(d, float64(t.UnixNano())/1e9, labels...)
	}
}
