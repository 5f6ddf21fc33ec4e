package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/collector"
	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// TestMain checks that no test leaves a goroutine behind: every scrape's
// round, API call and fake-API handler must be gone when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testToken = "hu_test_server_5d41402abc4b2a76b9719d911017c592"
	// selfMetric is the one metric of the test's Self gatherer.
	selfMetric = "hostup_exporter_test_self"
)

// fakeAPI starts the fake HostUp API serving the API docs' account behind
// testToken. It is closed when the test ends, after the exporter (cleanups
// run last-in first-out and the exporter is made after its fake APIs).
func fakeAPI(t testing.TB, opts ...hostuptest.Option) *hostuptest.Server {
	t.Helper()
	acct := hostuptest.DocsAccount()
	acct.Token = testToken
	srv := hostuptest.NewServer(acct, opts...)
	t.Cleanup(srv.Close)
	return srv
}

// acct is one account of a test config: its name and API URL.
type acct struct{ name, url string }

// parseConfig builds a config through config.Parse, as a file would be read,
// with every token resolved to testToken. scrape is YAML for the scrape
// section, indented by two spaces.
func parseConfig(t testing.TB, scrape string, accounts ...acct) *config.Config {
	t.Helper()
	var b strings.Builder
	b.WriteString("accounts:\n")
	for _, a := range accounts {
		b.WriteString("  - name: " + a.name + "\n    api_url: " + a.url + "\n    token_env: HOSTUP_TEST_TOKEN\n")
	}
	if scrape != "" {
		b.WriteString("scrape:\n" + scrape)
	}
	cfg, err := config.Parse([]byte(b.String()))
	if err != nil {
		t.Fatalf("config.Parse: %v\n%s", err, b.String())
	}
	if err := cfg.ResolveTokens(func(string) string { return testToken }); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testEnv is what main wires together: an exporter with cfg applied, the
// SafeConfig holding cfg, a Self registry and the Handlers serving them.
type testEnv struct {
	accounts   *account.Set
	apply      func(*config.Config) error
	apiMetrics *collector.APIMetrics
	config     *config.SafeConfig
	self       *prometheus.Registry
	h          *Handlers
}

func newEnv(t testing.TB, cfg *config.Config, maxInFlight int) *testEnv {
	t.Helper()
	apiMetrics := collector.NewAPIMetrics()
	e := account.NewSet(account.Env{UserAgent: "hostup_exporter/test", Observer: apiMetrics})
	t.Cleanup(e.Close)
	if err := e.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	api := prometheus.NewRegistry()
	api.MustRegister(apiMetrics)
	self := prometheus.NewRegistry()
	self.MustRegister(apiMetrics)
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: selfMetric, Help: "Stands for the exporter's own metrics."})
	g.Set(1)
	self.MustRegister(g)
	sc := config.NewSafeConfig(cfg)
	return &testEnv{
		accounts:   e,
		apply:      e.Apply,
		apiMetrics: apiMetrics,
		config:     sc,
		self:       self,
		h: &Handlers{
			Accounts:            e,
			API:                 api,
			Config:              sc,
			Self:                self,
			Logger:              log.NewNopLogger(),
			MaxRequestsInFlight: maxInFlight,
		},
	}
}

// serve runs one request through h. header is name, value pairs.
func serve(ctx context.Context, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// scrape serves target and fails the test unless the answer is a 200 in the
// Prometheus text format; it returns the parsed metric families.
func scrape(t testing.TB, h http.Handler, target string, header ...string) map[string]*dto.MetricFamily {
	t.Helper()
	rec := serve(t.Context(), h, target, header...)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200; body:\n%s", target, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET %s: Content-Type %q, want text/plain", target, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("GET %s: parsing the exposition: %v", target, err)
	}
	return mfs
}

// accountsIn is the set of values of the account label over every series.
func accountsIn(mfs map[string]*dto.MetricFamily) map[string]bool {
	seen := make(map[string]bool)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "account" {
					seen[lp.GetValue()] = true
				}
			}
		}
	}
	return seen
}

// upOf is hostup_up of one account, and whether the series is there.
func upOf(mfs map[string]*dto.MetricFamily, acct string) (float64, bool) {
	for _, m := range mfs["hostup_up"].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == "account" && lp.GetValue() == acct {
				return m.GetGauge().GetValue(), true
			}
		}
	}
	return 0, false
}

// waitFor polls cond until it holds, failing the test after 5s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
