package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

const (
	accountName = "loadtest"
	pageSize    = 100 // the API's maximum `limit`, which the exporter asks for
)

// params are the settings shared by every size.
type params struct {
	exporter    string
	latency     time.Duration
	concurrency int
	scrapes     int           // measured scrapes, at least
	minMeasure  time.Duration // and measured for at least this long
	warmup      int           // scrapes before measuring (excluded from CPU and times)
	soak        int           // total scrapes after which memory and goroutines are compared with scrape 20
	soakMaxN    int           // sizes above this skip the soak (it takes soak * scrape time)
	churn       bool
	verbose     bool
}

// result is what one size measured. Durations are in seconds and sizes in
// bytes so that the JSON output needs no units.
type result struct {
	N              int     `json:"n"`
	Pages          int     `json:"pages"`
	NetworkReads   int     `json:"network_reads"` // VPSes the exporter reads (statuses configured)
	LatencySeconds float64 `json:"latency_seconds"`
	Concurrency    int     `json:"concurrency"`
	Scrapes        int     `json:"scrapes"`
	Churn          bool    `json:"churn"`

	MedianSeconds float64   `json:"median_scrape_seconds"`
	MinSeconds    float64   `json:"min_scrape_seconds"`
	MaxSeconds    float64   `json:"max_scrape_seconds"`
	FloorSeconds  float64   `json:"floor_seconds"`
	Ratio         float64   `json:"ratio"`
	WallSeconds   []float64 `json:"scrape_seconds"`
	// The exporter's own hostup_scrape_duration_seconds: the wait for the
	// API round, before rendering, Gather, encoding and transfer.
	RoundSeconds []float64 `json:"round_seconds"`
	// Mean duration of a network call as the exporter measured it
	// (hostup_api_request_duration_seconds): L plus transport and timer slack.
	CallSeconds        float64 `json:"mean_network_call_seconds"`
	MedianRoundSeconds float64 `json:"median_round_seconds"`

	CPUSeconds        float64 `json:"cpu_seconds"` // over the measured scrapes
	CPUPerVPSPerScrap float64 `json:"cpu_seconds_per_vps_per_scrape"`

	PeakRSS     uint64 `json:"peak_rss_bytes"`
	RSSLimit    uint64 `json:"rss_limit_bytes"`
	Compressed  int    `json:"body_gzip_bytes"`
	Raw         int    `json:"body_bytes"`
	CallsWanted int    `json:"api_calls_wanted"`
	CallsMin    int    `json:"api_calls_min"`
	CallsMax    int    `json:"api_calls_max"`

	Soaked          bool    `json:"soaked"`
	SoakScrapes     int     `json:"soak_scrapes"`
	GoroutinesEarly float64 `json:"goroutines_after_20"`
	GoroutinesLate  float64 `json:"goroutines_after_soak"`
	RSSEarly        uint64  `json:"rss_after_20_bytes"`
	RSSLate         uint64  `json:"rss_after_soak_bytes"`
	HeapEarly       float64 `json:"heap_inuse_after_20_bytes"`
	HeapLate        float64 `json:"heap_inuse_after_soak_bytes"`
}

// floor is the least time a scrape can take against an API that answers
// after L: the list pages one after the other, and, since a network read can
// start only once the first page has named its VPS, L + ceil(N/C) rounds of
// C parallel reads.
func floor(n, pages, c int, l time.Duration) time.Duration {
	return max(time.Duration(pages)*l, l+time.Duration((n+c-1)/c)*l)
}

// rssLimit is the peak-RSS target: 20 MiB plus 48 KiB per VPS.
func rssLimit(n int) uint64 { return 20<<20 + uint64(n)*48<<10 }

// runSize measures one account size end to end: fake API, exporter
// subprocess, warm-up, measured scrapes, then the soak.
func runSize(ctx context.Context, p params, n int) (res result, err error) {
	acct := hostuptest.DemoAccount(n)
	acct.Token = randomToken()
	// Read every VPS, whatever its status, so that the calls per scrape are
	// 1 + pages + N and the floor is the one of N reads. The statuses are
	// taken from the account rather than from a list here.
	statuses := map[string]bool{}
	for _, v := range acct.VPS {
		statuses[v.ServiceStatus] = true
	}
	reads := 0
	for _, v := range acct.VPS {
		if statuses[v.ServiceStatus] && acct.Networks[v.ID] != nil {
			reads++
		}
	}
	pages := max(1, (n+pageSize-1)/pageSize)
	fl := floor(n, pages, p.concurrency, p.latency)
	res = result{
		N: n, Pages: pages, NetworkReads: reads, LatencySeconds: p.latency.Seconds(),
		Concurrency: p.concurrency, Churn: p.churn, FloorSeconds: fl.Seconds(), RSSLimit: rssLimit(n),
		CallsWanted: 1 + pages + reads,
	}

	api := hostuptest.NewServer(acct, hostuptest.WithLatency(p.latency), hostuptest.WithPageSize(pageSize))
	defer api.Close()

	// Generous, so that only a hung exporter hits it: a scrape that took
	// that long would fail the time target anyway.
	timeout := 3*fl + 10*time.Second
	dir, err := os.MkdirTemp("", "hostup-loadtest-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	cfg, err := writeConfig(dir, api.URL, acct.Token, sortedKeys(statuses), p.concurrency, timeout)
	if err != nil {
		return res, err
	}

	ex, err := startExporter(ctx, p.exporter, cfg, dir)
	if err != nil {
		return res, err
	}
	defer ex.stop()
	s := newScraper(ex.base, timeout)
	if err := ex.waitHealthy(ctx, s); err != nil {
		return res, err
	}

	// With -churn the API alternates between two versions of the account
	// whose network bodies all differ, so that no body repeats the previous
	// scrape's: the exporter decodes every VPS on every scrape, as when every
	// VPS changed (the worst case for its decode memo).
	var versions [2]*hostuptest.Account
	if p.churn {
		versions = [2]*hostuptest.Account{acct, churned(acct)}
	}

	total := 0 // scrapes served so far
	one := func(check bool) (scrapeResult, error) {
		if p.churn {
			api.SetAccount(versions[total%2])
		}
		before := api.TotalCalls()
		r, err := s.scrape(ctx)
		if err != nil {
			return r, fmt.Errorf("scrape %d: %w%s", total+1, err, ex.logTail())
		}
		total++
		calls := api.TotalCalls() - before
		res.CallsMin = minNonZero(res.CallsMin, calls)
		res.CallsMax = max(res.CallsMax, calls)
		if check {
			if err := checkBody(r.Body, accountName, reads); err != nil {
				return r, fmt.Errorf("scrape %d: %w", total, err)
			}
		}
		return r, nil
	}

	for range p.warmup {
		if _, err := one(true); err != nil {
			return res, err
		}
	}

	// The exporter's own view of the API's latency, from its histogram,
	// over the measured scrapes: the round cannot beat it.
	var sum0, count0 float64
	var firstBody []byte
	cpu0, err := cpuSeconds(ex.pid())
	if err != nil {
		return res, err
	}
	// At least p.scrapes, and for at least p.minMeasure: a small account's
	// 20 scrapes last a few seconds, too few for a steady CPU figure.
	measureStart := time.Now()
	var lastBody []byte
	for i := 0; i < p.scrapes || time.Since(measureStart) < p.minMeasure; i++ {
		// The body check reads the whole answer; once is enough to know it
		// is complete, and the harness shares the CPUs with the exporter.
		r, err := one(i == 0)
		if err != nil {
			return res, err
		}
		if i == 0 {
			firstBody = r.Body
		}
		lastBody = r.Body
		res.WallSeconds = append(res.WallSeconds, r.Wall.Seconds())
		if d, ok := labelledValue(r.Body, `hostup_scrape_duration_seconds{account="`+accountName+`"}`); ok {
			res.RoundSeconds = append(res.RoundSeconds, d)
		}
		res.Compressed, res.Raw = r.Compressed, r.Raw
		if p.verbose {
			fmt.Fprintf(os.Stderr, "  N=%d scrape %d: %.3fs, %d bytes gzip\n", n, total, r.Wall.Seconds(), r.Compressed)
		}
	}
	sum0, count0 = networkLatency(firstBody)
	if sum1, count1 := networkLatency(lastBody); count1 > count0 {
		res.CallSeconds = (sum1 - sum0) / (count1 - count0)
	}
	cpu1, err := cpuSeconds(ex.pid())
	if err != nil {
		return res, err
	}
	res.Scrapes = len(res.WallSeconds)
	res.CPUSeconds = cpu1 - cpu0
	if res.Scrapes > 0 && n > 0 {
		res.CPUPerVPSPerScrap = res.CPUSeconds / float64(res.Scrapes*n)
		sorted := slices.Clone(res.WallSeconds)
		sort.Float64s(sorted)
		res.MedianSeconds = median(sorted)
		res.MinSeconds, res.MaxSeconds = sorted[0], sorted[len(sorted)-1]
		res.Ratio = res.MedianSeconds / fl.Seconds()
	}
	if len(res.RoundSeconds) > 0 {
		sorted := slices.Clone(res.RoundSeconds)
		sort.Float64s(sorted)
		res.MedianRoundSeconds = median(sorted)
	}

	if p.soak > 20 && n <= p.soakMaxN {
		for total < 20 {
			if _, err := one(false); err != nil {
				return res, err
			}
		}
		if res.GoroutinesEarly, res.RSSEarly, res.HeapEarly, err = ex.sample(ctx, s); err != nil {
			return res, err
		}
		for total < p.soak {
			// The last soak scrape is checked in full, too.
			if _, err := one(total == p.soak-1); err != nil {
				return res, err
			}
			if p.verbose && total%20 == 0 {
				fmt.Fprintf(os.Stderr, "  N=%d soak: %d/%d scrapes\n", n, total, p.soak)
			}
		}
		if res.GoroutinesLate, res.RSSLate, res.HeapLate, err = ex.sample(ctx, s); err != nil {
			return res, err
		}
		res.Soaked, res.SoakScrapes = true, total
	}

	mem, err := readMemStatus(ex.pid())
	if err != nil {
		return res, err
	}
	res.PeakRSS = mem.HWM
	if err := ex.stop(); err != nil {
		return res, err
	}
	return res, nil
}

// networkLatency reads the sum and count of the exporter's latency histogram
// for the network endpoint from a scrape.
func networkLatency(body []byte) (sum, count float64) {
	labels := `{account="` + accountName + `",endpoint="vps_network"}`
	sum, _ = labelledValue(body, "hostup_api_request_duration_seconds_sum"+labels)
	count, _ = labelledValue(body, "hostup_api_request_duration_seconds_count"+labels)
	return sum, count
}

// churned is a copy of acct whose every network body differs from acct's in
// a field the exporter does not export (vlanTag), so its metrics stay the
// same.
func churned(acct *hostuptest.Account) *hostuptest.Account {
	c := *acct
	c.Networks = make(map[string]*hostup.VPSNetwork, len(acct.Networks))
	for id, n := range acct.Networks {
		m := *n
		tag := 4094.0
		if n.VLANTag != nil && *n.VLANTag == tag {
			tag--
		}
		m.VLANTag = &tag
		c.Networks[id] = &m
	}
	return &c
}

func median(sorted []float64) float64 {
	m := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[m]
	}
	return (sorted[m-1] + sorted[m]) / 2
}

func minNonZero(a, b int) int {
	if a == 0 || b < a {
		return b
	}
	return a
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func randomToken() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return "hu_loadtest_" + hex.EncodeToString(b)
}

// writeConfig writes the exporter's config and token file: one account, all
// the given statuses read, the concurrency under test, no cache and the
// default max_stale.
func writeConfig(dir, apiURL, token string, statuses []string, concurrency int, timeout time.Duration) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(token+"\n"), 0o600); err != nil {
		return "", err
	}
	quoted := make([]string, len(statuses))
	for i, s := range statuses {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	cfg := fmt.Sprintf(`accounts:
  - name: %s
    api_url: %s
    token_file: token
    vps:
      service_status: [%s]
scrape:
  timeout: %dms
  concurrency: %d
  cache_ttl: 0s
`, accountName, apiURL, strings.Join(quoted, ", "), timeout.Milliseconds(), concurrency)
	path := filepath.Join(dir, "config.yml")
	return path, os.WriteFile(path, []byte(cfg), 0o600)
}

// exporter is the exporter under test, run as a subprocess.
type exporter struct {
	cmd     *exec.Cmd
	base    string
	logPath string
	done    chan struct{}
	waitErr error
}

func startExporter(ctx context.Context, path, cfg, dir string) (*exporter, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "exporter.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(path, "--config.file="+cfg, "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should this process die without running its cleanup, the kernel
	// kills the exporter too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	ex := &exporter{cmd: cmd, base: "http://" + addr, logPath: logPath, done: make(chan struct{})}
	go func() {
		ex.waitErr = cmd.Wait()
		close(ex.done)
	}()
	go func() {
		// Interrupted: do not leave the exporter behind.
		select {
		case <-ctx.Done():
			_ = cmd.Process.Kill()
		case <-ex.done:
		}
	}()
	return ex, nil
}

func (ex *exporter) pid() int { return ex.cmd.Process.Pid }

func (ex *exporter) exited() bool {
	select {
	case <-ex.done:
		return true
	default:
		return false
	}
}

func (ex *exporter) waitHealthy(ctx context.Context, s *scraper) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ex.exited() {
			return fmt.Errorf("exporter exited at start: %v%s", ex.waitErr, ex.logTail())
		}
		if _, err := s.get(ctx, "/-/healthy"); err == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("exporter not healthy after 15s%s", ex.logTail())
}

// sample reads the exporter's goroutines and heap from its own metrics and
// its resident memory from /proc.
func (ex *exporter) sample(ctx context.Context, s *scraper) (goroutines float64, rss uint64, heap float64, err error) {
	body, err := s.get(ctx, "/exporter-metrics")
	if err != nil {
		return 0, 0, 0, err
	}
	g, ok1 := sampleValue(body, "go_goroutines")
	h, ok2 := sampleValue(body, "go_memstats_heap_inuse_bytes")
	if !ok1 || !ok2 {
		return 0, 0, 0, errors.New("/exporter-metrics lacks go_goroutines or go_memstats_heap_inuse_bytes")
	}
	mem, err := readMemStatus(ex.pid())
	return g, mem.RSS, h, err
}

// stop ends the exporter (SIGTERM, then SIGKILL after 5s) and waits for it.
// It is safe to call more than once.
func (ex *exporter) stop() error {
	if ex.exited() {
		return nil
	}
	_ = ex.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-ex.done:
		return nil
	case <-time.After(5 * time.Second):
		_ = ex.cmd.Process.Kill()
		<-ex.done
		return errors.New("exporter ignored SIGTERM for 5s; killed")
	}
}

// logTail is the end of the exporter's log, for error messages.
func (ex *exporter) logTail() string {
	b, err := os.ReadFile(ex.logPath)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "\nexporter log (tail):\n" + string(b)
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}
