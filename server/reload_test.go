package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/internal/syncbuf"
)

const (
	reloadOK   = "hostup_config_last_reload_successful"
	reloadTime = "hostup_config_last_reload_success_timestamp_seconds"
)

// gauge reads a gauge from reg as a scrape would see it.
func gauge(t testing.TB, reg prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			if len(mf.GetMetric()) != 1 {
				t.Fatalf("%s has %d series, want 1", name, len(mf.GetMetric()))
			}
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("%s is not registered", name)
	return 0
}

// reloadFixture is a Reloader whose Load and Apply are stubs.
type reloadFixture struct {
	reg     *prometheus.Registry
	initial *config.Config
	sc      *config.SafeConfig
	r       *Reloader

	mu       sync.Mutex
	loadErr  error
	applyErr error
	next     *config.Config // what Load returns
	applied  []*config.Config
	loads    int
}

func newReloadFixture(t testing.TB) *reloadFixture {
	t.Helper()
	const unused = "http://127.0.0.1:1"
	f := &reloadFixture{
		reg:     prometheus.NewRegistry(),
		initial: parseConfig(t, "", acct{"a", unused}),
		next:    parseConfig(t, "  timeout: 7s\n", acct{"a", unused}, acct{"b", unused}),
	}
	f.sc = config.NewSafeConfig(f.initial)
	load := func() (*config.Config, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.loads++
		if f.loadErr != nil {
			return nil, f.loadErr
		}
		return f.next, nil
	}
	apply := func(c *config.Config) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.applied = append(f.applied, c)
		return f.applyErr
	}
	f.r = NewReloader(f.reg, load, apply, f.sc, log.NewNopLogger())
	return f
}

func (f *reloadFixture) set(loadErr, applyErr error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loadErr, f.applyErr = loadErr, applyErr
}

func TestReloaderStartsSuccessful(t *testing.T) {
	f := newReloadFixture(t)
	if got := gauge(t, f.reg, reloadOK); got != 1 {
		t.Errorf("%s = %v at start, want 1", reloadOK, got)
	}
	if got := gauge(t, f.reg, reloadTime); got <= 0 {
		t.Errorf("%s = %v at start, want the start time", reloadTime, got)
	}
}

// A config that fails to load is not applied; the running one stays.
func TestReloadLoadError(t *testing.T) {
	f := newReloadFixture(t)
	stamp := gauge(t, f.reg, reloadTime)
	f.set(errors.New("config file \"x.yml\": accounts: at least one account is required"), nil)

	err := f.r.Reload()
	if err == nil || !strings.Contains(err.Error(), "at least one account") {
		t.Fatalf("Reload() = %v, want the load error", err)
	}
	if got := gauge(t, f.reg, reloadOK); got != 0 {
		t.Errorf("%s = %v, want 0", reloadOK, got)
	}
	if got := gauge(t, f.reg, reloadTime); got != stamp {
		t.Errorf("%s moved from %v to %v on a failed reload", reloadTime, stamp, got)
	}
	if f.sc.Get() != f.initial {
		t.Error("SafeConfig changed on a failed load")
	}
	if len(f.applied) != 0 {
		t.Errorf("Apply called %d times after a failed load, want 0", len(f.applied))
	}
}

// A config the exporter refuses is not stored either.
func TestReloadApplyError(t *testing.T) {
	f := newReloadFixture(t)
	stamp := gauge(t, f.reg, reloadTime)
	f.set(nil, errors.New(`account "b": bad client`))

	err := f.r.Reload()
	if err == nil || !strings.Contains(err.Error(), "bad client") {
		t.Fatalf("Reload() = %v, want the apply error", err)
	}
	if got := gauge(t, f.reg, reloadOK); got != 0 {
		t.Errorf("%s = %v, want 0", reloadOK, got)
	}
	if got := gauge(t, f.reg, reloadTime); got != stamp {
		t.Errorf("%s moved from %v to %v on a failed reload", reloadTime, stamp, got)
	}
	if f.sc.Get() != f.initial {
		t.Error("SafeConfig changed although Apply failed")
	}
	if len(f.applied) != 1 || f.applied[0] != f.next {
		t.Errorf("Apply got %v, want the loaded config once", f.applied)
	}
}

// A good reload after a failed one: success back to 1, timestamp advanced,
// SafeConfig holding exactly the config that was applied.
func TestReloadSuccess(t *testing.T) {
	f := newReloadFixture(t)
	f.set(errors.New("broken"), nil)
	if err := f.r.Reload(); err == nil {
		t.Fatal("Reload() succeeded with a broken Load")
	}
	stamp := gauge(t, f.reg, reloadTime)
	time.Sleep(10 * time.Millisecond) // the timestamp has sub-second resolution

	f.set(nil, nil)
	before := float64(time.Now().UnixNano()) / 1e9
	if err := f.r.Reload(); err != nil {
		t.Fatalf("Reload() = %v", err)
	}
	if got := gauge(t, f.reg, reloadOK); got != 1 {
		t.Errorf("%s = %v, want 1", reloadOK, got)
	}
	if got := gauge(t, f.reg, reloadTime); got <= stamp || got < before {
		t.Errorf("%s = %v, want after %v", reloadTime, got, before)
	}
	if f.sc.Get() != f.next {
		t.Error("SafeConfig does not hold the reloaded config")
	}
	if len(f.applied) != 1 || f.applied[0] != f.next {
		t.Errorf("Apply got %v, want the loaded config once", f.applied)
	}
}

func TestReloadHandlerRefusesOtherMethods(t *testing.T) {
	f := newReloadFixture(t)
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		rec := httptest.NewRecorder()
		f.r.Handler().ServeHTTP(rec, httptest.NewRequest(m, "/-/reload", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, rec.Code)
		}
		if allow := rec.Header().Get("Allow"); !strings.Contains(allow, http.MethodPost) {
			t.Errorf("%s: Allow %q, want POST in it", m, allow)
		}
	}
	if f.loads != 0 {
		t.Errorf("Load called %d times for refused methods, want 0", f.loads)
	}
	if f.sc.Get() != f.initial {
		t.Error("SafeConfig changed on a refused method")
	}
}

func TestReloadHandler(t *testing.T) {
	for _, m := range []string{http.MethodPost, http.MethodPut} {
		t.Run(m, func(t *testing.T) {
			f := newReloadFixture(t)
			rec := httptest.NewRecorder()
			f.r.Handler().ServeHTTP(rec, httptest.NewRequest(m, "/-/reload", nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body %q", rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), "configuration reloaded") {
				t.Errorf("body %q", rec.Body)
			}
			if f.sc.Get() != f.next {
				t.Error("SafeConfig does not hold the reloaded config")
			}
		})
	}
}

func TestReloadHandlerFailure(t *testing.T) {
	f := newReloadFixture(t)
	f.set(errors.New(`config file "/etc/hostup_exporter/config.yml": scrape.timeout: must be greater than 0, got 0s`), nil)
	rec := httptest.NewRecorder()
	f.r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "failed to reload config") || !strings.Contains(body, "scrape.timeout: must be greater than 0") {
		t.Errorf("body %q: want the error", body)
	}
	if got := gauge(t, f.reg, reloadOK); got != 0 {
		t.Errorf("%s = %v, want 0", reloadOK, got)
	}
	if f.sc.Get() != f.initial {
		t.Error("SafeConfig changed on a failed reload")
	}
}

// Reloads from the handler, SIGHUP and direct calls never overlap: Load and
// Apply of one reload run before those of the next, while scrapes read the
// config and the status metrics concurrently. Run with -race.
func TestReloadsAreSerialised(t *testing.T) {
	const unused = "http://127.0.0.1:1"
	configs := []*config.Config{
		parseConfig(t, "  timeout: 5s\n", acct{"a", unused}),
		parseConfig(t, "  timeout: 6s\n", acct{"a", unused}, acct{"b", unused}),
	}
	sc := config.NewSafeConfig(configs[0])
	var (
		active, maxActive, loads atomic.Int32
		current                  atomic.Pointer[config.Config] // last applied
	)
	enter := func() {
		n := active.Add(1)
		for {
			m := maxActive.Load()
			if n <= m || maxActive.CompareAndSwap(m, n) {
				break
			}
		}
	}
	load := func() (*config.Config, error) {
		enter()
		defer active.Add(-1)
		n := loads.Add(1)
		time.Sleep(time.Millisecond) // widen the window for an overlap
		if n%7 == 0 {
			return nil, errors.New("every seventh load fails")
		}
		return configs[n%2], nil
	}
	apply := func(c *config.Config) error {
		enter()
		defer active.Add(-1)
		current.Store(c)
		time.Sleep(time.Millisecond)
		return nil
	}
	reg := prometheus.NewRegistry()
	r := NewReloader(reg, load, apply, sc, log.NewNopLogger())
	handler := r.Handler()

	const workers, perWorker = 8, 10
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < perWorker; j++ {
				if i%2 == 0 {
					_ = r.Reload()
					continue
				}
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
				if rec.Code != http.StatusOK && rec.Code != http.StatusInternalServerError {
					t.Errorf("status %d", rec.Code)
				}
			}
		}(i)
	}
	var readers sync.WaitGroup
	for i := 0; i < 2; i++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			h := &Handlers{Config: sc}
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if d := h.scrapeTimeout(req); d != 5*time.Second && d != 6*time.Second {
					t.Errorf("scrapeTimeout = %v, want a reloaded config's", d)
					return
				}
				if _, err := reg.Gather(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	if got := loads.Load(); got != workers*perWorker {
		t.Errorf("%d loads, want %d", got, workers*perWorker)
	}
	if got := maxActive.Load(); got != 1 {
		t.Errorf("up to %d Load/Apply calls ran at once, want 1", got)
	}
	// The last reload decides both the metric and what SafeConfig holds.
	if last := loads.Load(); last%7 == 0 {
		if got := gauge(t, reg, reloadOK); got != 0 {
			t.Errorf("%s = %v after a failed last reload, want 0", reloadOK, got)
		}
	} else {
		if got := gauge(t, reg, reloadOK); got != 1 {
			t.Errorf("%s = %v after a good last reload, want 1", reloadOK, got)
		}
		if sc.Get() != current.Load() {
			t.Error("SafeConfig does not hold the last applied config")
		}
	}
}

// End to end with the real exporter: a reload that adds account b makes
// /probe?account=b work and changes the scrape timeout; a reload that fails
// to load keeps both.
func TestReloadAppliesToHandlers(t *testing.T) {
	api := fakeAPI(t)
	initial := parseConfig(t, "  timeout: 30s\n", acct{"a", api.URL})
	env := newEnv(t, initial, 0)
	probe := env.h.Probe()

	var mu sync.Mutex
	var yaml string
	load := func() (*config.Config, error) {
		mu.Lock()
		defer mu.Unlock()
		cfg, err := config.Parse([]byte(yaml))
		if err != nil {
			return nil, err
		}
		return cfg, cfg.ResolveTokens(func(string) string { return testToken })
	}
	// Registered into env.self, which env.h.Self is, as main wires it.
	r := NewReloader(env.self, load, env.apply, env.config, log.NewNopLogger())
	reload := func(y string) *httptest.ResponseRecorder {
		mu.Lock()
		yaml = y
		mu.Unlock()
		rec := httptest.NewRecorder()
		r.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
		return rec
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)

	if rec := serve(t.Context(), probe, "/probe?account=b"); rec.Code != http.StatusBadRequest {
		t.Fatalf("probe of b before the reload: status %d, want 400", rec.Code)
	}

	good := "accounts:\n" +
		"  - {name: a, api_url: '" + api.URL + "', token_env: T}\n" +
		"  - {name: b, api_url: '" + api.URL + "', token_env: T}\n" +
		"scrape:\n  timeout: 7s\n"
	if rec := reload(good); rec.Code != http.StatusOK {
		t.Fatalf("reload: status %d, body %q", rec.Code, rec.Body)
	}
	mfs := scrape(t, probe, "/probe?account=b")
	if up, ok := upOf(mfs, "b"); !ok || up != 1 {
		t.Errorf("hostup_up{account=\"b\"} = %v (present %v), want 1", up, ok)
	}
	if got := env.h.scrapeTimeout(req); got != 7*time.Second {
		t.Errorf("scrapeTimeout after the reload = %v, want 7s", got)
	}
	mfs = scrape(t, env.h.Metrics(), "/metrics")
	if ok := mfs[reloadOK]; ok == nil || ok.GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Errorf("/metrics: %s missing or not 1", reloadOK)
	}

	rec := reload("accounts: [}\n")
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "failed to reload config") {
		t.Fatalf("broken reload: status %d, body %q", rec.Code, rec.Body)
	}
	if got := gauge(t, env.self, reloadOK); got != 0 {
		t.Errorf("%s = %v, want 0", reloadOK, got)
	}
	scrape(t, probe, "/probe?account=b")
	if got := env.h.scrapeTimeout(req); got != 7*time.Second {
		t.Errorf("scrapeTimeout after a failed reload = %v, want 7s still", got)
	}
}

// SIGHUP reloads until stop is closed, and WatchSignals then returns.
func TestWatchSignals(t *testing.T) {
	// Catch SIGHUP here as well, so that the test process is never killed
	// by one sent before WatchSignals has subscribed.
	guard := make(chan os.Signal, 16)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)

	f := newReloadFixture(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	hup := NotifyHUP()
	go func() {
		defer close(done)
		f.r.WatchSignals(hup, stop)
	}()
	waitFor(t, "a reload on SIGHUP", func() bool {
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.loads > 0
	})
	close(stop)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("WatchSignals did not return after stop was closed")
	}
	if f.sc.Get() != f.next {
		t.Error("SafeConfig does not hold the config reloaded on SIGHUP")
	}
}

// A configuration error is logged one problem a line, each with the file.
func TestLogConfigErrorOneProblemALine(t *testing.T) {
	var logs syncbuf.Buffer
	err := errors.New("config file \"/etc/x.yml\": accounts[0].vps.discover: line 5: cannot read \"maybe\" as a boolean\nscrape.concurrency: must be between 1 and 256, got 0")
	LogConfigError(log.NewLogfmtLogger(&logs), "invalid configuration", err)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), logs.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, "file=/etc/x.yml") || strings.Contains(l, `config file`) || strings.Contains(l, `\n`) {
			t.Errorf("line %q: want file=/etc/x.yml and one problem", l)
		}
	}
}
