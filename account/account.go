package account

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-kit/log"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// Observer receives what the exporter counts about an account's API use.
// Its methods are called from many goroutines at once.
type Observer interface {
	// APICall is called once per HTTP attempt (hostup.WithObserver).
	APICall(account string, c hostup.Call)
	// DecodeMismatch is called once per field of a document whose JSON
	// type was not the documented one (endpoint as hostup names it, field
	// a JSON path such as interfaces[].vlan).
	DecodeMismatch(account, endpoint, field string)
}

// Env is what every account of a process shares.
type Env struct {
	Logger    log.Logger
	UserAgent string
	// HTTPClient carries the API calls; nil: hostup's shared default.
	HTTPClient *http.Client
	// Observer gets the per-call events; nil: none.
	Observer Observer
	// Now is the clock; nil: time.Now.
	Now func() time.Time
}

// Effective is the whole configuration an account is built from: its own
// section and the scrape section. Two accounts with equal Effective values
// read the same way.
type Effective struct {
	Account config.Account
	Scrape  config.Scrape
}

// Account reads one HostUp account and keeps its last good answers.
//
// Scrapes never call the API themselves. The first scrape to find no round
// in flight starts one; scrapes arriving meanwhile join it, so a Prometheus
// HA pair costs one round of calls. Each scrape waits for the round or its
// own deadline, whichever is first, and gets a Snapshot of what the account
// knows by then. A round is bounded by scrape.timeout and by Close, so no
// goroutine outlives it.
type Account struct {
	cfg      Effective
	client   *hostup.Client
	limiter  *limiter
	logger   log.Logger
	observer Observer
	now      func() time.Time
	statuses map[string]bool
	ids      map[string]bool

	ctx    context.Context // ends every round on Close
	cancel context.CancelFunc

	mu      sync.Mutex
	state   cache
	current *round    // in flight
	listing *listRead // a list-only read (List) in flight
	listErr error     // of the last list read that failed, for List
	logs    logState
}

// cache is what an account keeps between rounds. Only successful reads
// write it.
type cache struct {
	routed   *hostup.RoutedIPv6
	routedAt time.Time // last success; kept when the data is dropped
	list     []hostup.VPS
	listAt   time.Time
	networks map[string]networkEntry
	// networkAt is the end of the last round whose network reads all
	// succeeded.
	networkAt time.Time
}

type networkEntry struct {
	read *hostup.NetworkRead // nil once dropped by max_stale
	at   time.Time           // last success
}

// New builds an account from its effective configuration. The token must
// already be resolved (config.Load does it).
func New(cfg Effective, env Env) (*Account, error) {
	if env.Now == nil {
		env.Now = time.Now
	}
	name := cfg.Account.Name
	a := &Account{
		cfg:      cfg,
		logger:   log.With(env.logger(), "account", name),
		observer: env.Observer,
		now:      env.Now,
		statuses: make(map[string]bool, len(cfg.Account.VPS.ServiceStatus)),
		ids:      make(map[string]bool, len(cfg.Account.VPS.IDs)),
		state:    cache{networks: make(map[string]networkEntry)},
		logs:     newLogState(),
	}
	a.limiter = newLimiter(cfg.Scrape.MaxRequestsPerSecond, cfg.Scrape.MaxBackoff, env.Now)
	for _, s := range cfg.Account.VPS.ServiceStatus {
		a.statuses[s] = true
	}
	for _, id := range cfg.Account.VPS.IDs {
		a.ids[id] = true
	}
	opts := []hostup.Option{
		hostup.WithUserAgent(env.UserAgent),
		hostup.WithHTTPClient(env.HTTPClient),
		hostup.WithGate(a.limiter.gate),
		hostup.WithObserver(func(c hostup.Call) {
			a.limiter.observe(c)
			if a.observer != nil {
				a.observer.APICall(name, c)
			}
		}),
	}
	client, err := hostup.NewClient(cfg.Account.APIURL, cfg.Account.Token.Reveal(), opts...)
	if err != nil {
		return nil, err
	}
	a.client = client
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a, nil
}

// Name is the account's name (the account label).
func (a *Account) Name() string { return a.cfg.Account.Name }

// logger is Env.Logger, or one that logs nothing.
func (e Env) logger() log.Logger {
	if e.Logger == nil {
		return log.NewNopLogger()
	}
	return e.Logger
}

// busy reports whether a round is in flight.
func (a *Account) busy() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.current != nil || a.listing != nil
}

// Close ends any read in flight and waits for it.
func (a *Account) Close() {
	a.cancel()
	a.mu.Lock()
	r, lr := a.current, a.listing
	a.mu.Unlock()
	if r != nil {
		<-r.done
	}
	if lr != nil {
		<-lr.done
	}
}

// adopt takes over the last good data, last-success times and wait window
// of the account this one replaces on a reload. Set calls it only when both
// read the same API URL with the same key.
func (a *Account) adopt(old *Account) {
	old.mu.Lock()
	st := old.state
	nets := make(map[string]networkEntry, len(st.networks))
	for id, n := range st.networks {
		nets[id] = n
	}
	st.networks = nets
	old.mu.Unlock()
	a.mu.Lock()
	a.state = st
	a.mu.Unlock()
	a.limiter.adopt(old.limiter)
}

// Snapshot returns what a scrape with this context shows of the account: it
// joins the round in flight, or starts one, and waits for it or for ctx.
func (a *Account) Snapshot(ctx context.Context) *Snapshot {
	a.mu.Lock()
	r := a.current
	if r == nil {
		r = newRound(a.now())
		a.current = r
		go a.run(r)
	}
	a.mu.Unlock()

	select {
	case <-r.done:
	case <-ctx.Done():
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	return a.snapshotLocked(r, a.now())
}

// fresh reports whether data last read at t is younger than cache_ttl: no
// read is needed.
func (a *Account) fresh(t, now time.Time) bool {
	return !t.IsZero() && a.cfg.Scrape.CacheTTL > 0 && now.Sub(t) < a.cfg.Scrape.CacheTTL
}

// servable reports whether data last read at t may still be served.
func (a *Account) servable(t, now time.Time) bool {
	return !t.IsZero() && now.Sub(t) <= a.cfg.Scrape.MaxStale
}

func (a *Account) wanted(v *hostup.VPS) bool { return a.statuses[v.ServiceStatus] }

// snapshotLocked builds what a scrape shows from the round it waited on
// and the cache.
func (a *Account) snapshotLocked(r *round, now time.Time) *Snapshot {
	st := &a.state
	s := &Snapshot{
		Account:               a.Name(),
		RoutedIPv6Status:      r.routed,
		RoutedIPv6LastSuccess: st.routedAt,
		ListEnabled:           a.cfg.Account.VPS.DiscoverEnabled(),
		ListStatus:            r.list,
		ListLastSuccess:       st.listAt,
		NetworkStatus:         r.networkStatus(),
		NetworkLastSuccess:    st.networkAt,
		RateLimit:             a.limiter.state(),
	}
	if st.routed != nil && (r.routed.OK() || a.servable(st.routedAt, now)) {
		s.RoutedIPv6 = st.routed
	}
	if s.ListEnabled {
		switch {
		case st.list != nil && (r.list.OK() || a.servable(st.listAt, now)):
			s.List = st.list
		case !r.list.OK():
			// No good list to fall back on: show what this round listed.
			s.List = r.listed
		}
	}
	names := make(map[string]string, len(s.List))
	for i := range s.List {
		names[s.List[i].ID] = s.List[i].Name
	}
	s.VPS = make([]VPSState, 0, len(r.targets))
	for _, t := range r.targets {
		o := r.vps[t.id]
		if o == gone {
			continue
		}
		v := VPSState{ID: t.id, Name: t.name, Status: o.status()}
		if n, ok := names[t.id]; ok {
			v.Name = n
		}
		if n, ok := st.networks[t.id]; ok {
			v.LastSuccess = n.at
			if n.read != nil && (v.Status.OK() || a.servable(n.at, now)) {
				v.Network = n.read.Network
			}
		}
		s.VPS = append(s.VPS, v)
	}
	return s
}

// classify names the cause of a failed read for logs: the HTTP status, or
// rate_limited, timeout, decode, redirect, transport.
func classify(err error) string {
	var apiErr *hostup.APIError
	var decErr *hostup.DecodeError
	switch {
	case errors.Is(err, hostup.ErrRateLimited):
		return "rate_limited"
	case errors.As(err, &apiErr):
		return http.StatusText(apiErr.StatusCode) + " (" + strconv.Itoa(apiErr.StatusCode) + ")"
	case errors.As(err, &decErr):
		return "undecodable body"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "transport error"
}
