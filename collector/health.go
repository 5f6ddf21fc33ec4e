package collector

import (
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

var (
	up = newGauge("up",
		"1 if this scrape read the account's routed IPv6 state and VPS list from the API, else 0 (other series may then be last good data).",
		"account")
	scrapeSuccess = newGauge("scrape_success",
		"1 if every API call of this endpoint succeeded in this scrape, else 0.",
		"account", "endpoint")
	scrapeDuration = newGauge("scrape_duration_seconds",
		"Wall time of collecting the account in this scrape.",
		"account")
	vpsNetworkScrapeSuccess = newGauge("vps_network_scrape_success",
		"1 if this VPS's network read (GET /api/v2/vps/{id}/network) succeeded in this scrape, else 0.",
		"account", "vps_id", "vps_name")
	lastSuccess = newGauge("last_success_timestamp_seconds",
		"When the data served for this endpoint was read from the API, as Unix seconds (for vps_network, the oldest VPS's). Data may be cached up to scrape.max_stale.",
		"account", "endpoint")
	vpsNetworkLastSuccess = newGauge("vps_network_last_success_timestamp_seconds",
		"When the network state served for this VPS was read from the API, as Unix seconds. It may be cached up to scrape.max_stale.",
		"account", "vps_id", "vps_name")
)

// emitSnapshot renders everything one scrape shows of an account.
func (e *emitter) emitSnapshot(s *Snapshot, took time.Duration) {
	a := s.Account
	e.emit(up, boolToFloat(s.Up()), a)
	e.emit(scrapeSuccess, boolToFloat(s.RoutedIPv6OK), a, hostup.EndpointRoutedIPv6)
	if s.ListEnabled {
		e.emit(scrapeSuccess, boolToFloat(s.ListOK), a, hostup.EndpointVPSList)
	}
	e.emit(scrapeSuccess, boolToFloat(s.NetworkOK()), a, hostup.EndpointVPSNetwork)
	e.emit(scrapeDuration, took.Seconds(), a)

	e.emitTimestamp(lastSuccess, s.RoutedIPv6At, a, hostup.EndpointRoutedIPv6)
	if s.ListEnabled {
		e.emitTimestamp(lastSuccess, s.ListAt, a, hostup.EndpointVPSList)
	}
	e.emitTimestamp(lastSuccess, s.OldestNetworkAt(), a, hostup.EndpointVPSNetwork)

	if s.RoutedIPv6 != nil {
		e.emitRoutedIPv6(a, s.RoutedIPv6)
	}
	for i := range s.List {
		e.emitVPSInfo(a, &s.List[i])
	}
	// Each VPS's series carry its id, so duplicates are only looked for
	// within one VPS (dedupe.go). That needs each id once: an Account's
	// snapshot has that already (a round reads each VPS once), this makes
	// sure of it for any other.
	ids := make(map[string]struct{}, len(s.VPS))
	for i := range s.VPS {
		v := &s.VPS[i]
		if _, dup := ids[v.ID]; v.Gone || dup {
			continue
		}
		ids[v.ID] = struct{}{}
		e.seen.enterVPS()
		e.emit(vpsNetworkScrapeSuccess, boolToFloat(v.OK), a, v.ID, v.Name)
		if v.Network != nil {
			e.emitTimestamp(vpsNetworkLastSuccess, v.At, a, v.ID, v.Name)
			e.emitVPSNetwork(a, v.ID, v.Name, v.Network)
		}
		e.seen.leaveVPS()
	}
}

func (e *emitter) emitTimestamp(d typedDesc, t time.Time, labels ...string) {
	if !t.IsZero() {
		e.emit(d, float64(t.UnixNano())/1e9, labels...)
	}
}
