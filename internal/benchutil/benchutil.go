// Package benchutil holds what the scrape benchmarks of several packages
// share: the request Prometheus sends, and per-VPS figures of a served
// answer. Only tests import it.
package benchutil

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// ScrapeRequest is a scrape as Prometheus sends it, gzip accepted or not.
func ScrapeRequest(gz bool) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1")
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "30")
	return req
}

// MustBeGzipped fails the benchmark unless the answer in w is gzipped
// exactly when gz: a benchmark must measure the encoding it claims to.
func MustBeGzipped(b *testing.B, w http.ResponseWriter, gz bool) {
	if got := w.Header().Get("Content-Encoding") == "gzip"; got != gz {
		b.Fatalf("answer gzipped: %v, want %v", got, gz)
	}
}

// PerVPS runs serve once per op into a counting writer and reports ns, bytes
// allocated and allocations per VPS, and the answer's size. It returns how
// many times it called serve.
func PerVPS(b *testing.B, n int, serve func(http.ResponseWriter)) int {
	w := &countingWriter{header: http.Header{}}
	// One answer first, unmeasured: a fresh exporter's first scrape opens
	// its connections and decodes every body; later ones are the steady
	// state a Prometheus server sees.
	serve(w)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := processCPU()
	ops := 0
	b.ReportAllocs()
	for b.Loop() {
		// A fresh header each time, as a new response has: a
		// Content-Encoding left from the last one would make the gzip
		// handler pass the next answer through uncompressed.
		w.n = 0
		clear(w.header)
		serve(w)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		ops++
	}
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&after)
	vps := float64(ops * n)
	// CPU of the whole process, all threads, GC included: with the API
	// delayed, wall time says little and this is what the load test's
	// per-VPS CPU measures of the exporter (plus the fake's share).
	b.ReportMetric(float64(cpu.Nanoseconds())/vps, "cpu-ns/vps")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/vps, "ns/vps")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/vps, "allocs/vps")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/vps, "B/vps")
	b.ReportMetric(float64(w.n), "body-bytes")
	return ops + 1
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingWriter is a ResponseWriter that keeps nothing but the size, so the
// benchmark does not measure a recorder's buffer.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(s int)   { w.status = s }
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
