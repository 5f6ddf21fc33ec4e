// Package server holds hostup_exporter's HTTP endpoints: /metrics, /probe,
// /sd and /-/reload.
package server

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/collector"
	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/internal/compress"
)

// Handlers serves scrapes of the configured accounts.
type Handlers struct {
	Accounts *account.Set
	Config   *config.SafeConfig
	// Self gathers the exporter's own metrics (build info, Go, process,
	// reload status, API calls of every account), served on /metrics beside
	// the accounts; nil: none. A registry kept for the process, so that a
	// scrape does not register its collectors anew.
	Self prometheus.Gatherer
	// API gathers the API-call metrics of every account (labelled
	// account), served on /probe for the probed account only; nil: none.
	API    prometheus.Gatherer
	Logger log.Logger
	// MaxRequestsInFlight bounds concurrent scrapes, /metrics and /probe
	// together; 0 means no bound. It is read when the first of Metrics and
	// Probe is called.
	MaxRequestsInFlight int

	inflightOnce sync.Once
	inflight     chan struct{} // shared by every handler; nil: no bound

	sdWarned atomic.Int64 // Unix nanoseconds of /sd's last 503 warning
}

// Metrics returns the /metrics handler: every account and the exporter's
// own metrics.
func (h *Handlers) Metrics() http.Handler {
	return h.limit(compress.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		all := h.Accounts.All()
		sources := make([]collector.Source, len(all))
		for i, a := range all {
			sources[i] = a
		}
		h.serve(w, r, sources, h.Self)
	})))
}

// Probe returns the /probe handler (the multi-target exporter pattern): one
// configured account, named by ?account=, gathered for this request alone.
// The request can only pick among configured accounts: it never supplies a
// URL, host or token, so no request can point the exporter elsewhere.
func (h *Handlers) Probe() http.Handler {
	return h.limit(compress.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("account")
		if name == "" {
			http.Error(w, "missing parameter: account", http.StatusBadRequest)
			return
		}
		a, ok := h.Accounts.Get(name)
		if !ok {
			http.Error(w, "unknown account "+strconv.Quote(html.EscapeString(name)), http.StatusBadRequest)
			return
		}
		var api prometheus.Gatherer
		if h.API != nil {
			api = accountFilter{h.API, name}
		}
		h.serve(w, r, []collector.Source{a}, api)
	})))
}

// serve answers one scrape: the sources' series and what others gathers,
// through one TransactionalGatherer (the accounts' series are built in
// pooled memory, handed back once the answer is written).
func (h *Handlers) serve(w http.ResponseWriter, r *http.Request, sources []collector.Source, others prometheus.Gatherer) {
	ctx, cancel := context.WithTimeout(r.Context(), h.scrapeTimeout(r))
	defer cancel()

	var g prometheus.TransactionalGatherer = collector.NewGatherer(ctx, sources...)
	if others != nil {
		g = gatherers{g, others}
	}
	promhttp.HandlerForTransactional(g, promhttp.HandlerOpts{
		ErrorLog:      promLogger{h.Logger},
		ErrorHandling: promhttp.ContinueOnError,
		// compress.Handler does it, faster than promhttp would.
		DisableCompression: true,
	}).ServeHTTP(w, r)
}

// SelfRegistry is the registry of the exporter's own metrics, kept for the
// process: build info (as name_build_info), the Go runtime, the process, and
// extra (the API-call metrics, the reloader's status).
func SelfRegistry(name string, extra ...prometheus.Collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		versioncollector.NewCollector(name),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	reg.MustRegister(extra...)
	return reg
}

// gatherers combines one scrape's transactional gatherer (the accounts'
// series) with an ordinary one (the exporter's own metrics). The two have
// families of different names, so they are merged by name and sorted,
// without prometheus.Gatherers' second check of every series (the accounts'
// series are built valid, and tests gather them through
// prometheus.Gatherers); a family in both would be merged, never served
// twice.
type gatherers struct {
	scrape prometheus.TransactionalGatherer
	others prometheus.Gatherer
}

func (g gatherers) Gather() ([]*dto.MetricFamily, func(), error) {
	mfs, done, err := g.scrape.Gather()
	more, moreErr := g.others.Gather()
	return collector.MergeFamilies(mfs, more), done, errors.Join(err, moreErr)
}

// accountFilter keeps the series of one account (label account) of what g
// gathers: /probe serves the process-wide API-call metrics of the probed
// account only.
type accountFilter struct {
	g       prometheus.Gatherer
	account string
}

func (f accountFilter) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := f.g.Gather()
	out := mfs[:0]
	for _, mf := range mfs {
		kept := mf.Metric[:0]
		for _, m := range mf.Metric {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "account" && lp.GetValue() == f.account {
					kept = append(kept, m)
					break
				}
			}
		}
		if len(kept) > 0 {
			mf.Metric = kept
			out = append(out, mf)
		}
	}
	return out, err
}

// scrapeTimeout is scrape.timeout, shortened to fit Prometheus' own scrape
// timeout (X-Prometheus-Scrape-Timeout-Seconds) minus scrape.timeout_offset,
// so that a scrape answers with what it has before Prometheus gives up.
func (h *Handlers) scrapeTimeout(r *http.Request) time.Duration {
	sc := h.Config.Get().Scrape
	timeout := sc.Timeout
	if v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds"); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs > 0 && secs < 1e6 {
			prom := time.Duration(secs*float64(time.Second)) - sc.TimeoutOffset
			// Never below a floor: a tiny or negative budget would
			// only ever serve the cache.
			prom = max(prom, 100*time.Millisecond)
			timeout = min(timeout, prom)
		}
	}
	return timeout
}

// limit bounds next by the semaphore that every handler of h shares. The
// semaphore is made once, so Metrics and Probe may be called concurrently.
func (h *Handlers) limit(next http.Handler) http.Handler {
	h.inflightOnce.Do(func() {
		if h.MaxRequestsInFlight > 0 {
			h.inflight = make(chan struct{}, h.MaxRequestsInFlight)
		}
	})
	sem := h.inflight
	if sem == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
			defer func() { <-sem }()
			next.ServeHTTP(w, r)
		default:
			http.Error(w, "too many concurrent scrapes", http.StatusServiceUnavailable)
		}
	})
}

// promLogger logs promhttp's errors. promhttp calls Println with its own
// message and then the error ("error gathering metrics:", err; "error
// encoding and sending metric family:", err): the message becomes msg and
// the rest err, so an encoding failure is not reported as a gathering one.
type promLogger struct{ logger log.Logger }

func (l promLogger) Println(v ...interface{}) {
	msg, rest := "error serving metrics", v
	if s, ok := firstString(v); ok && len(v) > 1 {
		msg, rest = strings.TrimSuffix(s, ":"), v[1:]
	}
	level.Error(l.logger).Log("msg", msg, "err", strings.TrimSuffix(fmt.Sprintln(rest...), "\n"))
}

func firstString(v []interface{}) (string, bool) {
	if len(v) == 0 {
		return "", false
	}
	s, ok := v[0].(string)
	return s, ok
}
