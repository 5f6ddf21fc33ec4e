package account

import (
	"context"
	"errors"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// MinListAge is how old a VPS list may be and still answer a discovery
// request without a new read (or scrape.cache_ttl, if longer).
const MinListAge = 30 * time.Second

// VPSList is an account's VPS list as discovery sees it.
type VPSList struct {
	VPS []hostup.VPS // every listed VPS, whatever its service status
	// At is when the list was read.
	At time.Time
}

// listRead is a list-only read in flight; done closes when it ends.
type listRead struct {
	done chan struct{}
}

// ErrNoList means the account has no VPS list to give: the read failed and
// no list younger than scrape.max_stale is kept.
var ErrNoList = errors.New("no VPS list: the read failed and no good list is kept")

// List returns the account's VPS list for service discovery. It never
// reads a VPS's network. A list younger than MinListAge (or
// scrape.cache_ttl, if longer) is returned as it is; a round or a list read
// in flight is joined; otherwise the list alone is read, once for every
// request that arrives meanwhile. When the read fails, the last good list is
// returned while younger than scrape.max_stale; else an error wrapping
// ErrNoList and the read's error.
func (a *Account) List(ctx context.Context) (VPSList, error) {
	maxAge := max(MinListAge, a.cfg.Scrape.CacheTTL)
	a.mu.Lock()
	if l, ok := a.recentListLocked(maxAge); ok {
		a.mu.Unlock()
		return l, nil
	}
	// Join what is in flight: a scrape's round reads the list too.
	var wait chan struct{}
	switch {
	case a.current != nil:
		wait = a.current.done
	case a.listing != nil:
		wait = a.listing.done
	default:
		lr := &listRead{done: make(chan struct{})}
		a.listing = lr
		wait = lr.done
		go a.readListOnly(lr)
	}
	a.mu.Unlock()

	select {
	case <-wait:
	case <-ctx.Done():
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if l, ok := a.recentListLocked(maxAge); ok {
		return l, nil
	}
	if a.state.list != nil && a.servable(a.state.listAt, a.now()) {
		return VPSList{VPS: a.state.list, At: a.state.listAt}, nil
	}
	err := a.listErr
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = errors.New("the VPS list was not read")
	}
	return VPSList{}, errors.Join(ErrNoList, err)
}

func (a *Account) recentListLocked(maxAge time.Duration) (VPSList, bool) {
	st := &a.state
	if st.list != nil && !st.listAt.IsZero() && a.now().Sub(st.listAt) < maxAge {
		return VPSList{VPS: st.list, At: st.listAt}, true
	}
	return VPSList{}, false
}

// readListOnly reads every page of the list, for discovery.
func (a *Account) readListOnly(lr *listRead) {
	ctx, cancel := context.WithTimeout(a.ctx, a.cfg.Scrape.Timeout)
	defer cancel()
	var listed []hostup.VPS
	_ = a.listVPS(ctx, &listed, nil) // the outcome is in the cache
	a.mu.Lock()
	defer a.mu.Unlock()
	a.listing = nil
	close(lr.done)
}
