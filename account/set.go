package account

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/go-kit/log/level"

	"github.com/hostup-exporter/hostup_exporter/config"
)

// Set holds the configured accounts for the life of the process and applies
// a new configuration on reload.
type Set struct {
	env Env

	applyMu sync.Mutex // serialises Apply

	mu       sync.RWMutex
	accounts []*Account
	retired  []*Account // replaced, possibly still finishing a round
}

// NewSet returns a set with no accounts; call Apply.
func NewSet(env Env) *Set {
	return &Set{env: env}
}

// Apply builds the accounts of cfg, whose tokens must be resolved.
//
// An account whose effective configuration (its own section, token
// included, and the scrape section) is equal to the running one's is kept
// as it is: cache, wait window, round in flight. Any other is built anew
// from its configuration, so no option can be missed by a comparison; it
// takes over the replaced account's last good data and wait window when it
// reads the same API URL with the same key. Replaced and removed accounts
// are not cancelled: a round in flight finishes and the scrapes waiting on
// it get its true results. On error nothing changes.
func (s *Set) Apply(cfg *config.Config) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	s.mu.RLock()
	old := make(map[string]*Account, len(s.accounts))
	for _, a := range s.accounts {
		old[a.Name()] = a
	}
	s.mu.RUnlock()

	next := make([]*Account, 0, len(cfg.Accounts))
	var built []*Account
	for _, ac := range cfg.Accounts {
		eff := Effective{Account: ac, Scrape: cfg.Scrape}
		prev := old[ac.Name]
		if prev != nil && reflect.DeepEqual(prev.cfg, eff) {
			next = append(next, prev)
			continue
		}
		a, err := New(eff, s.env)
		if err != nil {
			for _, b := range built {
				b.Close()
			}
			return fmt.Errorf("account %q: %w", ac.Name, err)
		}
		if prev != nil && prev.cfg.Account.APIURL == ac.APIURL && prev.cfg.Account.Token == ac.Token {
			a.adopt(prev)
		}
		built = append(built, a)
		next = append(next, a)
	}

	s.mu.Lock()
	replaced := s.accounts
	s.accounts = next
	// Forget retired accounts whose last round has ended.
	kept := s.retired[:0]
	for _, a := range s.retired {
		if a.busy() {
			kept = append(kept, a)
		}
	}
	s.retired = kept
	for _, a := range replaced {
		if !slices.Contains(next, a) {
			// Not cancelled: its round in flight, if any, finishes
			// (bounded by scrape.timeout) for the scrapes waiting on it.
			s.retired = append(s.retired, a)
		}
	}
	s.mu.Unlock()
	level.Info(s.env.logger()).Log("msg", "configuration applied", "accounts", len(next), "rebuilt", len(built))
	return nil
}

// Get returns the account of that name.
func (s *Set) Get(name string) (*Account, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, a := range s.accounts {
		if a.Name() == name {
			return a, true
		}
	}
	return nil, false
}

// All returns the configured accounts, in configuration order.
func (s *Set) All() []*Account {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.accounts)
}

// Close ends every account's reads, retired ones included, and waits.
func (s *Set) Close() {
	s.mu.Lock()
	all := append(s.accounts, s.retired...)
	s.accounts, s.retired = nil, nil
	s.mu.Unlock()
	for _, a := range all {
		a.Close()
	}
}
