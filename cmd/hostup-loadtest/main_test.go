package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// The command may hold spaces and parentheses.
	stat := "4242 (hostup exp (1)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 100 0 0"
	got, err := parseStatCPU([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if got != 3.25 {
		t.Errorf("cpu %v s, want 3.25 (325 ticks)", got)
	}
	if _, err := parseStatCPU([]byte("4242 (x) S 1 2")); err == nil {
		t.Error("short stat line accepted")
	}
}

func TestParseStatus(t *testing.T) {
	status := "Name:\thostup_exporter\nVmPeak:\t 1000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n"
	got, err := parseStatus([]byte(status))
	if err != nil {
		t.Fatal(err)
	}
	if got.HWM != 50<<20 || got.RSS != 40<<20 {
		t.Errorf("got %+v", got)
	}
	if _, err := parseStatus([]byte("VmRSS:\t1 kB\n")); err == nil {
		t.Error("status without VmHWM accepted")
	}
}

func TestFloor(t *testing.T) {
	for _, tc := range []struct {
		n, pages, c int
		want        time.Duration
	}{
		{1000, 10, 16, 1280 * time.Millisecond}, // 20ms + 63 rounds
		{100, 1, 16, 160 * time.Millisecond},
		{5000, 50, 16, 6280 * time.Millisecond},
		{5000, 50, 256, 1000 * time.Millisecond}, // the pages dominate
	} {
		if got := floor(tc.n, tc.pages, tc.c, 20*time.Millisecond); got != tc.want {
			t.Errorf("floor(%d, %d, %d) = %v, want %v", tc.n, tc.pages, tc.c, got, tc.want)
		}
	}
}

func TestCheckBody(t *testing.T) {
	good := `# TYPE hostup_up gauge
hostup_up{account="a"} 1
hostup_scrape_duration_seconds{account="a"} 1.25
hostup_scrape_success{account="a",endpoint="routed_ipv6"} 1
hostup_scrape_success{account="a",endpoint="vps_list"} 1
hostup_scrape_success{account="a",endpoint="vps_network"} 1
hostup_vps_network_scrape_success{account="a",vps_id="v1",vps_name="x"} 1
hostup_vps_network_scrape_success{account="a",vps_id="v2",vps_name="y"} 1
`
	if err := checkBody([]byte(good), "a", 2); err != nil {
		t.Error(err)
	}
	if v, ok := labelledValue([]byte(good), `hostup_scrape_duration_seconds{account="a"}`); !ok || v != 1.25 {
		t.Errorf("labelledValue = %v, %t", v, ok)
	}
	if err := checkBody([]byte(good), "a", 3); err == nil {
		t.Error("a missing VPS passed")
	}
	bad := strings.Replace(good, `vps_name="y"} 1`, `vps_name="y"} 0`, 1)
	if err := checkBody([]byte(bad), "a", 2); err == nil {
		t.Error("a failed VPS read passed")
	}
	down := strings.Replace(good, `hostup_up{account="a"} 1`, `hostup_up{account="a"} 0`, 1)
	if err := checkBody([]byte(down), "a", 2); err == nil {
		t.Error("hostup_up 0 passed")
	}
}

// A short run against the real exporter: it measures, writes JSON, and
// leaves no exporter behind.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the exporter")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hostup_exporter")
	build := exec.Command("go", "build", "-o", bin, "github.com/hostup-exporter/hostup_exporter")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(dir, "out.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-exporter", bin, "-n", "30,60", "-latency", "2ms", "-scrapes", "3", "-min-measure", "0s", "-warmup", "1",
		"-soak", "25", "-soak-max-n", "30", "-churn", "-json", jsonPath}, &stdout, &stderr)
	// Targets are only evaluated at L=20ms; flatness over so few scrapes
	// of so small accounts may miss, which is exit code 1, not 2.
	if code == 2 {
		t.Fatalf("exit code 2\nstdout:\n%s\nstderr:\n%s", &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "| 30 | 32 (32) |") || !strings.Contains(stdout.String(), "| 60 | 62 (62) |") {
		t.Errorf("table lacks the exact API calls:\n%s", &stdout)
	}
	var out struct {
		Results []result `json:"results"`
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 2 || !out.Results[0].Soaked || out.Results[1].Soaked || out.Results[0].Scrapes != 3 {
		t.Errorf("results %+v", out.Results)
	}
	for _, r := range out.Results {
		if r.PeakRSS == 0 || r.CallsMin != r.CallsWanted || r.MedianSeconds <= 0 {
			t.Errorf("N=%d: %+v", r.N, r)
		}
	}
	// No exporter left running from this binary.
	if pids, _ := exec.Command("pgrep", "-f", bin).Output(); len(bytes.TrimSpace(pids)) > 0 {
		t.Errorf("exporter still running: %s", pids)
		// Only this test's binary matches its temporary path.
		for _, f := range strings.Fields(string(pids)) {
			if pid, err := strconv.Atoi(f); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}
