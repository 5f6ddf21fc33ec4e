package hostuptest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// Endpoint names, as used by Target, Calls and the exporter's `endpoint`
// label.
const (
	EndpointRoutedIPv6 = "routed_ipv6"
	EndpointVPSList    = "vps_list"
	EndpointVPSNetwork = "vps_network"
)

// endpoint indexes the per-endpoint counters; epNone is any other path.
type endpoint int

const (
	epNone endpoint = iota - 1
	epRoutedIPv6
	epVPSList
	epVPSNetwork
	numEndpoints
)

var endpointNames = [numEndpoints]string{EndpointRoutedIPv6, EndpointVPSList, EndpointVPSNetwork}

func endpointByName(name string) (endpoint, bool) {
	for i, n := range endpointNames {
		if n == name {
			return endpoint(i), true
		}
	}
	return epNone, false
}

// VPS list paging, as HostUp documents `limit` (1..100) and its sibling lists
// default it.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// The fake never refuses a request on its own; the budget only feeds the
// X-RateLimit-* headers. It is large so that benchmarks do not drive a client
// that honours X-RateLimit-Remaining into waiting.
const (
	defaultRateLimit  = 1_000_000
	defaultRateWindow = time.Minute
)

// Server is a fake HostUp API listening on a loopback address, like
// httptest.Server (whose fields and methods it has: URL, Client, Start,
// Close, ...).
type Server struct {
	*httptest.Server

	latency  time.Duration
	pageSize int
	rate     rateBudget

	snap    atomic.Pointer[snapshot]
	faults  faultSet
	calls   [numEndpoints]atomic.Int64
	total   atomic.Int64
	reqSeq  atomic.Uint64
	closing chan struct{}
	once    sync.Once
}

// Option configures a Server.
type Option func(*Server)

// WithLatency adds d before every response. The wait ends early, without an
// answer, when the client goes away or the server is closed.
func WithLatency(d time.Duration) Option {
	return func(s *Server) { s.latency = max(d, 0) }
}

// WithPageSize caps the page size of GET /api/v2/vps at n (1..100; 0 is no
// cap). Without it the server honours ?limit= (default 20, at most 100).
func WithPageSize(n int) Option {
	if n < 0 || n > maxPageSize {
		panic(fmt.Sprintf("hostuptest: WithPageSize(%d): want 1..%d, or 0 for no cap", n, maxPageSize))
	}
	return func(s *Server) { s.pageSize = n }
}

// WithRateLimit sets the budget reported in X-RateLimit-Limit and counted
// down in X-RateLimit-Remaining (never below 0); it refills every window,
// whose end is X-RateLimit-Reset. The default is 1,000,000 a minute. The
// server does not refuse requests when the budget is spent: inject a Fault
// with RetryAfter for that.
func WithRateLimit(limit int, window time.Duration) Option {
	if limit < 0 || window <= 0 {
		panic(fmt.Sprintf("hostuptest: WithRateLimit(%d, %v): want limit >= 0 and window > 0", limit, window))
	}
	return func(s *Server) { s.rate.limit, s.rate.window = limit, window }
}

// NewServer starts a fake API serving acct on 127.0.0.1, like
// httptest.NewServer. The caller must Close it.
func NewServer(acct *Account, opts ...Option) *Server {
	s := NewUnstartedServer(acct, opts...)
	s.Start()
	return s
}

// NewUnstartedServer is NewServer without Start, like
// httptest.NewUnstartedServer: its Listener and Config may be changed before
// Start. It must be Closed even if never started, to release the listener.
func NewUnstartedServer(acct *Account, opts ...Option) *Server {
	s := &Server{closing: make(chan struct{})}
	s.rate.limit, s.rate.window = defaultRateLimit, defaultRateWindow
	for _, o := range opts {
		o(s)
	}
	s.rate.start(time.Now())
	s.SetAccount(acct)
	s.Server = httptest.NewUnstartedServer(s.Handler())
	return s
}

// Close releases every request held by Hang, a Delay or the latency (their
// connections are dropped without an answer), then shuts the server down
// like httptest.Server.Close.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.Server.Close()
}

// Handler is the fake API as a bare handler, for a server run outside
// httptest (cmd/hostup-fake-api). Requests it holds are released by Close.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// SetAccount replaces the account served, atomically: a request sees either
// the old or the new one. The account is marshalled here, once, so requests
// only copy bytes. A nil acct is an empty account.
//
// SetAccount panics if the account cannot be marshalled (an invalid
// OperatingSystem json.RawMessage).
func (s *Server) SetAccount(acct *Account) { s.snap.Store(compile(acct)) }

// Calls is the number of requests received for one endpoint (an Endpoint*
// name) since the start or the last ResetCalls, whatever their outcome
// (fault, 401, 405 included).
func (s *Server) Calls(endpointName string) int {
	ep, ok := endpointByName(endpointName)
	if !ok {
		return 0
	}
	return int(s.calls[ep].Load())
}

// TotalCalls is the number of requests received, on any path.
func (s *Server) TotalCalls() int { return int(s.total.Load()) }

// ResetCalls sets every call counter to zero.
func (s *Server) ResetCalls() {
	for i := range s.calls {
		s.calls[i].Store(0)
	}
	s.total.Store(0)
}

// snapshot is an Account marshalled once, so that a request costs a lookup
// and a copy however large the account is.
type snapshot struct {
	auth string // "Bearer <token>", or "" for no auth

	// items holds the VPS list as one JSON array body without brackets;
	// VPS i is items[start[i]:end[i]], and a page of consecutive VPSes is
	// one sub-slice of it.
	items      []byte
	start, end []int
	byName     map[string][]int // lower-cased name -> indexes
	byIP       map[string][]int // primaryIp -> indexes

	networks map[string][]byte
	routed   []byte
}

func compile(acct *Account) *snapshot {
	if acct == nil {
		acct = &Account{}
	}
	sn := &snapshot{
		start:    make([]int, len(acct.VPS)),
		end:      make([]int, len(acct.VPS)),
		byName:   make(map[string][]int, len(acct.VPS)),
		byIP:     make(map[string][]int, len(acct.VPS)),
		networks: make(map[string][]byte, len(acct.Networks)+len(acct.RawNetworks)),
	}
	if acct.Token != "" {
		sn.auth = "Bearer " + acct.Token
	}

	var buf bytes.Buffer
	for i, v := range acct.VPS {
		b, err := json.Marshal(v)
		if err != nil {
			panic(fmt.Sprintf("hostuptest: VPS[%d] %q: %v", i, v.ID, err))
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		sn.start[i] = buf.Len()
		buf.Write(b)
		sn.end[i] = buf.Len()
		key := strings.ToLower(v.Name)
		sn.byName[key] = append(sn.byName[key], i)
		if v.PrimaryIP != nil {
			sn.byIP[*v.PrimaryIP] = append(sn.byIP[*v.PrimaryIP], i)
		}
	}
	sn.items = buf.Bytes()

	for id, n := range acct.Networks {
		if n == nil {
			continue
		}
		b, err := json.Marshal(n)
		if err != nil {
			panic(fmt.Sprintf("hostuptest: Networks[%q]: %v", id, err))
		}
		sn.networks[id] = b
	}
	for id, b := range acct.RawNetworks {
		if b != nil {
			sn.networks[id] = clone(b)
		}
	}

	switch {
	case acct.RawRoutedIPv6 != nil:
		sn.routed = clone(acct.RawRoutedIPv6)
	default:
		r := acct.RoutedIPv6
		if r == nil {
			r = &hostup.RoutedIPv6{
				Available:            ptr(false),
				AllowedPrefixLengths: []float64{},
				Pools:                []hostup.Pool{},
				Destinations:         []hostup.Destination{},
				Actions:              hostup.Actions{},
			}
		}
		b, err := json.Marshal(r)
		if err != nil {
			panic(fmt.Sprintf("hostuptest: RoutedIPv6: %v", err))
		}
		sn.routed = b
	}
	return sn
}

// route maps a request path to its endpoint and, for the network endpoint,
// the VPS id.
func route(path string) (endpoint, string) {
	switch path {
	case "/api/v2/routed-ipv6":
		return epRoutedIPv6, ""
	case "/api/v2/vps":
		return epVPSList, ""
	}
	if rest, ok := strings.CutPrefix(path, "/api/v2/vps/"); ok {
		if id, ok := strings.CutSuffix(rest, "/network"); ok && id != "" && !strings.Contains(id, "/") {
			return epVPSNetwork, id
		}
	}
	return epNone, ""
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.total.Add(1)
	ep, vpsID := route(r.URL.Path)
	if ep != epNone {
		s.calls[ep].Add(1)
	}
	if !s.wait(r.Context(), s.latency) {
		return
	}

	switch {
	case ep == epNone:
		s.problem(w, r, http.StatusNotFound, "not_found", "")
		return
	case r.Method != http.MethodGet:
		w.Header().Set("Allow", http.MethodGet)
		s.problem(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "")
		return
	}

	// f changes the normal answer (Set, Truncate, RepeatCursor, ...).
	var f Fault
	if m, ok := s.faults.match(ep, vpsID); ok {
		if s.fail(w, r, m) {
			return
		}
		f = m
	}

	sn := s.snap.Load()
	if sn.auth != "" && !authorized(r.Header.Get("Authorization"), sn.auth) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		s.problem(w, r, http.StatusUnauthorized, "unauthorized", "")
		return
	}

	switch ep {
	case epRoutedIPv6:
		s.writeShaped(w, r, sn.routed, &f)
	case epVPSNetwork:
		body, ok := sn.networks[vpsID]
		if !ok {
			s.problem(w, r, http.StatusNotFound, "vps_not_found", fmt.Sprintf("VPS %s was not found.", vpsID))
			return
		}
		s.writeShaped(w, r, body, &f)
	case epVPSList:
		s.serveList(w, r, sn, &f)
	}
}

// authorized accepts the scheme in any case, as RFC 9110 has it.
func authorized(header, want string) bool {
	scheme, token, ok := strings.Cut(header, " ")
	return ok && strings.EqualFold(scheme, "Bearer") && token == want[len("Bearer "):]
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, sn *snapshot, f *Fault) {
	q := r.URL.Query()

	limit := defaultPageSize
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > maxPageSize {
			s.problem(w, r, http.StatusBadRequest, "invalid_request", "The request query failed validation.",
				fieldError{Pointer: "/limit", Detail: "`limit` must be an integer from 1 to 100.", Code: "invalid_request"})
			return
		}
		limit = n
	}
	if s.pageSize > 0 && limit > s.pageSize {
		limit = s.pageSize
	}

	// idx is nil for the whole list, else the matching indexes in order.
	var idx []int
	filtered := false
	if name := q.Get("name"); name != "" {
		idx, filtered = sn.byName[strings.ToLower(name)], true
	}
	if ip := q.Get("primaryIp"); ip != "" {
		byIP := sn.byIP[ip]
		if filtered {
			idx = intersect(idx, byIP)
		} else {
			idx, filtered = byIP, true
		}
	}
	total := len(sn.start)
	if filtered {
		total = len(idx)
	}

	cursor := q.Get("cursor")
	offset := 0
	if cursor != "" {
		var ok bool
		if offset, ok = decodeCursor(cursor); !ok {
			s.problem(w, r, http.StatusBadRequest, "invalid_cursor", "The cursor is malformed or expired.")
			return
		}
		// A well-formed cursor past the end (the account shrank under
		// SetAccount) is the end of the list, not an error.
		offset = min(offset, total)
	}
	end := min(offset+limit, total)

	hasMore := end < total
	next := ""
	if hasMore {
		next = encodeCursor(end)
	}
	switch {
	case f.RepeatCursor:
		hasMore = true
		next = cursor
		if next == "" {
			next = encodeCursor(offset)
		}
	case f.SpinCursor:
		// The same offset, so the same items, under a cursor never seen.
		hasMore = true
		next = encodeSpinCursor(offset, s.reqSeq.Add(1))
	}

	body := make([]byte, 0, 64+len(next)+pageBytes(sn, idx, filtered, offset, end))
	body = append(body, `{"data":[`...)
	switch {
	case offset == end:
	case !filtered:
		body = append(body, sn.items[sn.start[offset]:sn.end[end-1]]...)
	default:
		for k, i := range idx[offset:end] {
			if k > 0 {
				body = append(body, ',')
			}
			body = append(body, sn.items[sn.start[i]:sn.end[i]]...)
		}
	}
	body = append(body, ']')
	if !f.NoPaginationFields {
		body = append(body, `,"hasMore":`...)
		body = strconv.AppendBool(body, hasMore)
		body = append(body, `,"nextCursor":`...)
		if next == "" {
			body = append(body, "null"...)
		} else {
			body = strconv.AppendQuote(body, next)
		}
	}
	body = append(body, '}')
	s.writeShaped(w, r, body, f)
}

func pageBytes(sn *snapshot, idx []int, filtered bool, offset, end int) int {
	switch {
	case offset == end:
		return 0
	case !filtered:
		return sn.end[end-1] - sn.start[offset]
	}
	n := 0
	for _, i := range idx[offset:end] {
		n += sn.end[i] - sn.start[i] + 1
	}
	return n
}

func intersect(a, b []int) []int {
	var out []int
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

// Cursors are opaque to clients; here they are the offset of the next item,
// so any page size can follow any other.
const cursorPrefix = "offset:"

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset)))
}

// encodeSpinCursor is a cursor for offset that differs for every seq
// (Fault.SpinCursor).
func encodeSpinCursor(offset int, seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.Itoa(offset) + ";" + strconv.FormatUint(seq, 10)))
}

func decodeCursor(c string) (int, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	digits, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, false
	}
	digits, _, _ = strings.Cut(digits, ";")
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// writeShaped writes a normal 2xx body as changed by f (Set, Truncate).
func (s *Server) writeShaped(w http.ResponseWriter, r *http.Request, body []byte, f *Fault) {
	body, err := f.reshape(body)
	if err != nil {
		s.problem(w, r, http.StatusInternalServerError, "internal_error", err.Error())
		return
	}
	s.writeJSON(w, body)
}

func (s *Server) writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	s.rate.setHeaders(h, time.Now())
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// wait sleeps for d, or until the client goes away (false). d < 0 waits for
// ever. When the server closes, the handler is aborted with
// http.ErrAbortHandler, which makes net/http drop the connection: the client
// sees a broken connection, not an empty 200.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d == 0 {
		return true
	}
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		panic(http.ErrAbortHandler)
	}
}

// rateBudget feeds the X-RateLimit-* headers: a budget counted down per
// answered request and refilled every window.
type rateBudget struct {
	limit     int
	window    time.Duration
	limitText string

	mu        sync.Mutex
	remaining int
	reset     time.Time
	resetText string
}

func (b *rateBudget) start(now time.Time) {
	b.limitText = strconv.Itoa(b.limit)
	b.remaining = b.limit
	b.reset = now.Add(b.window)
	b.resetText = formatReset(b.reset)
}

// formatReset rounds up to whole seconds, as RFC 3339 here has no fraction:
// a client waiting until the reset never comes back early.
func formatReset(t time.Time) string {
	if r := t.Truncate(time.Second); r.Before(t) {
		t = r.Add(time.Second)
	}
	return t.UTC().Format(time.RFC3339)
}

// setHeaders spends one request of the budget and reports it.
func (b *rateBudget) setHeaders(h http.Header, now time.Time) {
	b.mu.Lock()
	if !now.Before(b.reset) {
		for !now.Before(b.reset) {
			b.reset = b.reset.Add(b.window)
		}
		b.remaining = b.limit
		b.resetText = formatReset(b.reset)
	}
	if b.remaining > 0 {
		b.remaining--
	}
	remaining, reset := b.remaining, b.resetText
	b.mu.Unlock()

	h.Set("X-RateLimit-Limit", b.limitText)
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", reset)
}
