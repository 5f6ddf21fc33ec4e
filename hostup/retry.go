package hostup

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// get fetches {base}{pathQuery}, retrying transient failures (transport
// errors, 5xx, 408) up to c.retries times. Other 4xx, 429 included, are
// final. It returns the body and Content-Type of the 2xx response; the
// caller hands the body back with releaseBody once it is decoded.
func (c *Client) get(ctx context.Context, endpoint, pathQuery string) (reply, error) {
	target := c.baseURL + pathQuery
	for attempt := 0; ; attempt++ {
		if err := c.waitTurn(ctx, endpoint); err != nil {
			return reply{}, err
		}
		r, retry, err := c.attempt(ctx, endpoint, target)
		if err == nil {
			return r, nil
		}
		if !retry || attempt >= c.retries {
			return reply{}, err
		}
		if err := c.pause(ctx, endpoint, c.backoff(attempt), err); err != nil {
			return reply{}, err
		}
	}
}

// waitTurn runs before every attempt: it refuses the attempt when the
// context is done, then asks the gate (WithGate).
func (c *Client) waitTurn(ctx context.Context, endpoint string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("hostup: %s: %w", endpoint, err)
	}
	if c.gate == nil {
		return nil
	}
	if err := c.gate(ctx, endpoint); err != nil {
		return fmt.Errorf("hostup: %s: %w", endpoint, err)
	}
	return nil
}

// pause sleeps d before the next attempt. A pause that would end past the
// context deadline is not started: the last error is returned instead, since
// a retry could not finish anyway.
func (c *Client) pause(ctx context.Context, endpoint string, d time.Duration, lastErr error) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= d {
		return lastErr
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("hostup: %s: %w while waiting to retry after: %w", endpoint, ctx.Err(), lastErr)
	}
}

// backoff is the pause after the given (0-based) failed attempt: exponential
// from backoffBase, capped at backoffMax, with the upper half jittered so
// that HA exporter pairs do not retry in step.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.backoffMax
	if attempt < 32 {
		if e := c.backoffBase << attempt; e > 0 && e < d {
			d = e
		}
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
