package account

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// DefaultBackoff is the first wait window opened by a 429 that says nothing
// usable about how long to wait (neither Retry-After nor
// X-RateLimit-Reset); each further such 429 doubles it, up to
// scrape.max_backoff, and a successful call resets it.
const DefaultBackoff = 30 * time.Second

// limiter is an account's call policy: the rate-limit wait window and the
// pacing of scrape.max_requests_per_second. Every attempt the client makes
// asks it first (hostup.WithGate).
type limiter struct {
	maxBackoff time.Duration
	pacing     *rate.Limiter // nil: unlimited
	rps        float64
	now        func() time.Time

	mu          sync.Mutex
	waitUntil   time.Time
	nextBackoff time.Duration
	headers     RateLimit // X-RateLimit-* as last seen
}

func newLimiter(rps float64, maxBackoff time.Duration, now func() time.Time) *limiter {
	l := &limiter{maxBackoff: maxBackoff, rps: rps, now: now, nextBackoff: DefaultBackoff}
	if rps > 0 {
		l.pacing = rate.NewLimiter(rate.Limit(rps), 1)
	}
	return l
}

// adopt takes over the window, backoff and headers of the limiter of the
// account this one replaces (same API URL, same key: same budget). A window
// longer than this limiter's max_backoff is cut to it.
func (l *limiter) adopt(old *limiter) {
	old.mu.Lock()
	until, next, headers := old.waitUntil, old.nextBackoff, old.headers
	old.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if limit := l.now().Add(l.maxBackoff); until.After(limit) {
		until = limit
	}
	l.waitUntil, l.nextBackoff, l.headers = until, min(next, max(l.maxBackoff, DefaultBackoff)), headers
}

// waitingUntil is the end of the window in force, or zero.
func (l *limiter) waitingUntil() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.now().Before(l.waitUntil) {
		return l.waitUntil
	}
	return time.Time{}
}

// gate runs before every HTTP attempt: it refuses the call inside a wait
// window (an error wrapping hostup.ErrRateLimited, no request made) and
// otherwise waits its turn under pacing.
func (l *limiter) gate(ctx context.Context, _ string) error {
	if err := l.refuse(); err != nil {
		return err
	}
	if l.pacing != nil {
		if err := l.pacing.Wait(ctx); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			// The limiter refuses up front a wait that would outlast the
			// deadline.
			return fmt.Errorf("scrape.max_requests_per_second (%g calls/s) would delay the call past the scrape deadline: %w", l.rps, context.DeadlineExceeded)
		}
		// A 429 may have come for another call while this one waited.
		return l.refuse()
	}
	return nil
}

func (l *limiter) refuse() error {
	until := l.waitingUntil()
	if until.IsZero() {
		return nil
	}
	return fmt.Errorf("%w: waiting until %s (%s left), no request sent",
		hostup.ErrRateLimited, until.UTC().Format(time.RFC3339), until.Sub(l.now()).Round(time.Second))
}

// observe takes the rate-limit headers of one response.
func (l *limiter) observe(c hostup.Call) {
	rl := c.RateLimit
	if !rl.HasLimit && !rl.HasRemaining && rl.Reset.IsZero() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if rl.HasLimit {
		l.headers.Limit, l.headers.HasLimit = rl.Limit, true
	}
	if rl.HasRemaining {
		l.headers.Remaining, l.headers.HasRemaining = rl.Remaining, true
	}
	if !rl.Reset.IsZero() {
		l.headers.Reset = rl.Reset
	}
}

// window is what on429 decided.
type window struct {
	until  time.Time
	wait   time.Duration // the window's length
	asked  time.Duration // what HostUp asked for; 0 if nothing usable
	given  bool          // HostUp gave a usable wait
	capped bool          // asked was longer than max_backoff
	repeat bool          // the window was already open
}

// on429 opens (or extends) the wait window after a 429: what HostUp asked
// (Retry-After, else X-RateLimit-Reset), else the doubling default; never
// longer than max_backoff. It reports false for an error that is not a 429.
func (l *limiter) on429(err error) (window, bool) {
	var apiErr *hostup.APIError
	if !errors.As(err, &apiErr) || !hostup.IsRateLimited(apiErr) {
		return window{}, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := window{asked: apiErr.RetryAfter, given: apiErr.RetryAfterGiven && apiErr.RetryAfter > 0}
	now := l.now()
	switch {
	case w.given:
		w.wait = w.asked
	case now.Before(l.waitUntil):
		// A call that started before the window opened: the same 429
		// episode, not a further one.
		return window{until: l.waitUntil, wait: l.waitUntil.Sub(now), repeat: true}, true
	default:
		w.wait = l.nextBackoff
		l.nextBackoff = min(2*l.nextBackoff, max(l.maxBackoff, DefaultBackoff))
	}
	if w.wait > l.maxBackoff {
		w.wait, w.capped = l.maxBackoff, true
	}
	w.until = now.Add(w.wait)
	if w.until.After(l.waitUntil) {
		l.waitUntil = w.until
	}
	return w, true
}

// onSuccess resets the doubling of the default backoff, unless a window is
// open: a call that succeeds then was started before the 429 that opened
// it, and says nothing of the budget after it.
func (l *limiter) onSuccess() {
	l.mu.Lock()
	if !l.now().Before(l.waitUntil) {
		l.nextBackoff = DefaultBackoff
	}
	l.mu.Unlock()
}

func (l *limiter) state() RateLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	rl := l.headers
	if l.now().Before(l.waitUntil) {
		rl.WaitUntil = l.waitUntil
	}
	return rl
}
