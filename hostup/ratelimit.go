package hostup

import (
	"context"
	"fmt"
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

// parseHeaderNumber reads a non-negative number. Only the first item counts,
// so the structured form of the IETF draft ("100, 100;w=60") reads as 100.
func parseHeaderNumber(v string) (int64, bool) {
	if i := strings.IndexAny(v, ",;"); i >= 0 {
		v = v[:i]
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(f >= 0) || f > math.MaxInt64/2 {
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
// else, on a 429, until X-RateLimit-Reset.
func retryAfter(h http.Header, status int, now time.Time) time.Duration {
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		return d
	}
	if status == http.StatusTooManyRequests {
		if reset := parseReset(h.Get("X-RateLimit-Reset")); !reset.IsZero() {
			return max(reset.Sub(now), 0)
		}
	}
	return 0
}

// block opens (or extends) the window in which no request is sent.
func (c *Client) block(d time.Duration) {
	if d <= 0 || c.gateFn != nil {
		return
	}
	until := c.now().Add(d)
	c.mu.Lock()
	if until.After(c.blockedUntil) {
		c.blockedUntil = until
	}
	c.mu.Unlock()
}

// BlockedUntil is the end of the current Retry-After window, or the zero time
// when the client is not rate-limit blocked.
func (c *Client) BlockedUntil() time.Time {
	c.mu.Lock()
	until := c.blockedUntil
	c.mu.Unlock()
	if c.now().Before(until) {
		return until
	}
	return time.Time{}
}

// checkBlocked refuses a call inside the Retry-After window.
func (c *Client) checkBlocked(endpoint string) error {
	until := c.BlockedUntil()
	if until.IsZero() {
		return nil
	}
	left := until.Sub(c.now()).Round(time.Millisecond)
	return fmt.Errorf("hostup: %s: %w: no request sent, %s left (until %s)",
		endpoint, ErrRateLimited, left, until.UTC().Format(time.RFC3339))
}

// waitTurn runs before every attempt: it refuses the call inside a
// Retry-After window and otherwise waits for the pacing limiter.
func (c *Client) waitTurn(ctx context.Context, endpoint string) error {
	if c.gateFn != nil {
		if err := c.gateFn(ctx, endpoint); err != nil {
			return fmt.Errorf("hostup: %s: %w", endpoint, err)
		}
	}
	if err := c.checkBlocked(endpoint); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hostup: %s: %w", endpoint, err)
	}
	if c.limiter == nil {
		return nil
	}
	if err := c.limiter.Wait(ctx); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("hostup: %s: %w", endpoint, cerr)
		}
		// The limiter refuses up front a wait that would outlast the deadline.
		return fmt.Errorf("hostup: %s: the client-side rate limit (%g calls/s) would delay the call past the context deadline: %w",
			endpoint, c.rps, context.DeadlineExceeded)
	}
	// A 429 may have arrived for another call while this one waited.
	return c.checkBlocked(endpoint)
}
