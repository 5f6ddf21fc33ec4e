package hostup

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRateLimitHeaders(t *testing.T) {
	reset := time.Date(2026, 4, 27, 12, 35, 0, 0, time.UTC)
	tests := []struct {
		name    string
		headers map[string]string
		want    RateLimit
	}{
		{"absent", nil, RateLimit{}},
		{"all three, reset as RFC 3339",
			map[string]string{"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-04-27T12:35:00Z"},
			RateLimit{Limit: 100, HasLimit: true, Remaining: 0, HasRemaining: true, Reset: reset}},
		{"reset with milliseconds and an offset",
			map[string]string{"X-RateLimit-Reset": "2026-04-27T14:35:00.250+02:00"},
			RateLimit{Reset: reset.Add(250 * time.Millisecond)}},
		{"reset in epoch seconds",
			map[string]string{"X-RateLimit-Reset": "1777293300"},
			RateLimit{Reset: reset}},
		{"reset as a small number is not taken for a date",
			map[string]string{"X-RateLimit-Reset": "60"},
			RateLimit{}},
		{"structured draft form takes the first item",
			map[string]string{"X-RateLimit-Limit": "100, 100;w=60", "X-RateLimit-Remaining": " 7 "},
			RateLimit{Limit: 100, HasLimit: true, Remaining: 7, HasRemaining: true}},
		{"garbage is ignored",
			map[string]string{"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "-1", "X-RateLimit-Reset": "soon"},
			RateLimit{}},
		{"a count with a fraction is truncated",
			map[string]string{"X-RateLimit-Limit": "100.0", "X-RateLimit-Remaining": "7.9"},
			RateLimit{Limit: 100, HasLimit: true, Remaining: 7, HasRemaining: true}},
		{"NaN, infinity and overflow are ignored",
			map[string]string{"X-RateLimit-Limit": "1e300"},
			RateLimit{}},
		{"NaN and infinity are ignored",
			map[string]string{"X-RateLimit-Limit": "NaN", "X-RateLimit-Remaining": "+Inf"},
			RateLimit{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			got := parseRateLimit(h)
			if got.Limit != tt.want.Limit || got.HasLimit != tt.want.HasLimit ||
				got.Remaining != tt.want.Remaining || got.HasRemaining != tt.want.HasRemaining ||
				!got.Reset.Equal(tt.want.Reset) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 4, 27, 12, 34, 56, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"Mon, 27 Apr 2026 12:35:06 GMT", 10 * time.Second, true},
		{"Mon, 27 Apr 2026 12:00:00 GMT", 0, true}, // in the past: retry now
		{"-5", 0, false},
		{"1e300", 0, false},
		{"NaN", 0, false},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.value, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %t; want %v, %t", tt.value, got, ok, tt.want, tt.wantOK)
		}
	}
}
