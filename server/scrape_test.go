package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/syncbuf"
)

const timeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds"

// twoAccounts is an env of accounts a and b, each on its own fake API.
func twoAccounts(t *testing.T, maxInFlight int) (env *testEnv, apiA, apiB *hostuptest.Server) {
	t.Helper()
	apiA, apiB = fakeAPI(t), fakeAPI(t)
	cfg := parseConfig(t, "", acct{"a", apiA.URL}, acct{"b", apiB.URL})
	return newEnv(t, cfg, maxInFlight), apiA, apiB
}

// /metrics serves every account and the exporter's own metrics.
func TestMetricsServesAllAccountsAndSelf(t *testing.T) {
	env, apiA, apiB := twoAccounts(t, 0)
	mfs := scrape(t, env.h.Metrics(), "/metrics")

	for _, acct := range []string{"a", "b"} {
		if up, ok := upOf(mfs, acct); !ok || up != 1 {
			t.Errorf("hostup_up{account=%q} = %v (present %v), want 1", acct, up, ok)
		}
	}
	if got := accountsIn(mfs); len(got) != 2 {
		t.Errorf("account labels %v, want exactly a and b", got)
	}
	if _, ok := mfs[selfMetric]; !ok {
		t.Errorf("/metrics lacks the Self gatherer's %s", selfMetric)
	}
	if apiA.TotalCalls() == 0 || apiB.TotalCalls() == 0 {
		t.Errorf("API calls: a %d, b %d; want both read", apiA.TotalCalls(), apiB.TotalCalls())
	}
}

// /probe?account=a serves account a only, without the exporter's own
// metrics, and does not read the other account at all.
func TestProbeServesOneAccount(t *testing.T) {
	env, apiA, apiB := twoAccounts(t, 0)
	mfs := scrape(t, env.h.Probe(), "/probe?account=a")

	if up, ok := upOf(mfs, "a"); !ok || up != 1 {
		t.Errorf("hostup_up{account=\"a\"} = %v (present %v), want 1", up, ok)
	}
	if got := accountsIn(mfs); len(got) != 1 || !got["a"] {
		t.Errorf("account labels %v, want only a", got)
	}
	if _, ok := mfs[selfMetric]; ok {
		t.Errorf("/probe serves the Self gatherer's %s", selfMetric)
	}
	if _, ok := mfs["hostup_api_requests_total"]; !ok {
		t.Error("/probe lacks account a's hostup_api_requests_total")
	}
	if apiA.TotalCalls() == 0 || apiB.TotalCalls() != 0 {
		t.Errorf("API calls: a %d, b %d; want a read and b not", apiA.TotalCalls(), apiB.TotalCalls())
	}
}

// The API-call metrics are the process's, registered once: /probe serves
// the probed account's only, also when the other account has been read.
func TestProbeFiltersAPIMetricsByAccount(t *testing.T) {
	env, _, _ := twoAccounts(t, 0)
	scrape(t, env.h.Metrics(), "/metrics") // both accounts read
	mfs := scrape(t, env.h.Probe(), "/probe?account=b")
	if got := accountsIn(mfs); len(got) != 1 || !got["b"] {
		t.Errorf("account labels %v, want only b", got)
	}
	if n := len(mfs["hostup_api_requests_total"].GetMetric()); n == 0 {
		t.Error("/probe lacks account b's hostup_api_requests_total")
	}
}

func TestProbeMissingAccount(t *testing.T) {
	env, apiA, apiB := twoAccounts(t, 0)
	for _, target := range []string{"/probe", "/probe?account=", "/probe?target=a", "/probe?Account=a"} {
		rec := serve(t.Context(), env.h.Probe(), target)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", target, rec.Code)
		}
		if !strings.Contains(rec.Body.String(), "missing parameter: account") {
			t.Errorf("GET %s: body %q does not name the missing parameter", target, rec.Body)
		}
	}
	if n := apiA.TotalCalls() + apiB.TotalCalls(); n != 0 {
		t.Errorf("%d API calls for refused probes, want 0", n)
	}
}

// An unknown account is refused without reading any account, and the name
// is echoed escaped: the body never carries markup from the query.
func TestProbeUnknownAccount(t *testing.T) {
	env, apiA, apiB := twoAccounts(t, 0)
	for _, name := range []string{"<script>alert(1)</script>", "c", "A", `"><img src=x onerror=alert(1)>`, "a\nb"} {
		target := "/probe?account=" + url.QueryEscape(name)
		rec := serve(t.Context(), env.h.Probe(), target)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", target, rec.Code)
		}
		body := rec.Body.String()
		if !strings.Contains(body, "unknown account") {
			t.Errorf("GET %s: body %q does not say unknown account", target, body)
		}
		if strings.ContainsAny(body, "<>") {
			t.Errorf("GET %s: body %q echoes markup", target, body)
		}
		if strings.Count(strings.TrimSuffix(body, "\n"), "\n") != 0 {
			t.Errorf("GET %s: body %q echoes a raw newline", target, body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("GET %s: Content-Type %q, want text/plain", target, ct)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no X-Content-Type-Options: nosniff", target)
		}
	}
	if n := apiA.TotalCalls() + apiB.TotalCalls(); n != 0 {
		t.Errorf("%d API calls for refused probes, want 0", n)
	}
}

func TestScrapeTimeout(t *testing.T) {
	const unused = "http://127.0.0.1:1" // never contacted
	cases := []struct {
		name   string
		scrape string // YAML of the scrape section
		header *string
		want   time.Duration
	}{
		{"header absent", "  timeout: 30s\n", nil, 30 * time.Second},
		{"header absent, timeout 7s", "  timeout: 7s\n", nil, 7 * time.Second},
		{"header empty", "  timeout: 30s\n", ptr(""), 30 * time.Second},
		{"header 10, offset 500ms", "  timeout: 30s\n  timeout_offset: 500ms\n", ptr("10"), 9500 * time.Millisecond},
		{"header 10, default offset", "  timeout: 30s\n", ptr("10"), 9500 * time.Millisecond},
		{"header 10, offset 0", "  timeout: 30s\n  timeout_offset: 0s\n", ptr("10"), 10 * time.Second},
		{"fractional header", "  timeout: 30s\n  timeout_offset: 250ms\n", ptr("2.75"), 2500 * time.Millisecond},
		{"header 100 above timeout 30s", "  timeout: 30s\n", ptr("100"), 30 * time.Second},
		{"header 0.2: floor", "  timeout: 30s\n", ptr("0.2"), 100 * time.Millisecond},
		{"offset larger than header: floor", "  timeout: 30s\n  timeout_offset: 5s\n", ptr("1"), 100 * time.Millisecond},
		{"floor above a smaller timeout", "  timeout: 50ms\n", ptr("0.2"), 50 * time.Millisecond},
		{"header garbage", "  timeout: 30s\n", ptr("garbage"), 30 * time.Second},
		{"header with unit", "  timeout: 30s\n", ptr("10s"), 30 * time.Second},
		{"header negative", "  timeout: 30s\n", ptr("-10"), 30 * time.Second},
		{"header zero", "  timeout: 30s\n", ptr("0"), 30 * time.Second},
		{"header NaN", "  timeout: 30s\n", ptr("NaN"), 30 * time.Second},
		{"header Inf", "  timeout: 30s\n", ptr("Inf"), 30 * time.Second},
		{"header +Inf", "  timeout: 30s\n", ptr("+Inf"), 30 * time.Second},
		{"header -Inf", "  timeout: 30s\n", ptr("-Inf"), 30 * time.Second},
		{"header 1e300", "  timeout: 30s\n", ptr("1e300"), 30 * time.Second},
		{"header 1e6", "  timeout: 30s\n", ptr("1e6"), 30 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := parseConfig(t, tc.scrape, acct{"a", unused})
			h := &Handlers{Config: config.NewSafeConfig(cfg)}
			req, _ := http.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.header != nil {
				req.Header.Set(timeoutHeader, *tc.header)
			}
			if got := h.scrapeTimeout(req); got != tc.want {
				t.Errorf("scrapeTimeout = %v, want %v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// A hanging API does not hold a scrape past Prometheus' timeout: with a 1s
// header and the default 500ms offset, the scrape answers after about 500ms,
// with what the account knows (up 0).
func TestScrapeTimeoutHeaderCutsHangingAPI(t *testing.T) {
	api := fakeAPI(t)
	api.Fail(hostuptest.Target{}, hostuptest.Fault{Hang: true})
	env := newEnv(t, parseConfig(t, "  timeout: 30s\n", acct{"a", api.URL}), 0)

	for _, h := range []struct {
		name    string
		handler http.Handler
		target  string
	}{
		{"metrics", env.h.Metrics(), "/metrics"},
		{"probe", env.h.Probe(), "/probe?account=a"},
	} {
		start := time.Now()
		mfs := scrape(t, h.handler, h.target, timeoutHeader, "1")
		took := time.Since(start)
		if took > 1500*time.Millisecond {
			t.Errorf("%s: took %v with a 1s Prometheus timeout, want about 500ms", h.name, took)
		}
		if took < 400*time.Millisecond {
			t.Errorf("%s: took %v, want the scrape to wait for its 500ms budget", h.name, took)
		}
		if up, ok := upOf(mfs, "a"); !ok || up != 0 {
			t.Errorf("%s: hostup_up{account=\"a\"} = %v (present %v), want 0", h.name, up, ok)
		}
	}
	if api.TotalCalls() == 0 {
		t.Error("the hanging API was never called")
	}
}

// With MaxRequestsInFlight 1, a scrape arriving while another is in flight
// gets 503 at once, whether on /metrics or /probe (one shared semaphore),
// and the slot is free again once the first scrape ends. The handlers are
// built concurrently, which must be race-free.
func TestMaxRequestsInFlight(t *testing.T) {
	api := fakeAPI(t)
	api.Fail(hostuptest.Target{}, hostuptest.Fault{Hang: true})
	env := newEnv(t, parseConfig(t, "  timeout: 30s\n", acct{"a", api.URL}), 1)

	var metrics, probe http.Handler
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); metrics = env.h.Metrics() }()
	go func() { defer wg.Done(); probe = env.h.Probe() }()
	wg.Wait()

	// The first scrape holds the only slot until it is cancelled: the API
	// hangs and its budget is scrape.timeout, 30s.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := make(chan int, 1)
	go func() { first <- serve(ctx, metrics, "/metrics").Code }()
	waitFor(t, "the first scrape to call the API", func() bool { return api.TotalCalls() > 0 })

	for _, h := range []struct {
		handler http.Handler
		target  string
	}{{probe, "/probe?account=a"}, {metrics, "/metrics"}} {
		start := time.Now()
		rec := serve(t.Context(), h.handler, h.target)
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("concurrent GET %s: status %d, want 503", h.target, rec.Code)
		}
		if !strings.Contains(rec.Body.String(), "too many concurrent scrapes") {
			t.Errorf("concurrent GET %s: body %q", h.target, rec.Body)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("concurrent GET %s: refused after %v, want at once", h.target, took)
		}
	}

	cancel()
	select {
	case code := <-first:
		if code != http.StatusOK {
			t.Errorf("first scrape: status %d, want 200", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first scrape did not end when its request was cancelled")
	}

	// The slot is free again. The API still hangs, so keep this one short.
	mfs := scrape(t, probe, "/probe?account=a", timeoutHeader, "0.2")
	if up, ok := upOf(mfs, "a"); !ok || up != 0 {
		t.Errorf("hostup_up{account=\"a\"} = %v (present %v), want 0", up, ok)
	}
}

// MaxRequestsInFlight 0 means no bound.
func TestMaxRequestsInFlightZeroIsUnbounded(t *testing.T) {
	api := fakeAPI(t)
	api.Fail(hostuptest.Target{}, hostuptest.Fault{Hang: true})
	env := newEnv(t, parseConfig(t, "  timeout: 30s\n", acct{"a", api.URL}), 0)
	metrics, probe := env.h.Metrics(), env.h.Probe()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := make(chan int, 1)
	go func() { first <- serve(ctx, metrics, "/metrics").Code }()
	waitFor(t, "the first scrape to call the API", func() bool { return api.TotalCalls() > 0 })

	scrape(t, probe, "/probe?account=a", timeoutHeader, "0.2")
	scrape(t, metrics, "/metrics", timeoutHeader, "0.2")
	cancel()
	if code := <-first; code != http.StatusOK {
		t.Errorf("first scrape: status %d, want 200", code)
	}
}

// A self collector that fails does not fail the scrape: the accounts are
// still served, and the error is logged with promhttp's message, readably.
func TestGatherErrorIsLoggedAndScrapeContinues(t *testing.T) {
	api := fakeAPI(t)
	env := newEnv(t, parseConfig(t, "", acct{"a", api.URL}), 0)
	var logs syncbuf.Buffer
	env.h.Logger = log.NewLogfmtLogger(&logs)
	broken := prometheus.NewRegistry()
	broken.MustRegister(brokenCollector{})
	env.h.Self = broken

	mfs := scrape(t, env.h.Metrics(), "/metrics")
	if up, ok := upOf(mfs, "a"); !ok || up != 1 {
		t.Errorf("hostup_up{account=\"a\"} = %v (present %v), want 1", up, ok)
	}
	got := logs.String()
	if !strings.Contains(got, `level=error msg="error gathering metrics" err=`) || !strings.Contains(got, "self is broken") {
		t.Errorf("log %q: want an error with promhttp's message and the cause", got)
	}
}

func TestPromLogger(t *testing.T) {
	for _, tc := range []struct {
		args []interface{}
		want string
	}{
		{[]interface{}{"error encoding and sending metric family:", errors.New("write: broken pipe")},
			`level=error msg="error encoding and sending metric family" err="write: broken pipe"`},
		{[]interface{}{"error getting writer", errors.New("gzip: bad level")},
			`level=error msg="error getting writer" err="gzip: bad level"`},
		{[]interface{}{errors.New("bare error")},
			`level=error msg="error serving metrics" err="bare error"`},
		{nil, `level=error msg="error serving metrics" err=`},
	} {
		var logs syncbuf.Buffer
		promLogger{log.NewLogfmtLogger(&logs)}.Println(tc.args...)
		if got := strings.TrimSuffix(logs.String(), "\n"); got != tc.want {
			t.Errorf("Println(%q) logged %q, want %q", tc.args, got, tc.want)
		}
	}
}

// brokenCollector is a collector whose one metric fails.
type brokenCollector struct{}

func (brokenCollector) Describe(chan<- *prometheus.Desc) {}

func (brokenCollector) Collect(ch chan<- prometheus.Metric) {
	desc := prometheus.NewDesc("hostup_exporter_test_broken", "Always fails.", nil, nil)
	ch <- prometheus.NewInvalidMetric(desc, errors.New("self is broken"))
}
