package account

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// outcome is one read's result in a round.
type outcome uint8

const (
	pending outcome = iota
	succeeded
	cached // skipped: fresh within cache_ttl
	failed
	gone // a listed VPS deleted before its network read (404)
)

func (o outcome) status() Status {
	switch o {
	case succeeded:
		return Read
	case cached:
		return Fresh
	}
	return Failed
}

// round is one read of the whole account. Its fields are guarded by the
// account's mutex; done closes when it has finished.
type round struct {
	started time.Time
	done    chan struct{}
	routed  Status
	list    Status
	// known is set once the set of VPSes to read is known: discovery off,
	// the list read (or fresh), or a usable last good list to fall back on.
	known   bool
	listed  []hostup.VPS // as listed this round, possibly partial
	targets []target     // network reads wanted, in order
	vps     map[string]outcome
	// failures counts the failed network reads by cause, for the round's
	// summary line; failed keeps them, logged when the round ends.
	failures map[string]int
	failed   []vpsFailure
	// apiDown counts the calls in a row that failed as if the API itself
	// were down (a transport error or a 5xx); at haltAfter the round
	// starts no more network reads.
	apiDown int
	halted  bool
}

// vpsFailure is one failed network read of a round.
type vpsFailure struct {
	id, cause string
	err       error
}

type target struct{ id, name string }

func newRound(now time.Time) *round {
	return &round{started: now, done: make(chan struct{}), vps: make(map[string]outcome), failures: make(map[string]int)}
}

// networkStatus is the round's vps_network status: Failed unless the set of
// VPSes is known and each read succeeded, was fresh, or found the VPS gone.
// Fresh only when no read was made at all.
func (r *round) networkStatus() Status {
	if !r.known {
		return Failed
	}
	st := Fresh
	if len(r.targets) == 0 {
		st = Read
	}
	for _, t := range r.targets {
		switch r.vps[t.id] {
		case succeeded, gone:
			st = Read
		case cached:
		default:
			return Failed
		}
	}
	return st
}

// addTargetLocked registers a network read; false if it already was.
func (r *round) addTargetLocked(id, name string) bool {
	if _, dup := r.vps[id]; dup || id == "" {
		return false
	}
	r.vps[id] = pending
	r.targets = append(r.targets, target{id, name})
	return true
}

// run performs one round: routed IPv6 and the list in parallel, and each
// VPS's network read as soon as the VPS is known, scrape.concurrency at a
// time. A read whose data is younger than cache_ttl is not made; inside a
// wait window none is made.
func (a *Account) run(r *round) {
	ctx, cancel := context.WithTimeout(a.ctx, a.cfg.Scrape.Timeout)
	defer cancel()

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.readRoutedIPv6(ctx, r)
	}()

	// Buffered beyond a list page so the list is not held up by busy workers.
	jobs := make(chan string, 256)
	for i := 0; i < max(a.cfg.Scrape.Concurrency, 1); i++ {
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
		added := r.addTargetLocked(id, name)
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

	for _, id := range a.cfg.Account.VPS.IDs {
		if !enqueue(id, "") {
			break
		}
	}
	if a.cfg.Account.VPS.DiscoverEnabled() {
		a.readList(ctx, r, enqueue)
	} else {
		a.mu.Lock()
		r.known = true
		a.mu.Unlock()
	}
	close(jobs)
	wg.Wait()
	a.finish(r)
}

func (a *Account) readRoutedIPv6(ctx context.Context, r *round) {
	a.mu.Lock()
	if a.fresh(a.state.routedAt, a.now()) {
		r.routed = Fresh
		a.mu.Unlock()
		return
	}
	a.mu.Unlock()
	routed, err := a.client.RoutedIPv6(ctx)
	if err == nil {
		a.noteMismatches(hostup.EndpointRoutedIPv6, "", routed.Mismatches)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		r.routed = Failed
		a.noteAPIDownLocked(r, err)
		a.failedLocked(hostup.EndpointRoutedIPv6, "", err)
		return
	}
	r.apiDown = 0
	r.routed = Read
	a.state.routed, a.state.routedAt = routed, a.now()
	a.succeededLocked(hostup.EndpointRoutedIPv6)
}

func (a *Account) readList(ctx context.Context, r *round, enqueue func(id, name string) bool) {
	a.mu.Lock()
	if a.fresh(a.state.listAt, a.now()) && a.state.list != nil {
		r.list, r.known = Fresh, true
		list := a.state.list
		a.mu.Unlock()
		for i := range list {
			if a.wanted(&list[i]) && !enqueue(list[i].ID, list[i].Name) {
				return
			}
		}
		return
	}
	a.mu.Unlock()

	err := a.listVPS(ctx, &r.listed, func(v *hostup.VPS) bool {
		return !a.wanted(v) || enqueue(v.ID, v.Name)
	})
	a.mu.Lock()
	if err == nil {
		r.apiDown = 0
		r.list, r.known = Read, true
		a.mu.Unlock()
		return
	}
	r.list = Failed
	a.noteAPIDownLocked(r, err)
	// A failed list must not stop the network reads: fall back to the
	// VPSes of the last good list, if it may still be served.
	var fallback []target
	if a.state.list != nil && a.servable(a.state.listAt, a.now()) {
		r.known = true
		for i := range a.state.list {
			if a.wanted(&a.state.list[i]) {
				fallback = append(fallback, target{a.state.list[i].ID, a.state.list[i].Name})
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
	a.mu.Lock()
	if r.halted {
		r.vps[id] = failed
		r.failures[causeHalted]++
		a.mu.Unlock()
		return
	}
	var prev *hostup.NetworkRead
	if n, ok := a.state.networks[id]; ok {
		if n.read != nil && a.fresh(n.at, a.now()) {
			r.vps[id] = cached
			a.mu.Unlock()
			return
		}
		// The last read, whatever its age: an unchanged body is not
		// decoded again (hostup.Client.VPSNetworkSince).
		prev = n.read
	}
	a.mu.Unlock()
	read, err := a.client.VPSNetworkSince(ctx, id, prev)
	if err == nil && read != prev {
		a.noteMismatches(hostup.EndpointVPSNetwork, id, read.Network.Mismatches)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err == nil:
		r.vps[id] = succeeded
		r.apiDown = 0
		a.state.networks[id] = networkEntry{read: read, at: a.now()}
		a.succeededLocked(hostup.EndpointVPSNetwork)
		a.logs.recovered(vpsSubject(id))
	case hostup.IsNotFound(err) && !a.ids[id]:
		// Deleted between the list and this read: not a failure.
		r.vps[id] = gone
		delete(a.state.networks, id)
	default:
		r.vps[id] = failed
		a.noteAPIDownLocked(r, err)
		cause := classify(err)
		r.failures[cause]++
		if a.failedLocked(hostup.EndpointVPSNetwork, id, err) {
			r.failed = append(r.failed, vpsFailure{id, cause, err})
		}
	}
}

// causeHalted is the summary's cause for the reads a round did not start
// because the API was failing.
const causeHalted = "not started: the API is failing"

// noteAPIDownLocked counts a failure that looks like the API itself being
// down (a transport error or a 5xx, after the client's retries): after
// haltAfter of them in a row the round starts no more network reads, so an
// outage costs a few calls a scrape instead of every VPS's (the VPSes not
// read are served from last good data, as in a wait window).
func (a *Account) noteAPIDownLocked(r *round, err error) {
	var apiErr *hostup.APIError
	var decErr *hostup.DecodeError
	switch {
	case errors.Is(err, hostup.ErrRateLimited), errors.As(err, &decErr), errors.Is(err, context.Canceled):
		return
	case errors.As(err, &apiErr) && apiErr.StatusCode < 500:
		r.apiDown = 0
		return
	}
	r.apiDown++
	if r.apiDown >= a.haltAfter() {
		r.halted = true
	}
}

// haltAfter is how many API-wide failures in a row stop a round's network
// reads: the reads in flight at once, and at least 4.
func (a *Account) haltAfter() int { return max(a.cfg.Scrape.Concurrency, 4) }

// listVPS reads every page of the VPS list into *listed (guarded by the
// account's mutex, as a snapshot may show a partial list) and hands each
// VPS to each, which stops the listing by returning false. It records the
// outcome in the cache: a complete list with its time, or the error for
// List, logged.
func (a *Account) listVPS(ctx context.Context, listed *[]hostup.VPS, each func(*hostup.VPS) bool) error {
	info, err := a.client.ListVPS(ctx, func(page []hostup.VPS) error {
		a.mu.Lock()
		*listed = append(*listed, page...)
		a.mu.Unlock()
		for i := range page {
			a.noteMismatches(hostup.EndpointVPSList, page[i].ID, page[i].Mismatches)
			if each != nil && !each(&page[i]) {
				return ctx.Err()
			}
		}
		return nil
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	a.noteListInfoLocked(info)
	if err != nil {
		a.listErr = err
		a.failedLocked(hostup.EndpointVPSList, "", err)
		return err
	}
	a.listErr = nil
	a.state.list, a.state.listAt = *listed, a.now()
	if a.state.list == nil {
		a.state.list = []hostup.VPS{}
	}
	a.succeededLocked(hostup.EndpointVPSList)
	return nil
}

// noteListInfoLocked warns, once, of a list whose full page carried no
// pagination field the client knows.
func (a *Account) noteListInfoLocked(info hostup.ListInfo) {
	if info.Unterminated {
		a.warnOnceLocked("list_unterminated", "a full page of the VPS list carried no pagination field the exporter knows (nextCursor, hasMore); HostUp's list envelope is undocumented, so the list may be cut short", "pages", info.Pages)
	}
}

// finish marks reads that never ran as failed, drops data older than
// max_stale and VPSes no longer wanted, logs the round's summary and
// releases the waiting scrapes.
func (a *Account) finish(r *round) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for id, o := range r.vps {
		if o == pending {
			r.vps[id] = failed
			r.failures["not started (scrape deadline or wait window)"]++
		}
	}
	if st := r.networkStatus(); st == Read {
		a.state.networkAt = now
	}
	// What this round read is kept whatever max_stale says; older data is
	// dropped, but not its last-success time.
	expired := func(t time.Time) bool { return t.Before(r.started) && !a.servable(t, now) }
	if expired(a.state.routedAt) {
		a.state.routed = nil
	}
	if expired(a.state.listAt) {
		a.state.list = nil
	}
	for id, n := range a.state.networks {
		_, wanted := r.vps[id]
		switch {
		case !wanted && r.list.OK():
			delete(a.state.networks, id) // no longer listed
		case expired(n.at) && n.read != nil:
			n.read = nil
			a.state.networks[id] = n
		}
	}
	a.summaryLocked(r)
	a.current = nil
	close(r.done)
}
