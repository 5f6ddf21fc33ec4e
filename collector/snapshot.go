package collector

import (
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// Snapshot is what one scrape shows of an account: the data to render (fresh
// or, within scrape.max_stale, last good) and whether this scrape's reads
// worked. It shares the decoded API values with the account's cache; they
// are never modified after decoding.
type Snapshot struct {
	Account string

	RoutedIPv6   *hostup.RoutedIPv6
	RoutedIPv6At time.Time // when RoutedIPv6 was read; zero if none
	RoutedIPv6OK bool

	// ListEnabled is false when discovery is off: the list is not read.
	ListEnabled bool
	List        []hostup.VPS
	ListAt      time.Time
	ListOK      bool

	VPS []VPSState
}

// VPSState is one VPS whose network state the scrape wanted.
type VPSState struct {
	ID, Name string
	Network  *hostup.VPSNetwork // nil when never read or older than max_stale
	At       time.Time
	OK       bool
	// Gone is set when the VPS was deleted between the list and its network
	// read (404 vps_not_found): not a failure, and no series.
	Gone bool
}

// Up is hostup_up: this scrape got the routed-IPv6 state and, when
// discovery is on, the VPS list.
func (s *Snapshot) Up() bool {
	return s.RoutedIPv6OK && (s.ListOK || !s.ListEnabled)
}

// NetworkOK is hostup_scrape_success{endpoint="vps_network"}: every network
// read this scrape wanted succeeded (a deleted VPS is not a failure).
func (s *Snapshot) NetworkOK() bool {
	for i := range s.VPS {
		if !s.VPS[i].OK && !s.VPS[i].Gone {
			return false
		}
	}
	return true
}

// OldestNetworkAt is the read time of the oldest network state served, zero
// when none is.
func (s *Snapshot) OldestNetworkAt() time.Time {
	var oldest time.Time
	for i := range s.VPS {
		at := s.VPS[i].At
		if s.VPS[i].Network != nil && (oldest.IsZero() || at.Before(oldest)) {
			oldest = at
		}
	}
	return oldest
}
