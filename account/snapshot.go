package account

import (
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// Status says how one endpoint's reads went in the round a scrape waited on.
type Status uint8

const (
	// Failed: a read was made and failed, or was not made because of an
	// earlier failure, a rate-limit wait window or the scrape deadline, or
	// (for VPS network reads) the set of VPSes to read is unknown.
	Failed Status = iota
	// Read: every read was made in this round and succeeded.
	Read
	// Fresh: no read was needed, the data is younger than scrape.cache_ttl.
	Fresh
)

// OK reports whether the status counts as a success: read now, or fresh by
// design (scrape.cache_ttl).
func (s Status) OK() bool { return s != Failed }

func (s Status) String() string {
	switch s {
	case Read:
		return "read"
	case Fresh:
		return "fresh"
	}
	return "failed"
}

// Snapshot is what one scrape shows of an account. It is never modified
// after Account.Snapshot returns it, and shares decoded API values (which
// are never modified either) with the account's cache.
//
// Data fields hold what may be served: read in this round, or last good data
// younger than scrape.max_stale; nil when there is none. The *LastSuccess
// times outlive the data: they hold the last success for as long as the
// account is configured (zero until the first success).
type Snapshot struct {
	Account string

	RoutedIPv6            *hostup.RoutedIPv6
	RoutedIPv6Status      Status
	RoutedIPv6LastSuccess time.Time

	// ListEnabled is false when discovery is off: the list is not read and
	// List, ListStatus and ListLastSuccess mean nothing.
	ListEnabled     bool
	List            []hostup.VPS
	ListStatus      Status
	ListLastSuccess time.Time

	// NetworkStatus covers every VPS network read the round wanted. It is
	// Failed when the set of VPSes to read is unknown (the list failed and
	// no usable list is kept); a known empty set (an account with no VPS to
	// read) is OK.
	NetworkStatus Status
	// NetworkLastSuccess is the end of the last round whose network reads
	// all succeeded.
	NetworkLastSuccess time.Time

	// VPS holds each VPS whose network state the round wanted, once, in
	// the order they became known (configured ids, then list order).
	VPS []VPSState

	// RateLimit is what HostUp last said of the account's budget, and the
	// wait window the exporter honours.
	RateLimit RateLimit
}

// VPSState is one VPS whose network state a round wanted.
type VPSState struct {
	ID, Name string
	// Network is nil when never read or older than scrape.max_stale.
	Network *hostup.VPSNetwork
	Status  Status
	// LastSuccess is when the VPS's network was last read successfully;
	// zero if never.
	LastSuccess time.Time
}

// RateLimit is the account's rate-limit state: the X-RateLimit-* headers of
// the last response that carried them, and the wait window.
type RateLimit struct {
	// Limit and Remaining are X-RateLimit-Limit and X-RateLimit-Remaining
	// (calls); Has* is false until HostUp has sent the header.
	Limit, Remaining       int64
	HasLimit, HasRemaining bool
	// Reset is X-RateLimit-Reset; zero if never sent.
	Reset time.Time
	// WaitUntil is the end of the wait window in force when the snapshot
	// was taken: no call is made before it. Zero when there is none.
	WaitUntil time.Time
}

// Up is hostup_up: the round got the routed-IPv6 state and, when discovery
// is on, the VPS list (read now, or fresh by design).
func (s *Snapshot) Up() bool {
	return s.RoutedIPv6Status.OK() && (!s.ListEnabled || s.ListStatus.OK())
}
