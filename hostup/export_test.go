package hostup

import "time"

// Hooks for the hostup_test package: time, backoff and the body cap are
// unexported so production code cannot touch them.

func SetClock(c *Client, now func() time.Time) { c.now = now }

func SetBackoff(c *Client, base, max time.Duration) { c.backoffBase, c.backoffMax = base, max }

func SetMaxBody(c *Client, n int64) { c.maxBody = n }
