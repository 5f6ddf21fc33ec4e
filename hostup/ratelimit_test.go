package hostup_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

var t0 = time.Date(2026, 4, 27, 12, 34, 56, 0, time.UTC)

func TestRateLimited429BlocksFurtherCalls(t *testing.T) {
	tests := []struct {
		name     string
		headers  map[string]string
		wantWait time.Duration
	}{
		{
			name:     "Retry-After in seconds wins over X-RateLimit-Reset",
			headers:  map[string]string{"Retry-After": "1", "X-RateLimit-Reset": t0.Add(time.Minute).Format(time.RFC3339)},
			wantWait: time.Second,
		},
		{
			name:     "Retry-After as an HTTP-date",
			headers:  map[string]string{"Retry-After": t0.Add(3 * time.Second).Format(http.TimeFormat)},
			wantWait: 3 * time.Second,
		},
		{
			name: "only X-RateLimit-Reset as an RFC 3339 timestamp",
			headers: map[string]string{
				"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
				"X-RateLimit-Reset": t0.Add(2500 * time.Millisecond).Format(time.RFC3339Nano),
			},
			wantWait: 2500 * time.Millisecond,
		},
		{
			name:     "only X-RateLimit-Reset in epoch seconds",
			headers:  map[string]string{"X-RateLimit-Reset": strconv.FormatInt(t0.Add(7*time.Second).Unix(), 10)},
			wantWait: 7 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var limited atomic.Bool
			limited.Store(true)
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
				if !limited.Load() {
					jsonBody(http.StatusOK, `{"data": []}`)(w, r)
					return
				}
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				problemBody(http.StatusTooManyRequests, "rate_limit_exceeded", "Too many requests. Retry after the limit resets.")(w, r)
			})
			clock := newFakeClock(t0)
			var rec recorder
			c := newTestClient(t, api, hostup.WithObserver(rec.observe))
			hostup.SetClock(c, clock.Now)

			_, err := c.RoutedIPv6(t.Context())
			var apiErr *hostup.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("err = %v, want the 429 APIError", err)
			}
			if apiErr.RetryAfter != tt.wantWait {
				t.Errorf("RetryAfter %v, want %v", apiErr.RetryAfter, tt.wantWait)
			}
			if !hostup.IsRateLimited(err) || errors.Is(err, hostup.ErrRateLimited) {
				t.Errorf("the 429 itself: IsRateLimited %t, errors.Is(ErrRateLimited) %t; want true, false",
					hostup.IsRateLimited(err), errors.Is(err, hostup.ErrRateLimited))
			}
			if api.Hits() != 1 {
				t.Errorf("%d requests; a 429 is not retried", api.Hits())
			}
			if got := c.BlockedUntil(); !got.Equal(t0.Add(tt.wantWait)) {
				t.Errorf("BlockedUntil %v, want %v", got, t0.Add(tt.wantWait))
			}

			// Inside the window: no request at all, on any endpoint.
			clock.Advance(tt.wantWait / 2)
			_, err = c.VPSNetwork(t.Context(), "vps_1")
			if !errors.Is(err, hostup.ErrRateLimited) {
				t.Fatalf("err = %v, want ErrRateLimited", err)
			}
			if left := (tt.wantWait - tt.wantWait/2).String(); !strings.Contains(err.Error(), left+" left") {
				t.Errorf("error %q does not say %s left", err, left)
			}
			if _, err := c.ListVPS(t.Context(), func([]hostup.VPS) error { return nil }); !errors.Is(err, hostup.ErrRateLimited) {
				t.Errorf("ListVPS err = %v, want ErrRateLimited", err)
			}
			if api.Hits() != 1 {
				t.Errorf("%d requests inside the Retry-After window, want none after the 429", api.Hits()-1)
			}
			if n := len(rec.Calls()); n != 1 {
				t.Errorf("%d observed attempts; refused calls are not attempts", n)
			}

			// After the window: calls go out again.
			clock.Advance(tt.wantWait)
			limited.Store(false)
			if !c.BlockedUntil().IsZero() {
				t.Errorf("BlockedUntil %v after the window", c.BlockedUntil())
			}
			if _, err := c.ListVPSPage(t.Context(), ""); err != nil {
				t.Fatalf("after the window: %v", err)
			}
			if api.Hits() != 2 {
				t.Errorf("%d requests, want 2", api.Hits())
			}
		})
	}
}

func TestRateLimited429WithoutAHintDoesNotBlock(t *testing.T) {
	api := newFakeAPI(t, sequence(
		problemBody(http.StatusTooManyRequests, "rate_limited", "Slow down."),
		jsonBody(http.StatusOK, `{}`),
	))
	c := newTestClient(t, api)
	_, err := c.RoutedIPv6(t.Context())
	var apiErr *hostup.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "rate_limited" || apiErr.RetryAfter != 0 {
		t.Fatalf("err = %v, want a 429 without RetryAfter", err)
	}
	if !c.BlockedUntil().IsZero() {
		t.Errorf("blocked until %v with no hint", c.BlockedUntil())
	}
	if _, err := c.RoutedIPv6(t.Context()); err != nil {
		t.Errorf("second call: %v", err)
	}
}

func TestRateLimitHeadersAreReportedOnSuccess(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "42")
		w.Header().Set("X-RateLimit-Reset", "2026-04-27T12:35:00.000Z")
		jsonBody(http.StatusOK, `{}`)(w, r)
	})
	var rec recorder
	if _, err := newTestClient(t, api, hostup.WithObserver(rec.observe)).RoutedIPv6(t.Context()); err != nil {
		t.Fatal(err)
	}
	want := hostup.RateLimit{Limit: 100, Remaining: 42, HasLimit: true, HasRemaining: true, Reset: mustTime(t, "2026-04-27T12:35:00Z")}
	if got := rec.Calls()[0].RateLimit; got != want {
		t.Errorf("rate limit %+v, want %+v", got, want)
	}
}

func TestPacingSpacesAttempts(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, `{}`))
	c := newTestClient(t, api, hostup.WithRateLimit(20)) // one call per 50ms
	start := time.Now()
	for range 3 {
		if _, err := c.RoutedIPv6(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed := time.Since(start); elapsed < 90*time.Millisecond {
		t.Errorf("3 calls at 20/s took %v, want at least ~100ms", elapsed)
	}
}

func TestPacingGivesUpWhenTheWaitOutlastsTheDeadline(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, `{}`))
	c := newTestClient(t, api, hostup.WithRateLimit(0.1)) // next token in 10s
	if _, err := c.RoutedIPv6(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.RoutedIPv6(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline error", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v; a wait past the deadline should be refused up front", elapsed)
	}
	if api.Hits() != 1 {
		t.Errorf("%d requests", api.Hits())
	}
}
