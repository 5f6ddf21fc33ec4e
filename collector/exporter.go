package collector

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// Exporter holds the configured accounts for the life of the process and
// swaps them on config reload.
type Exporter struct {
	logger     log.Logger
	userAgent  string
	httpClient *http.Client // nil: the hostup default

	// applyMu serialises ApplyConfig; applied, scrape and metrics are only
	// touched under it.
	applyMu sync.Mutex
	applied map[string]config.Account
	scrape  config.Scrape
	metrics map[string]*apiMetrics // by account name, kept across reloads

	mu       sync.RWMutex // guards accounts
	accounts []*Account
}

// NewExporter returns an exporter with no accounts; call ApplyConfig.
func NewExporter(logger log.Logger, userAgent string, httpClient *http.Client) *Exporter {
	return &Exporter{
		logger:     logger,
		userAgent:  userAgent,
		httpClient: httpClient,
		metrics:    make(map[string]*apiMetrics),
		applied:    make(map[string]config.Account),
	}
}

// ApplyConfig builds the accounts of cfg. Accounts whose settings did not
// change are kept as they are (cache, rate-limit state, in-flight round); a
// changed account keeps its cached data; a removed one is closed.
func (e *Exporter) ApplyConfig(cfg *config.Config) error {
	e.applyMu.Lock()
	defer e.applyMu.Unlock()
	next := make([]*Account, 0, len(cfg.Accounts))
	e.mu.RLock()
	old := make(map[string]*Account, len(e.accounts))
	for _, a := range e.accounts {
		old[a.opts.Name] = a
	}
	e.mu.RUnlock()

	for _, ac := range cfg.Accounts {
		prev := old[ac.Name]
		if prev != nil && sameAccount(e.applied[ac.Name], ac) && e.scrape == cfg.Scrape {
			next = append(next, prev)
			continue
		}
		client, err := e.newClient(ac, cfg.Scrape, prev)
		if err != nil {
			for _, a := range next {
				if old[a.opts.Name] != a {
					a.Close()
				}
			}
			return fmt.Errorf("account %q: %w", ac.Name, err)
		}
		a := newAccount(AccountOptions{
			Name:          ac.Name,
			Discover:      ac.VPS.DiscoverEnabled(),
			ServiceStatus: ac.VPS.ServiceStatus,
			IDs:           ac.VPS.IDs,
			Concurrency:   cfg.Scrape.Concurrency,
			Timeout:       cfg.Scrape.Timeout,
			CacheTTL:      cfg.Scrape.CacheTTL,
			MaxStale:      cfg.Scrape.MaxStale,
		}, client, e.metrics[ac.Name], e.logger)
		if prev != nil {
			a.adopt(prev)
		}
		next = append(next, a)
	}

	e.scrape = cfg.Scrape
	e.applied = make(map[string]config.Account, len(cfg.Accounts))
	metrics := make(map[string]*apiMetrics, len(next))
	for i, a := range next {
		e.applied[a.opts.Name] = cfg.Accounts[i]
		metrics[a.opts.Name] = a.metrics
	}
	e.metrics = metrics // forget the counters of removed accounts

	e.mu.Lock()
	retired := e.accounts
	e.accounts = next
	e.mu.Unlock()

	for _, a := range retired {
		if !slices.Contains(next, a) {
			a.Close()
		}
	}
	level.Info(e.logger).Log("msg", "configuration applied", "accounts", len(next))
	return nil
}

// newClient builds the account's API client. When the API URL and pacing
// are unchanged it reuses the previous client with the new token, so a
// reload neither forgets a Retry-After window nor drops kept-alive
// connections.
func (e *Exporter) newClient(ac config.Account, sc config.Scrape, prev *Account) (*hostup.Client, error) {
	if prev != nil {
		was := e.applied[ac.Name]
		if was.APIURL == ac.APIURL && e.scrape.MaxRequestsPerSecond == sc.MaxRequestsPerSecond {
			prev.client.SetToken(ac.Token.Reveal())
			return prev.client, nil
		}
	}
	m := e.metrics[ac.Name]
	if m == nil {
		m = newAPIMetrics(ac.Name)
		e.metrics[ac.Name] = m
	}
	opts := []hostup.Option{
		hostup.WithUserAgent(e.userAgent),
		hostup.WithObserver(m.observe),
	}
	if e.httpClient != nil {
		opts = append(opts, hostup.WithHTTPClient(e.httpClient))
	}
	return hostup.NewClient(ac.APIURL, ac.Token.Reveal(), opts...)
}

func sameAccount(a, b config.Account) bool {
	return a.Name == b.Name && a.APIURL == b.APIURL && a.Token == b.Token &&
		a.VPS.DiscoverEnabled() == b.VPS.DiscoverEnabled() &&
		slices.Equal(a.VPS.ServiceStatus, b.VPS.ServiceStatus) && slices.Equal(a.VPS.IDs, b.VPS.IDs)
}

// HasAccount reports whether an account of that name is configured.
func (e *Exporter) HasAccount(name string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, a := range e.accounts {
		if a.opts.Name == name {
			return true
		}
	}
	return false
}

// Collector returns a collector for one scrape of the named accounts, or of
// every account when no name is given. Unknown names are skipped.
func (e *Exporter) Collector(ctx context.Context, names ...string) *Collector {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if len(names) == 0 {
		return NewCollector(ctx, slices.Clone(e.accounts)...)
	}
	var picked []*Account
	for _, a := range e.accounts {
		if slices.Contains(names, a.opts.Name) {
			picked = append(picked, a)
		}
	}
	return NewCollector(ctx, picked...)
}

// Close ends every account's reads.
func (e *Exporter) Close() {
	e.mu.Lock()
	accounts := e.accounts
	e.accounts = nil
	e.mu.Unlock()
	for _, a := range accounts {
		a.Close()
	}
}
