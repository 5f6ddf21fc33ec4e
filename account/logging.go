package account

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-kit/log/level"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// logEvery is how often one VPS's failure of one cause is logged again
// while it lasts.
const logEvery = 10 * time.Minute

// logState remembers what was logged, so that an outage is visible at the
// default level without a line per VPS per scrape. Guarded by the account's
// mutex.
type logState struct {
	auth map[string]bool // endpoint: key refusal logged
	// failures holds, by subject (an endpoint, a VPS's network read, or a
	// metric's duplicates; see the *Subject functions) and cause, when a
	// line was last logged.
	failures   map[string]map[string]time.Time
	mismatches map[string]string // endpoint and field: what was logged
	once       map[string]bool
}

func newLogState() logState {
	return logState{
		auth:       make(map[string]bool),
		failures:   make(map[string]map[string]time.Time),
		mismatches: make(map[string]string),
		once:       make(map[string]bool),
	}
}

func vpsSubject(id string) string            { return hostup.EndpointVPSNetwork + "\x00" + id }
func duplicatesSubject(metric string) string { return "duplicates\x00" + metric }

// due reports whether a line about subject and cause is due (none in the
// last logEvery), and if so notes that one is logged now.
func (l *logState) due(subject, cause string, now time.Time) bool {
	causes := l.failures[subject]
	if at, ok := causes[cause]; ok && now.Sub(at) < logEvery {
		return false
	}
	if causes == nil {
		causes = make(map[string]time.Time)
		l.failures[subject] = causes
	}
	causes[cause] = now
	return true
}

// recovered forgets subject's logged failures, so that the next one is
// logged at once, and reports whether there were any.
func (l *logState) recovered(subject string) bool {
	_, had := l.failures[subject]
	delete(l.failures, subject)
	return had
}

// succeededLocked notes a successful call of endpoint: a later key refusal
// is logged again, and the default backoff stops doubling.
func (a *Account) succeededLocked(endpoint string) {
	recovered := a.logs.auth[endpoint]
	delete(a.logs.auth, endpoint)
	if endpoint != hostup.EndpointVPSNetwork && a.logs.recovered(endpoint) {
		recovered = true
	}
	if recovered {
		// The failure was logged: so is its end.
		level.Info(a.logger).Log("msg", "API read works again", "endpoint", endpoint)
	}
	a.limiter.onSuccess()
}

// failedLocked handles a failed read: a 429 opens a wait window, and the
// failure is logged at warn (error for a refused key) at most once per
// endpoint, VPS and cause every logEvery. A VPS's network failure that is
// due a line is not logged here: it reports true, and the round logs it
// when it ends (summaryLocked), with the others of its cause.
func (a *Account) failedLocked(endpoint, vpsID string, err error) (logLater bool) {
	if a.ctx.Err() != nil {
		return false // shutting down
	}
	kv := []interface{}{"endpoint", endpoint}
	if vpsID != "" {
		kv = append(kv, "vps_id", vpsID)
	}
	if w, ok := a.limiter.on429(err); ok {
		if w.repeat {
			return false
		}
		msg := "HostUp API rate limit: no calls until the wait window ends"
		wkv := append([]interface{}{"msg", msg, "until", w.until.UTC().Format(time.RFC3339), "wait", w.wait}, kv...)
		switch {
		case w.capped:
			wkv = append(wkv, "asked", w.asked, "capped_by", "scrape.max_backoff")
		case !w.given:
			wkv = append(wkv, "asked", "nothing usable (no Retry-After or X-RateLimit-Reset)")
		}
		level.Warn(a.logger).Log(wkv...)
		return false
	}
	if hostup.IsAuth(err) {
		// A bad key or a missing scope does not mend itself: say so once,
		// clearly, until a call of this endpoint succeeds again.
		if a.logs.auth[endpoint] {
			return false
		}
		a.logs.auth[endpoint] = true
		level.Error(a.logger).Log(append([]interface{}{"msg", "HostUp API refused the key"}, append(kv, "err", err)...)...)
		return false
	}
	cause := classify(err)
	if cause == "rate_limited" && vpsID != "" {
		return false // the window was logged when it opened; the summary counts these
	}
	if vpsID != "" {
		return a.logs.due(vpsSubject(vpsID), cause, a.now())
	}
	if !a.logs.due(endpoint, cause, a.now()) {
		return false
	}
	level.Warn(a.logger).Log(append([]interface{}{"msg", "API read failed"}, append(kv, "cause", cause, "err", err)...)...)
	return false
}

// perVPSLines is how many VPSes of one cause a round logs a line each for;
// a cause shared by more is one line, with a few of their ids.
const perVPSLines = 3

// warnOnceLocked logs msg at warn the first time key is seen.
func (a *Account) warnOnceLocked(key, msg string, kv ...interface{}) {
	if a.logs.once[key] {
		return
	}
	a.logs.once[key] = true
	level.Warn(a.logger).Log(append([]interface{}{"msg", msg}, kv...)...)
}

// noteMismatches counts the fields of a document whose type was not the
// documented one, and logs each at warn once per account and field until
// what came changes.
func (a *Account) noteMismatches(endpoint, vpsID string, ms []hostup.Mismatch) {
	if len(ms) == 0 {
		return
	}
	for _, m := range ms {
		if a.observer != nil {
			a.observer.DecodeMismatch(a.Name(), endpoint, m.Field)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range ms {
		key := endpoint + "\x00" + m.Field
		what := m.Want + "\x00" + m.Got
		if a.logs.mismatches[key] == what {
			continue
		}
		a.logs.mismatches[key] = what
		kv := []interface{}{"msg", "HostUp API sent a field of an unexpected type; its series are left out", "endpoint", endpoint, "field", m.Field, "want", m.Want, "got", m.Got}
		if vpsID != "" {
			kv = append(kv, "vps_id", vpsID)
		}
		level.Warn(a.logger).Log(kv...)
	}
}

// summaryLocked logs the round's failed network reads: a line for each VPS
// due one (see failedLocked) whose cause at most perVPSLines VPSes share, a
// line per cause shared by more, and one summary line such as "12 of 200
// VPS network reads failed: 500 x10, timeout x2".
func (a *Account) summaryLocked(r *round) {
	n := 0
	for _, c := range r.failures {
		n += c
	}
	if n == 0 || a.ctx.Err() != nil {
		return
	}
	byCause := make(map[string][]vpsFailure)
	for _, f := range r.failed {
		byCause[f.cause] = append(byCause[f.cause], f)
	}
	for cause, fs := range byCause {
		if len(fs) <= perVPSLines {
			for _, f := range fs {
				level.Warn(a.logger).Log("msg", "API read failed", "endpoint", hostup.EndpointVPSNetwork, "vps_id", f.id, "cause", cause, "err", f.err)
			}
			continue
		}
		ids := make([]string, 0, perVPSLines)
		for _, f := range fs[:perVPSLines] {
			ids = append(ids, f.id)
		}
		level.Warn(a.logger).Log("msg", "API read failed", "endpoint", hostup.EndpointVPSNetwork, "vps_count", len(fs),
			"vps_ids", strings.Join(ids, ",")+",...", "cause", cause, "err", fs[0].err)
	}
	causes := make([]string, 0, len(r.failures))
	for c := range r.failures {
		causes = append(causes, c)
	}
	sort.Slice(causes, func(i, j int) bool {
		if r.failures[causes[i]] != r.failures[causes[j]] {
			return r.failures[causes[i]] > r.failures[causes[j]]
		}
		return causes[i] < causes[j]
	})
	parts := make([]string, len(causes))
	for i, c := range causes {
		parts[i] = fmt.Sprintf("%s x%d", c, r.failures[c])
	}
	level.Warn(a.logger).Log("msg", fmt.Sprintf("%d of %d VPS network reads failed: %s", n, len(r.targets), strings.Join(parts, ", ")))
}

// ReportDuplicates logs, at warn once per metric every logEvery, the series
// a scrape dropped because an earlier one had the same labels: API items
// that neither their id nor a stand-in (MAC, position) could tell apart.
// The count is also exported (hostup_scrape_duplicate_series).
func (a *Account) ReportDuplicates(byMetric map[string]int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	for name, n := range byMetric {
		if !a.logs.due(duplicatesSubject(name), "", now) {
			continue
		}
		level.Warn(a.logger).Log("msg", "series dropped: the API gave items that could not be told apart", "metric", name, "dropped", n)
	}
}
