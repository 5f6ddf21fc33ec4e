package hostup_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// dropConnection closes the connection without answering: a transport error.
func dropConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func TestRetriesOnlyTransientFailures(t *testing.T) {
	ok := jsonBody(http.StatusOK, `{}`)
	tests := []struct {
		name         string
		opts         []hostup.Option
		handlers     []http.HandlerFunc
		wantHits     int
		wantStatuses string
		wantErr      bool
	}{
		{"500 then success", nil, []http.HandlerFunc{problemBody(500, "internal_error", "x"), ok}, 2, "[500 200]", false},
		{"408 then success", nil, []http.HandlerFunc{problemBody(408, "request_timeout", "x"), ok}, 2, "[408 200]", false},
		{"502 and 503 then success", nil, []http.HandlerFunc{problemBody(502, "upstream_unavailable", "x"), htmlBody(503, "down"), ok}, 3, "[502 503 200]", false},
		{"dropped connection then success", nil, []http.HandlerFunc{dropConnection, ok}, 2, "[0 200]", false},
		{"retries run out", nil, []http.HandlerFunc{problemBody(500, "internal_error", "x"), problemBody(500, "internal_error", "x"), problemBody(500, "internal_error", "x"), ok}, 3, "[500 500 500]", true},
		{"more retries configured", []hostup.Option{hostup.WithRetries(4)}, []http.HandlerFunc{problemBody(500, "internal_error", "x"), problemBody(500, "internal_error", "x"), problemBody(500, "internal_error", "x"), ok}, 4, "[500 500 500 200]", false},
		{"retries disabled", []hostup.Option{hostup.WithRetries(0)}, []http.HandlerFunc{problemBody(500, "internal_error", "x"), ok}, 1, "[500]", true},
		{"400 is not retried", nil, []http.HandlerFunc{problemBody(400, "invalid_request", "x"), ok}, 1, "[400]", true},
		{"404 is not retried", nil, []http.HandlerFunc{problemBody(404, "vps_not_found", "x"), ok}, 1, "[404]", true},
		{"429 is not retried", nil, []http.HandlerFunc{problemBody(429, "rate_limited", "x"), ok}, 1, "[429]", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, sequence(tt.handlers...))
			var rec recorder
			c := newTestClient(t, api, append([]hostup.Option{hostup.WithObserver(rec.observe)}, tt.opts...)...)
			_, err := c.VPSNetwork(t.Context(), "vps_1")
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %t", err, tt.wantErr)
			}
			if api.Hits() != tt.wantHits {
				t.Errorf("%d requests, want %d", api.Hits(), tt.wantHits)
			}
			if got := fmt.Sprint(rec.Statuses()); got != tt.wantStatuses {
				t.Errorf("observed %s, want %s", got, tt.wantStatuses)
			}
		})
	}
}

func TestBackoffThatWouldOutlastTheDeadlineReturnsTheLastError(t *testing.T) {
	api := newFakeAPI(t, problemBody(500, "internal_error", "x"))
	c := newTestClient(t, api)
	hostup.SetBackoff(c, 10*time.Second, 20*time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.RoutedIPv6(ctx)
	var apiErr *hostup.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 {
		t.Errorf("err = %v, want the 500", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v; the backoff should not have been started", elapsed)
	}
	if api.Hits() != 1 {
		t.Errorf("%d requests", api.Hits())
	}
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	api := newFakeAPI(t, problemBody(503, "upstream_unavailable", "x"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c := newTestClient(t, api, hostup.WithObserver(func(hostup.Call) { cancel() }))
	hostup.SetBackoff(c, 5*time.Second, 5*time.Second)
	start := time.Now()
	_, err := c.RoutedIPv6(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled in the chain", err)
	}
	var apiErr *hostup.APIError
	if !errors.As(err, &apiErr) {
		t.Errorf("err = %v; the last API error should be kept too", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v after cancel", elapsed)
	}
}

func TestHangingServerIsBoundedByTheContextDeadline(t *testing.T) {
	release := make(chan struct{})
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // before the server's Close, which waits for handlers
	var rec recorder
	c := newTestClient(t, api, hostup.WithObserver(rec.observe))
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.VPSNetwork(ctx, "vps_1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded in the chain", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v with a 100ms deadline", elapsed)
	}
	if got := fmt.Sprint(rec.Statuses()); got != "[0]" {
		t.Errorf("observed %s, want one attempt with status 0 and no retry after the deadline", got)
	}
}

func TestCancelledContextMakesNoRequest(t *testing.T) {
	api := newFakeAPI(t, jsonBody(http.StatusOK, `{}`))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := newTestClient(t, api).RoutedIPv6(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if api.Hits() != 0 {
		t.Errorf("%d requests with a cancelled context", api.Hits())
	}
}
