package hostup

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RateLimit is what one response said about the API's rate limit. HostUp
// documents the X-RateLimit-* headers on 429s; they are read on every
// response in case 2xx responses carry them too.
type RateLimit struct {
	// Limit and Remaining are X-RateLimit-Limit and X-RateLimit-Remaining;
	// the Has fields say whether each was present and readable.
	Limit, Remaining       int64
	HasLimit, HasRemaining bool
	// Reset is X-RateLimit-Reset, an RFC 3339 timestamp (epoch seconds are
	// tolerated). Zero if absent or unreadable.
	Reset time.Time
}

func parseRateLimit(h http.Header) RateLimit {
	var rl RateLimit
	rl.Limit, rl.HasLimit = parseHeaderNumber(h.Get("X-RateLimit-Limit"))
	rl.Remaining, rl.HasRemaining = parseHeaderNumber(h.Get("X-RateLimit-Remaining"))
	rl.Reset = parseReset(h.Get("X-RateLimit-Reset"))
	return rl
}

// parseHeaderNumber reads a non-negative count. Only the first item counts,
// so the structured form of the IETF draft ("100, 100;w=60") reads as 100. A
// count written with a fraction ("100.0") is truncated.
func parseHeaderNumber(v string) (int64, bool) {
	if i := strings.IndexAny(v, ",;"); i >= 0 {
		v = v[:i]
	}
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0) || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// Epoch seconds outside this range are not taken for a timestamp: a small
// number is more likely a delta, which HostUp does not document.
const minEpoch, maxEpoch = 1e9, 1e11

func parseReset(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= minEpoch && f < maxEpoch {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	return time.Time{}
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if !(secs >= 0) || secs > float64(math.MaxInt64/int64(time.Second)) {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryAfter is how long the response asks the client to wait: Retry-After,
// else, on a 429, until X-RateLimit-Reset. given is false when neither header
// was usable.
func retryAfter(h http.Header, status int, now time.Time) (d time.Duration, given bool) {
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		return d, true
	}
	if status == http.StatusTooManyRequests {
		if reset := parseReset(h.Get("X-RateLimit-Reset")); !reset.IsZero() {
			return max(reset.Sub(now), 0), true
		}
	}
	return 0, false
}
