package collector

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// seenSet is the emitter's memory of the series it has sent this scrape, so
// that a duplicate (two interfaces both with a null id, say) is dropped
// instead of making the registry reject the series.
//
// Most series are per VPS and carry its vps_id, and a snapshot holds each VPS
// once, so series of two different VPSes can never be duplicates. Between
// enterVPS and leaveVPS the set therefore only compares with the series of
// the current VPS, a short list reused from VPS to VPS. Before, every series
// went into a per-scrape map keyed by a freshly allocated string, which was
// the largest allocation left in the emitter (BENCHMARKS.md). Series outside
// a VPS (account health, routed IPv6, the VPS list) still use that map.
type seenSet struct {
	global map[*prometheus.Desc]map[string]struct{}
	key    []byte

	inVPS  bool
	local  []seenSeries
	values []string // label values of local, back to back
}

type seenSeries struct {
	desc       *prometheus.Desc
	start, end int // its label values are values[start:end]
}

func newSeenSet() *seenSet {
	return &seenSet{global: make(map[*prometheus.Desc]map[string]struct{})}
}

// enterVPS starts the series of one VPS; every series until leaveVPS must
// carry that VPS's id.
func (s *seenSet) enterVPS() {
	s.inVPS = true
	s.local, s.values = s.local[:0], s.values[:0]
}

func (s *seenSet) leaveVPS() { s.inVPS = false }

// add records a series and reports whether it is new.
func (s *seenSet) add(d *prometheus.Desc, labels []string) bool {
	if s.inVPS {
		for _, l := range s.local {
			if l.desc == d && slices.Equal(s.values[l.start:l.end], labels) {
				return false
			}
		}
		start := len(s.values)
		s.values = append(s.values, labels...)
		s.local = append(s.local, seenSeries{d, start, len(s.values)})
		return true
	}

	s.key = s.key[:0]
	for _, l := range labels {
		s.key = append(s.key, l...)
		s.key = append(s.key, 0xff) // cannot occur in valid UTF-8 label values
	}
	seen := s.global[d]
	if seen == nil {
		seen = make(map[string]struct{})
		s.global[d] = seen
	}
	if _, dup := seen[string(s.key)]; dup {
		return false
	}
	seen[string(s.key)] = struct{}{}
	return true
}
