package collector

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// AccountOptions says how one account is read.
type AccountOptions struct {
	Name          string
	Discover      bool     // read the VPS list
	ServiceStatus []string // which listed VPSes get a network read
	IDs           []string // VPSes read whether listed or not
	Concurrency   int      // network reads in flight at once
	Timeout       time.Duration
	CacheTTL      time.Duration
	MaxStale      time.Duration
}

// Account reads one HostUp account and keeps its last good answers.
//
// Scrapes never call the API themselves. The first scrape to find no read
// in flight starts a round; scrapes arriving meanwhile join it, so a
// Prometheus HA pair costs one round of calls. Each scrape waits for the
// round or its own deadline, whichever is first, and renders what the
// account knows by then. A round is bounded by scrape.timeout and by Close,
// so no goroutine outlives it.
type Account struct {
	opts     AccountOptions
	client   *hostup.Client
	logger   log.Logger
	metrics  *apiMetrics
	now      func() time.Time
	statuses map[string]bool
	ids      map[string]bool

	ctx    context.Context // ends every round on Close
	cancel context.CancelFunc

	mu       sync.Mutex
	routed   *hostup.RoutedIPv6
	routedAt time.Time
	list     []hostup.VPS // the last complete list
	listAt   time.Time
	networks map[string]stampedNetwork
	current  *round // in flight
	last     *round // the last finished
	authLog  map[string]bool
}

type stampedNetwork struct {
	read *hostup.NetworkRead // read.Network is never nil
	at   time.Time
}

type outcome uint8

const (
	pending outcome = iota
	succeeded
	failed
	gone
)

// round is one read of the whole account. Its fields are guarded by the
// account's mutex; done closes when it has finished.
type round struct {
	started time.Time
	done    chan struct{}
	routed  outcome
	list    outcome
	listed  []hostup.VPS // as listed this round, possibly partial
	targets []target     // network reads wanted, in order
	vps     map[string]outcome
}

type target struct{ id, name string }

func newAccount(opts AccountOptions, client *hostup.Client, metrics *apiMetrics, logger log.Logger) *Account {
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	a := &Account{
		opts:     opts,
		client:   client,
		logger:   log.With(logger, "account", opts.Name),
		metrics:  metrics,
		now:      time.Now,
		statuses: make(map[string]bool, len(opts.ServiceStatus)),
		ids:      make(map[string]bool, len(opts.IDs)),
		networks: make(map[string]stampedNetwork),
		authLog:  make(map[string]bool),
	}
	for _, s := range opts.ServiceStatus {
		a.statuses[s] = true
	}
	for _, id := range opts.IDs {
		a.ids[id] = true
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a
}

// Close ends any round in flight and waits for it.
func (a *Account) Close() {
	a.cancel()
	a.mu.Lock()
	r := a.current
	a.mu.Unlock()
	if r != nil {
		<-r.done
	}
}

// adopt takes over the cached data of the account this one replaces on a
// config reload, so a reload does not empty the dashboards.
func (a *Account) adopt(old *Account) {
	old.mu.Lock()
	defer old.mu.Unlock()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.routed, a.routedAt = old.routed, old.routedAt
	a.list, a.listAt = old.list, old.listAt
	for id, n := range old.networks {
		a.networks[id] = n
	}
}

// Snapshot returns what a scrape with this context shows of the account.
func (a *Account) Snapshot(ctx context.Context) *Snapshot {
	now := a.now()
	a.mu.Lock()
	r := a.current
	if r == nil {
		switch {
		case a.last != nil && a.opts.CacheTTL > 0 && now.Sub(a.last.started) < a.opts.CacheTTL:
			r = a.last
		default:
			r = a.startRoundLocked(now)
		}
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

func newRound(now time.Time) *round {
	return &round{started: now, done: make(chan struct{}), vps: make(map[string]outcome)}
}

func (a *Account) skippedRoundLocked(now time.Time) *round {
	r := newRound(now)
	r.routed, r.list = failed, failed
	for _, id := range a.opts.IDs {
		a.addTargetLocked(r, id, "")
	}
	if a.opts.Discover {
		for i := range a.list {
			if a.wanted(&a.list[i]) {
				a.addTargetLocked(r, a.list[i].ID, a.list[i].Name)
			}
		}
	}
	for id := range r.vps {
		r.vps[id] = failed
	}
	close(r.done)
	level.Debug(a.logger).Log("msg", "skipping API reads while rate limited")
	return r
}

func (a *Account) startRoundLocked(now time.Time) *round {
	r := newRound(now)
	a.current = r
	go a.run(r)
	return r
}

func (a *Account) wanted(v *hostup.VPS) bool {
	return a.statuses[v.ServiceStatus]
}

// addTargetLocked registers a network read; false if it already was.
func (a *Account) addTargetLocked(r *round, id, name string) bool {
	if _, dup := r.vps[id]; dup || id == "" {
		return false
	}
	r.vps[id] = pending
	r.targets = append(r.targets, target{id, name})
	return true
}

// run performs one round: routed IPv6 and the list in parallel, and each
// VPS's network read as soon as the VPS is known, Concurrency at a time.
func (a *Account) run(r *round) {
	ctx, cancel := context.WithTimeout(a.ctx, a.opts.Timeout)
	defer cancel()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.readRoutedIPv6(ctx, r)
	}()

	// Buffered beyond a list page so the list is not held up by busy workers.
	jobs := make(chan string, 256)
	for i := 0; i < a.opts.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				a.readNetwork(ctx, r, id)
			}
		}()
	}
	enqueue := func(id, name string) bool {
		a.mu.Lock()
		added := a.addTargetLocked(r, id, name)
		a.mu.Unlock()
		if !added {
			return true
		}
		select {
		case jobs <- id:
			return true
		case <-ctx.Done():
			return false
		}
	}

	for _, id := range a.opts.IDs {
		if !enqueue(id, "") {
			break
		}
	}
	if a.opts.Discover && ctx.Err() == nil {
		a.readList(ctx, r, enqueue)
	}
	close(jobs)
	wg.Wait()
	a.finish(r)
}

func (a *Account) readRoutedIPv6(ctx context.Context, r *round) {
	routed, err := a.client.RoutedIPv6(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		r.routed = failed
		a.logFailureLocked(hostup.EndpointRoutedIPv6, err)
		return
	}
	r.routed = succeeded
	a.routed, a.routedAt = routed, a.now()
	delete(a.authLog, hostup.EndpointRoutedIPv6)
}

func (a *Account) readList(ctx context.Context, r *round, enqueue func(id, name string) bool) {
	_, err := a.client.ListVPS(ctx, func(page []hostup.VPS) error {
		a.mu.Lock()
		r.listed = append(r.listed, page...)
		a.mu.Unlock()
		for i := range page {
			if a.wanted(&page[i]) && !enqueue(page[i].ID, page[i].Name) {
				return ctx.Err()
			}
		}
		return nil
	})
	a.mu.Lock()
	if err == nil {
		r.list = succeeded
		a.list, a.listAt = r.listed, a.now()
		delete(a.authLog, hostup.EndpointVPSList)
		a.mu.Unlock()
		return
	}
	r.list = failed
	a.logFailureLocked(hostup.EndpointVPSList, err)
	// A failed list must not stop the network reads: fall back to the VPSes
	// of the last good list.
	var fallback []target
	if a.fresh(a.listAt, a.now()) {
		for i := range a.list {
			if a.wanted(&a.list[i]) {
				fallback = append(fallback, target{a.list[i].ID, a.list[i].Name})
			}
		}
	}
	a.mu.Unlock()
	for _, t := range fallback {
		if !enqueue(t.id, t.name) {
			return
		}
	}
}

func (a *Account) readNetwork(ctx context.Context, r *round, id string) {
	// The last read, whatever its age: an unchanged body is not decoded
	// again (hostup.Client.VPSNetworkSince).
	a.mu.Lock()
	prev := a.networks[id].read
	a.mu.Unlock()
	read, err := a.client.VPSNetworkSince(ctx, id, prev)
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err == nil:
		r.vps[id] = succeeded
		a.networks[id] = stampedNetwork{read, a.now()}
		delete(a.authLog, hostup.EndpointVPSNetwork)
	case hostup.IsNotFound(err) && !a.ids[id]:
		// Deleted between the list and this read: not a failure.
		r.vps[id] = gone
		delete(a.networks, id)
		level.Debug(a.logger).Log("msg", "VPS disappeared before its network read", "vps_id", id)
	default:
		r.vps[id] = failed
		a.logFailureLocked(hostup.EndpointVPSNetwork, err, "vps_id", id)
	}
}

// finish marks reads that never ran as failed, drops data older than
// max_stale and VPSes no longer listed, and releases the waiting scrapes.
func (a *Account) finish(r *round) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	if r.routed == pending {
		r.routed = failed
	}
	if r.list == pending && a.opts.Discover {
		r.list = failed
	}
	for id, o := range r.vps {
		if o == pending {
			r.vps[id] = failed
		}
	}
	// What this round read is kept whatever max_stale says: it is what the
	// round's scrapes, and those served from it within cache_ttl, show.
	expired := func(t time.Time) bool { return t.Before(r.started) && !a.fresh(t, now) }
	if expired(a.routedAt) {
		a.routed, a.routedAt = nil, time.Time{}
	}
	if expired(a.listAt) {
		a.list, a.listAt = nil, time.Time{}
	}
	for id, n := range a.networks {
		_, wanted := r.vps[id]
		if expired(n.at) || (!wanted && r.list == succeeded) {
			delete(a.networks, id)
		}
	}
	a.last = r
	a.current = nil
	close(r.done)
}

// fresh reports whether data read at t may still be served.
func (a *Account) fresh(t, now time.Time) bool {
	return !t.IsZero() && now.Sub(t) <= a.opts.MaxStale
}

func (a *Account) logFailureLocked(endpoint string, err error, kv ...interface{}) {
	if errors.Is(err, context.Canceled) && a.ctx.Err() != nil {
		return // shutting down or reloading
	}
	if hostup.IsAuth(err) {
		// A bad key or a missing scope does not mend itself: say so once,
		// clearly, until a call of this endpoint succeeds again.
		if a.authLog[endpoint] {
			return
		}
		a.authLog[endpoint] = true
		level.Error(a.logger).Log(append([]interface{}{"msg", "HostUp API refused the key", "endpoint", endpoint, "err", err}, kv...)...)
		return
	}
	if endpoint == hostup.EndpointVPSNetwork {
		// One line per VPS per scrape would flood the log on an outage; the
		// metrics carry the per-VPS detail.
		level.Debug(a.logger).Log(append([]interface{}{"msg", "API read failed", "endpoint", endpoint, "err", err}, kv...)...)
		return
	}
	level.Warn(a.logger).Log(append([]interface{}{"msg", "API read failed", "endpoint", endpoint, "err", err}, kv...)...)
}

// snapshotLocked builds what a scrape shows from the round it waited on and
// the account's cache.
func (a *Account) snapshotLocked(r *round, now time.Time) *Snapshot {
	s := &Snapshot{
		Account:      a.opts.Name,
		RoutedIPv6OK: r.routed == succeeded,
		ListEnabled:  a.opts.Discover,
		ListOK:       r.list == succeeded,
	}
	if a.routed != nil && (s.RoutedIPv6OK || a.fresh(a.routedAt, now)) {
		s.RoutedIPv6, s.RoutedIPv6At = a.routed, a.routedAt
	}
	if a.opts.Discover {
		switch {
		case a.list != nil && (s.ListOK || a.fresh(a.listAt, now)):
			s.List, s.ListAt = a.list, a.listAt
		case r.list != succeeded:
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
		v := VPSState{ID: t.id, Name: t.name, OK: o == succeeded, Gone: o == gone}
		if n, ok := names[t.id]; ok {
			v.Name = n
		}
		if n, ok := a.networks[t.id]; ok && (v.OK || a.fresh(n.at, now)) {
			v.Network, v.At = n.read.Network, n.at
		}
		s.VPS = append(s.VPS, v)
	}
	return s
}
