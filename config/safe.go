package config

import "sync"

// SafeConfig holds the current configuration for concurrent readers while a
// reload replaces it. A reload builds a whole new *Config and swaps it in
// with Set; readers call Get once per request and keep using that snapshot,
// so one scrape never sees half of an old and half of a new configuration.
// The *Config returned by Get is shared and must be treated as read-only.
type SafeConfig struct {
	mu sync.RWMutex
	c  *Config
}

// NewSafeConfig returns a SafeConfig holding c.
func NewSafeConfig(c *Config) *SafeConfig {
	return &SafeConfig{c: c}
}

// Get returns the current configuration (nil if none was ever set).
func (sc *SafeConfig) Get() *Config {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	return sc.c
}

// Set replaces the current configuration. Pass a Config from Load, Parse
// plus ResolveTokens, or ZeroConfig; it is not validated again.
func (sc *SafeConfig) Set(c *Config) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.c = c
}
