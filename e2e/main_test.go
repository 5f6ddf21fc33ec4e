// Package e2e runs the real hostup_exporter binary (and, where it matters,
// the fake API binary, promtool and a real Prometheus) on loopback and
// checks what an operator would see: the exposition, the logs, the config
// handling, TLS and basic auth, reloads, the dashboard and the alert rules.
//
// TestMain builds both binaries once into a temporary directory. Every
// process a test starts is stopped by the test's cleanup; an exporter must
// then exit 0 within 5 seconds of SIGTERM.
package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
	"github.com/hostup-exporter/hostup_exporter/internal/syncbuf"
)

var (
	// exporterBin and fakeAPIBin are the binaries TestMain built.
	exporterBin string
	fakeAPIBin  string
	// repoRoot is the module's root directory (the parent of e2e/).
	repoRoot string
)

// stopTimeout is how long an exporter has to exit after SIGTERM.
const stopTimeout = 5 * time.Second

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	repoRoot = root
	dir, err := os.MkdirTemp("", "hostup-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	exporterBin = filepath.Join(dir, "hostup_exporter")
	fakeAPIBin = filepath.Join(dir, "hostup-fake-api")
	for _, b := range []struct{ out, pkg string }{
		{exporterBin, ".."},
		{fakeAPIBin, "../cmd/hostup-fake-api"},
	} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		// Static, as make build and the Docker image build it.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: go build -o %s %s: %v\n%s", b.out, b.pkg, err, out)
			return 1
		}
	}
	return m.Run()
}

// proc is a child process with its output captured.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdout syncbuf.Buffer
	stderr syncbuf.Buffer
	done   chan struct{} // closed when the process has been waited for
	err    error         // cmd.Wait's result, set before done closes
	// group: the cleanup also kills the process group, for a script whose
	// children may outlive it.
	group bool
}

// startProc starts bin in its own process group. The test's cleanup kills
// it if it is still running (and, for a group proc, its process group).
func startProc(t testing.TB, name, bin string, args, env []string) *proc {
	t.Helper()
	return startProcGroup(t, name, bin, args, env, false)
}

func startProcGroup(t testing.TB, name, bin string, args, env []string, group bool) *proc {
	t.Helper()
	p := &proc{name: name, done: make(chan struct{}), group: group}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		// Whatever happened, leave nothing running.
		p.kill()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s (pid %d) still not reaped 5s after SIGKILL", name, p.cmd.Process.Pid)
		}
	})
	return p
}

// kill sends SIGKILL to the process if it still runs and, for a group proc,
// to its process group.
func (p *proc) kill() {
	if p.group {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
	if !p.exited() {
		_ = p.cmd.Process.Kill()
	}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to d for the process to exit and returns its exit code, or
// fails the test.
func (p *proc) wait(t testing.TB, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.kill()
		<-p.done
		t.Fatalf("%s did not exit within %v; stderr:\n%s", p.name, d, p.stderr.String())
	}
	return exitCode(p.err)
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.ExitCode() >= 0 {
			return ee.ExitCode()
		}
		return -1 // killed by a signal
	}
	return -2
}

// childEnv is the test's environment without any HOSTUP_* variable (so a
// developer's real token can never reach a test), plus extra.
func childEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOSTUP_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// portFree reports whether addr can be listened on now.
func portFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// exporter is a running hostup_exporter.
type exporter struct {
	*proc
	t    testing.TB
	addr string // 127.0.0.1:port
	url  string // http://addr

	stopOnce sync.Once
}

type exporterOpts struct {
	args []string
	env  []string // added to childEnv()
	// ready, when set, replaces the plain-HTTP /-/healthy check (e.g. for
	// TLS and basic auth).
	ready func(e *exporter) bool
}

// startExporter starts the exporter on a free loopback port with args and
// waits until it is healthy. The test's cleanup stops it with SIGTERM and
// fails the test unless it exits 0 within stopTimeout.
func startExporter(t testing.TB, args ...string) *exporter {
	t.Helper()
	return startExporterOpts(t, exporterOpts{args: args})
}

func startExporterOpts(t testing.TB, o exporterOpts) *exporter {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"--web.listen-address=" + addr}, o.args...)
	e := &exporter{t: t, addr: addr, url: "http://" + addr}
	e.proc = startProc(t, "hostup_exporter", exporterBin, args, childEnv(o.env...))
	// Registered after startProc's cleanup, so it runs first.
	t.Cleanup(func() {
		e.stop()
		if t.Failed() {
			t.Logf("hostup_exporter %s stderr:\n%s", strings.Join(args, " "), e.stderr.String())
		}
	})
	ready := o.ready
	if ready == nil {
		ready = func(e *exporter) bool {
			st, _, err := tryGet(http.DefaultClient, e.url+"/-/healthy", nil)
			return err == nil && st == http.StatusOK
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for !ready(e) {
		if e.exited() {
			t.Fatalf("hostup_exporter exited (%v) before becoming healthy; stderr:\n%s", e.err, e.stderr.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("hostup_exporter not healthy on %s after 15s; stderr:\n%s", addr, e.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return e
}

// stop sends SIGTERM and requires exit code 0 within stopTimeout. It fails
// the test if the exporter had exited before it was asked to. Idempotent.
func (e *exporter) stop() {
	e.stopOnce.Do(func() {
		t := e.t
		if e.exited() {
			t.Errorf("hostup_exporter exited on its own (%v) before the test stopped it; stderr:\n%s", e.err, e.stderr.String())
			return
		}
		if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("SIGTERM to hostup_exporter: %v", err)
		}
		start := time.Now()
		select {
		case <-e.done:
			if code := exitCode(e.err); code != 0 {
				t.Errorf("hostup_exporter exited with code %d (%v) after SIGTERM, want 0; stderr:\n%s", code, e.err, e.stderr.String())
			}
		case <-time.After(stopTimeout):
			e.kill()
			t.Errorf("hostup_exporter still running %v after SIGTERM; killed", time.Since(start).Round(time.Millisecond))
		}
	})
}

// signal sends sig to the exporter.
func (e *exporter) signal(sig syscall.Signal) {
	e.t.Helper()
	if err := e.cmd.Process.Signal(sig); err != nil {
		e.t.Fatalf("sending %v: %v", sig, err)
	}
}

// get fetches path from the exporter over plain HTTP and fails the test on a
// transport error.
func (e *exporter) get(path string) (int, string) {
	e.t.Helper()
	return mustGet(e.t, http.DefaultClient, e.url+path, nil)
}

// metrics scrapes /metrics, parses it and returns it with the raw body.
func (e *exporter) metrics() (metricSet, string) {
	e.t.Helper()
	st, body := e.get("/metrics")
	if st != http.StatusOK {
		e.t.Fatalf("GET /metrics: status %d, body:\n%s", st, body)
	}
	return parseMetrics(e.t, body), body
}

func tryGet(c *http.Client, url string, header http.Header) (int, string, error) {
	return tryDo(c, http.MethodGet, url, header)
}

func tryDo(c *http.Client, method, url string, header http.Header) (int, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, "", err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func mustGet(t testing.TB, c *http.Client, url string, header http.Header) (int, string) {
	t.Helper()
	st, body, err := tryGet(c, url, header)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return st, body
}

func mustDo(t testing.TB, c *http.Client, method, url string) (int, string) {
	t.Helper()
	st, body, err := tryDo(c, method, url, nil)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return st, body
}

// tlsClient trusts only the given certificate pool's roots.
func tlsClient(cfg *tls.Config) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 30 * time.Second}
}

// metricSet is a parsed exposition, by metric family name.
type metricSet map[string]*dto.MetricFamily

func parseMetrics(t testing.TB, body string) metricSet {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing the exposition: %v\n%s", err, body)
	}
	return fams
}

func labelMap(m *dto.Metric) map[string]string {
	out := make(map[string]string, len(m.GetLabel()))
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// matches reports whether m has every label of want with that value.
func matches(m *dto.Metric, want map[string]string) bool {
	got := labelMap(m)
	for k, v := range want {
		if gv, ok := got[k]; !ok || gv != v {
			return false
		}
	}
	return true
}

// value returns the value of the one gauge, counter or untyped sample of
// family name whose labels include want.
func (s metricSet) value(name string, want map[string]string) (float64, bool) {
	f, ok := s[name]
	if !ok {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		if !matches(m, want) {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// sum adds the values of every sample of family name whose labels include
// want.
func (s metricSet) sum(name string, want map[string]string) float64 {
	total := 0.0
	for _, m := range s[name].GetMetric() {
		if !matches(m, want) {
			continue
		}
		total += m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
	}
	return total
}

// requireValue fails unless the sample exists with value want.
func requireValue(t testing.TB, s metricSet, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := s.value(name, labels)
	if !ok {
		t.Fatalf("no sample %s%v in the scrape (families: %d)", name, labels, len(s))
	}
	if got != want {
		t.Fatalf("%s%v = %v, want %v", name, labels, got, want)
	}
}

// newFake starts an in-process fake API for acct, closed by the cleanup
// (after any exporter started later in the test is stopped).
func newFake(t testing.TB, acct *hostuptest.Account, opts ...hostuptest.Option) *hostuptest.Server {
	t.Helper()
	srv := hostuptest.NewServer(acct, opts...)
	t.Cleanup(srv.Close)
	return srv
}

// withToken returns acct with its Token set.
func withToken(acct *hostuptest.Account, token string) *hostuptest.Account {
	acct.Token = token
	return acct
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitFor polls cond every 50ms until it is true or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireTool returns the path of a tool of Debian's prometheus package.
// Without it the test is skipped, unless HOSTUP_REQUIRE_PROMETHEUS=1 (set by
// `make test`), which makes its absence a failure.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	path := lookupTool(t, name)
	if path == "" {
		t.Skipf("%s not found; install Debian's prometheus package to run this test", name)
	}
	return path
}

// lookupTool is requireTool for a tool a test can do without: "" when it is
// missing and not required.
func lookupTool(t testing.TB, name string) string {
	t.Helper()
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	if _, err := os.Stat("/usr/bin/" + name); err == nil {
		return "/usr/bin/" + name
	}
	if os.Getenv("HOSTUP_REQUIRE_PROMETHEUS") == "1" {
		t.Fatalf("%s not found: install Debian's prometheus package (apt-get install prometheus, or make tools)", name)
	}
	t.Logf("%s not found: its checks are skipped; install Debian's prometheus package to run them", name)
	return ""
}
