// Package account reads HostUp accounts and hands out what they know as
// immutable snapshots.
//
// An Account owns everything about reading one account: read rounds and
// their coalescing (scrapes that arrive while a round is in flight join
// it), scrape.cache_ttl (a read younger than that is not made again),
// scrape.max_stale (how long last good data is served when reads fail),
// pacing (scrape.max_requests_per_second) and rate-limit wait windows
// (Retry-After, X-RateLimit-Reset, or a doubling backoff when HostUp gives
// no number, never longer than scrape.max_backoff). Only a successful read
// refreshes the cache or a last-success time: a failure is never served as
// fresh.
//
// A Set holds the configured accounts and applies a new configuration: an
// account whose effective configuration (its own section and the scrape
// section) is unchanged is kept as it is; a changed one is rebuilt from its
// new configuration, keeping its last good data and wait window when it
// still reads the same API URL with the same key. Reads in flight are never
// cancelled by a reload: the scrapes waiting on them get their true results.
//
// Nothing here knows Prometheus: package collector renders a Snapshot as
// metrics, and an Observer receives the per-call events that the exporter
// counts.
package account
