package hostup

import (
	"testing"
	"time"
)

func TestBackoffIsJitteredExponentialAndCapped(t *testing.T) {
	c := &Client{backoffBase: 100 * time.Millisecond, backoffMax: 2 * time.Second}
	for attempt, ceiling := range []time.Duration{
		100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		1600 * time.Millisecond, 2 * time.Second, 2 * time.Second, 2 * time.Second,
	} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := c.backoff(attempt)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempt, d, ceiling/2, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("attempt %d: no jitter", attempt)
		}
	}
	if d := c.backoff(1000); d > 2*time.Second || d < time.Second {
		t.Errorf("a very late attempt gave %v", d)
	}
}
