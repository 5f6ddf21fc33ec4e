package hostup_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// testToken looks like an API key so that a leak of it is easy to spot.
const testToken = "hu_live_7f3a9c0d5e1b2a4c8d6e0f1a3b5c7d9e"

// fakeAPI is an httptest server that counts the requests it gets and keeps
// them for inspection.
type fakeAPI struct {
	*httptest.Server
	hits atomic.Int64

	mu       sync.Mutex
	requests []*http.Request
}

func newFakeAPI(t *testing.T, h http.HandlerFunc) *fakeAPI {
	t.Helper()
	f := &fakeAPI{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		f.mu.Lock()
		f.requests = append(f.requests, r.Clone(r.Context()))
		f.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) Hits() int { return int(f.hits.Load()) }

func (f *fakeAPI) Requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...)
}

// newTestClient points a client at f with fast retries; opts come last so a
// test can override anything.
func newTestClient(t *testing.T, f *fakeAPI, opts ...hostup.Option) *hostup.Client {
	t.Helper()
	c, err := hostup.NewClient(f.URL, testToken, append([]hostup.Option{hostup.WithHTTPClient(f.Client())}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	hostup.SetBackoff(c, time.Millisecond, 2*time.Millisecond)
	return c
}

// sequence answers the n-th request with the n-th handler, repeating the last.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		hs[min(i, len(hs)-1)](w, r)
	}
}

func jsonBody(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func problemBody(status int, code, detail string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"type":      "https://developer.hostup.se/errors/" + code,
			"title":     http.StatusText(status),
			"status":    status,
			"detail":    detail,
			"code":      code,
			"instance":  r.URL.Path,
			"requestId": "req_01hxa3b4c5d6e7f8g9h0j1k2m3",
			"timestamp": "2026-04-27T12:34:56.000Z",
		})
	}
}

func htmlBody(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorder collects the observer's calls.
type recorder struct {
	mu    sync.Mutex
	calls []hostup.Call
}

func (r *recorder) observe(c hostup.Call) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

func (r *recorder) Calls() []hostup.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hostup.Call(nil), r.calls...)
}

func (r *recorder) Statuses() []int {
	var s []int
	for _, c := range r.Calls() {
		s = append(s, c.StatusCode)
	}
	return s
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func str(s string) *string   { return &s }
func num(f float64) *float64 { return &f }
func boolean(b bool) *bool   { return &b }
func pretty(v any) string    { b, _ := json.MarshalIndent(v, "", "  "); return string(b) }
