package hostup_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/fakeclock"
)

var t0 = time.Date(2026, 4, 27, 12, 34, 56, 0, time.UTC)

func TestRateLimited429ReportsWhatHostUpAsked(t *testing.T) {
	tests := []struct {
		name      string
		code      string
		headers   map[string]string
		wantWait  time.Duration
		wantGiven bool
	}{
		{
			name:     "Retry-After in seconds wins over X-RateLimit-Reset",
			code:     "rate_limit_exceeded",
			headers:  map[string]string{"Retry-After": "1", "X-RateLimit-Reset": t0.Add(time.Minute).Format(time.RFC3339)},
			wantWait: time.Second, wantGiven: true,
		},
		{
			name:     "Retry-After as an HTTP-date",
			code:     "rate_limited",
			headers:  map[string]string{"Retry-After": t0.Add(3 * time.Second).Format(http.TimeFormat)},
			wantWait: 3 * time.Second, wantGiven: true,
		},
		{
			name: "only X-RateLimit-Reset as an RFC 3339 timestamp",
			code: "rate_limit_exceeded",
			headers: map[string]string{
				"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
				"X-RateLimit-Reset": t0.Add(2500 * time.Millisecond).Format(time.RFC3339Nano),
			},
			wantWait: 2500 * time.Millisecond, wantGiven: true,
		},
		{
			name:     "only X-RateLimit-Reset in epoch seconds",
			code:     "rate_limited",
			headers:  map[string]string{"X-RateLimit-Reset": strconv.FormatInt(t0.Add(7*time.Second).Unix(), 10)},
			wantWait: 7 * time.Second, wantGiven: true,
		},
		{
			name:     "Retry-After 0 is given",
			code:     "rate_limited",
			headers:  map[string]string{"Retry-After": "0"},
			wantWait: 0, wantGiven: true,
		},
		{
			name:    "no usable header",
			code:    "rate_limited",
			headers: map[string]string{"Retry-After": "soon", "X-RateLimit-Reset": "later"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, sequence(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				problemBody(http.StatusTooManyRequests, tt.code, "Too many requests. Retry after the limit resets.")(w, r)
			}, jsonBody(http.StatusOK, `{}`)))
			var rec recorder
			c := newTestClient(t, api, hostup.WithObserver(rec.observe))
			hostup.SetClock(c, fakeclock.New(t0).Now)

			_, err := c.RoutedIPv6(t.Context())
			var apiErr *hostup.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Code != tt.code {
				t.Fatalf("err = %v, want the 429 APIError with code %s", err, tt.code)
			}
			if apiErr.RetryAfter != tt.wantWait || apiErr.RetryAfterGiven != tt.wantGiven {
				t.Errorf("RetryAfter %v given %t, want %v given %t", apiErr.RetryAfter, apiErr.RetryAfterGiven, tt.wantWait, tt.wantGiven)
			}
			if !hostup.IsRateLimited(err) || errors.Is(err, hostup.ErrRateLimited) {
				t.Errorf("the 429 itself: IsRateLimited %t, errors.Is(ErrRateLimited) %t; want true, false",
					hostup.IsRateLimited(err), errors.Is(err, hostup.ErrRateLimited))
			}
			if api.Hits() != 1 {
				t.Errorf("%d requests; a 429 is not retried", api.Hits())
			}
			// The client keeps no window: the next call goes out (the
			// policy is the gate's).
			if _, err := c.RoutedIPv6(t.Context()); err != nil {
				t.Fatalf("next call: %v", err)
			}
			if api.Hits() != 2 || len(rec.Calls()) != 2 {
				t.Errorf("%d requests, %d observed; want 2, 2", api.Hits(), len(rec.Calls()))
			}
		})
	}
}

func TestRateLimited429ThroughTheFakeAPI(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fault     hostuptest.Fault
		wantCode  string
		wantWait  time.Duration
		wantGiven bool
	}{
		{"no wait headers", hostuptest.Fault{Status: 429, NoRateLimitHeaders: true}, "rate_limit_exceeded", 0, false},
		{"no wait headers, rate_limited", hostuptest.Fault{Code: "rate_limited", NoRateLimitHeaders: true}, "rate_limited", 0, false},
		{"Retry-After 30", hostuptest.Fault{RetryAfter: 30 * time.Second}, "rate_limit_exceeded", 30 * time.Second, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostuptest.NewServer(hostuptest.DocsAccount())
			defer srv.Close()
			srv.Fail(hostuptest.Endpoint(hostuptest.EndpointRoutedIPv6), tt.fault)
			c, err := hostup.NewClient(srv.URL, "hu_test_key_0123456789")
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.RoutedIPv6(t.Context())
			var apiErr *hostup.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != tt.wantCode || !hostup.IsRateLimited(err) {
				t.Fatalf("err = %v, want a 429 %s", err, tt.wantCode)
			}
			if apiErr.RetryAfterGiven != tt.wantGiven || (tt.wantGiven && apiErr.RetryAfter != tt.wantWait) {
				t.Errorf("RetryAfter %v given %t, want %v given %t", apiErr.RetryAfter, apiErr.RetryAfterGiven, tt.wantWait, tt.wantGiven)
			}
			if srv.Calls(hostuptest.EndpointRoutedIPv6) != 1 {
				t.Errorf("%d calls; a 429 is not retried", srv.Calls(hostuptest.EndpointRoutedIPv6))
			}
		})
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

func TestGateIsAskedBeforeEveryAttemptIncludingRetries(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DocsAccount())
	defer srv.Close()
	srv.FailTimes(hostuptest.Endpoint(hostuptest.EndpointVPSNetwork), hostuptest.Fault{Status: 503}, 2)
	var asked []string
	var attemptsAtGate []int
	var rec recorder
	c, err := hostup.NewClient(srv.URL, "hu_test_key_0123456789", hostup.WithRetries(2), hostup.WithObserver(rec.observe),
		hostup.WithGate(func(ctx context.Context, endpoint string) error {
			if ctx == nil {
				t.Error("nil context")
			}
			asked = append(asked, endpoint)
			attemptsAtGate = append(attemptsAtGate, srv.TotalCalls())
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	hostup.SetBackoff(c, time.Millisecond, 2*time.Millisecond)
	if _, err := c.VPSNetwork(t.Context(), hostuptest.DocsVPSID); err != nil {
		t.Fatalf("third attempt should succeed: %v", err)
	}
	want := []string{hostup.EndpointVPSNetwork, hostup.EndpointVPSNetwork, hostup.EndpointVPSNetwork}
	if !slices.Equal(asked, want) {
		t.Errorf("gate asked for %v, want %v", asked, want)
	}
	// Each time before the attempt it gates.
	if !slices.Equal(attemptsAtGate, []int{0, 1, 2}) {
		t.Errorf("requests made when the gate was asked: %v, want [0 1 2]", attemptsAtGate)
	}
	if got := rec.Statuses(); !slices.Equal(got, []int{503, 503, 200}) {
		t.Errorf("observed %v", got)
	}
}

func TestRefusingGateMakesNoRequest(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DocsAccount())
	defer srv.Close()
	refusal := fmt.Errorf("account: %w: 12s left", hostup.ErrRateLimited)
	var rec recorder
	c, err := hostup.NewClient(srv.URL, "hu_test_key_0123456789", hostup.WithObserver(rec.observe),
		hostup.WithGate(func(context.Context, string) error { return refusal }))
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		hostup.EndpointRoutedIPv6: func() error { _, err := c.RoutedIPv6(t.Context()); return err },
		hostup.EndpointVPSNetwork: func() error { _, err := c.VPSNetwork(t.Context(), hostuptest.DocsVPSID); return err },
		hostup.EndpointVPSList:    func() error { _, err := c.ListVPSPage(t.Context(), ""); return err },
	}
	for endpoint, call := range calls {
		err := call()
		if !errors.Is(err, refusal) || !errors.Is(err, hostup.ErrRateLimited) || !hostup.IsRateLimited(err) {
			t.Errorf("%s: err = %v, want the gate's error wrapped", endpoint, err)
		}
		if err != nil && !strings.Contains(err.Error(), endpoint) {
			t.Errorf("%s: error %q does not name the endpoint", endpoint, err)
		}
	}
	if srv.TotalCalls() != 0 || len(rec.Calls()) != 0 {
		t.Errorf("%d requests, %d observed attempts; a refusing gate makes none", srv.TotalCalls(), len(rec.Calls()))
	}

	// A gate that waits is bounded by the call's context.
	c, err = hostup.NewClient(srv.URL, "hu_test_key_0123456789",
		hostup.WithGate(func(ctx context.Context, _ string) error { <-ctx.Done(); return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := c.RoutedIPv6(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the deadline", err)
	}
	if srv.TotalCalls() != 0 {
		t.Errorf("%d requests", srv.TotalCalls())
	}
}
