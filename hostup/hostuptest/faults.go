package hostuptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target selects the requests a Fault applies to.
type Target struct {
	// Endpoint is EndpointRoutedIPv6, EndpointVPSList or EndpointVPSNetwork;
	// empty matches all three.
	Endpoint string
	// VPSID, when set, restricts the fault to GET /api/v2/vps/{VPSID}/network.
	VPSID string
}

// ForVPS targets the network call of one VPS.
func ForVPS(id string) Target { return Target{Endpoint: EndpointVPSNetwork, VPSID: id} }

// Endpoint targets every call of one endpoint (an Endpoint* name).
func Endpoint(name string) Target { return Target{Endpoint: name} }

// Fault is a failure injected into matching requests. The zero Fault changes
// nothing. In order:
//   - Delay waits before anything else;
//   - Hang holds the request until the client goes away or the server closes,
//     and never answers;
//   - Location answers a redirect to it: Status (302 when 0) with a
//     Location header and Body (a short HTML page when nil), as a web
//     server or a proxy in front of the API would;
//   - Body answers Body as it is, with ContentType (sniffed when empty) and
//     Status (200 when 0): an HTML page from a proxy (BadGatewayPage),
//     truncated JSON; an empty but non-nil Body ([]byte{}) is an empty body;
//   - Status answers an RFC 7807 problem with Code. Status 0 with a Code takes
//     the status HostUp uses for it (404 for vps_not_found, 500 for a code it
//     does not know); Status 0 with a RetryAfter is 429; a 2xx Status without
//     Body is ignored;
//   - otherwise the normal response is served, changed by Set, Truncate,
//     RepeatCursor, SpinCursor and NoPaginationFields.
//
// One line each, for the faults met in the field:
//
//	Fault{Status: 429, NoRateLimitHeaders: true}         // 429 that says nothing of when
//	Fault{Code: "rate_limited", NoRateLimitHeaders: true} // the other 429 code
//	Fault{RetryAfter: 30 * time.Second}                   // 429 with Retry-After: 30
//	Fault{Status: 301, Location: other.URL}               // a redirect
//	Fault{Status: 502, Body: BadGatewayPage}              // a proxy's HTML 502
//	Fault{Body: []byte{}}                                 // an empty 200
//	Fault{Truncate: 100}                                  // the real 200 body, cut after 100 bytes
//	Fault{Set: map[string]any{"/interfaces/0/vlan": "112"}} // one field of the wrong type
//	Fault{Set: map[string]any{"/limits": []any{}}}          // an object sent as []
//	Fault{SpinCursor: true}                               // a new nextCursor every page, same items
//	Fault{NoPaginationFields: true}                       // a list page without hasMore/nextCursor
type Fault struct {
	Status int
	// Code is the problem's code; empty takes the usual one for Status
	// (rate_limit_exceeded for 429, internal_error for 500, ...).
	Code string
	// RetryAfter sets Retry-After (whole seconds, rounded up),
	// X-RateLimit-Remaining 0 and X-RateLimit-Reset (RFC 3339) that far ahead.
	RetryAfter time.Duration
	// NoRateLimitHeaders answers the fault without Retry-After and without
	// any X-RateLimit-* header: a 429 that does not say how long to wait
	// (Fault{Status: 429, NoRateLimitHeaders: true}). It overrides
	// RetryAfter's headers, not its choice of status.
	NoRateLimitHeaders bool
	Body               []byte
	ContentType        string
	Hang               bool
	Delay              time.Duration
	// RepeatCursor makes a VPS list page answer hasMore true and, as
	// nextCursor, the cursor it was asked with (the first page: its own
	// cursor), so a client that does not guard against it loops.
	RepeatCursor bool
	// Location, when set, makes the answer a redirect (see above):
	// Fault{Status: 301, Location: other.URL + "/api/v2/vps"}.
	Location string

	// Set patches the normal 2xx JSON body: each key is a JSON Pointer
	// (RFC 6901) into the document, each value the JSON to put there
	// (marshalled with encoding/json: nil is null, a json.RawMessage is
	// taken as it is). An object member is replaced or added; an array
	// element is replaced, and the index "-" appends one. Keys are applied
	// in sorted order. A pointer that does not resolve answers a 500
	// problem whose detail says why, so the test sees it.
	//
	//	Fault{Set: map[string]any{"/interfaces/0/vlan": "112"}}
	//	Fault{Set: map[string]any{"/interfaces/0/id": nil, "/interfaces/-": map[string]any{"id": nil, "mac": "52:54:00:00:00:02"}}}
	Set map[string]any
	// Truncate, when positive, cuts the normal 2xx body (after Set) to its
	// first Truncate bytes, with a Content-Length to match: the client
	// reads a complete response holding half a document.
	Truncate int
	// SpinCursor makes a VPS list page answer hasMore true and a nextCursor
	// never given before that leads to the same items again, so a client
	// that only guards against a repeated cursor pages for ever.
	SpinCursor bool
	// NoPaginationFields makes a VPS list page answer {"data": [...]} alone,
	// without hasMore and nextCursor: HostUp does not document the list's
	// envelope.
	NoPaginationFields bool
}

// BadGatewayPage is the HTML page nginx answers when the API behind it is
// down: Fault{Status: 502, Body: BadGatewayPage}.
var BadGatewayPage = []byte("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")

// reshape applies Set and Truncate to a normal 2xx body.
func (f *Fault) reshape(body []byte) ([]byte, error) {
	if len(f.Set) > 0 {
		var err error
		if body, err = patchJSON(body, f.Set); err != nil {
			return nil, err
		}
	}
	if f.Truncate > 0 && f.Truncate < len(body) {
		body = body[:f.Truncate]
	}
	return body, nil
}

// patchJSON applies Fault.Set to a JSON document.
func patchJSON(body []byte, set map[string]any) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("hostuptest: Fault.Set: the body is not JSON: %w", err)
	}
	for _, ptr := range slices.Sorted(maps.Keys(set)) {
		raw, err := json.Marshal(set[ptr])
		if err != nil {
			return nil, fmt.Errorf("hostuptest: Fault.Set[%q]: %w", ptr, err)
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("hostuptest: Fault.Set[%q]: %w", ptr, err)
		}
		if doc, err = setPointer(doc, ptr, v); err != nil {
			return nil, fmt.Errorf("hostuptest: Fault.Set[%q]: %w", ptr, err)
		}
	}
	return json.Marshal(doc)
}

// setPointer puts v at the JSON Pointer ptr in doc and returns the new doc.
func setPointer(doc any, ptr string, v any) (any, error) {
	if ptr == "" {
		return v, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, errors.New("a JSON Pointer starts with /")
	}
	head, rest, deeper := strings.Cut(ptr[1:], "/")
	head = strings.NewReplacer("~1", "/", "~0", "~").Replace(head)
	sub := ""
	if deeper {
		sub = "/" + rest
	}
	switch d := doc.(type) {
	case map[string]any:
		if !deeper {
			d[head] = v
			return d, nil
		}
		child, ok := d[head]
		if !ok {
			return nil, fmt.Errorf("no member %q", head)
		}
		nv, err := setPointer(child, sub, v)
		d[head] = nv
		return d, err
	case []any:
		if head == "-" {
			if deeper {
				return nil, errors.New(`"-" must be last`)
			}
			return append(d, v), nil
		}
		i, err := strconv.Atoi(head)
		if err != nil || i < 0 || i >= len(d) {
			return nil, fmt.Errorf("no element %q in an array of %d", head, len(d))
		}
		nv, err := setPointer(d[i], sub, v)
		d[i] = nv
		return d, err
	}
	return nil, fmt.Errorf("%q is inside a JSON %T, not an object or array", head, doc)
}

// Fail injects f into every request matching target until Clear. Rules
// added by Fail and FailTimes are tried in the order they were added; the
// first one that matches (and, for FailTimes, is not used up) applies, so
// FailTimes(t, a, 2) then Fail(t, b) gives a, a, b, b, ...
//
// Faults apply after the latency, after the 404/405 checks and before the
// token check. Fail panics on a target that can never match (an unknown
// endpoint name, a VPSID on another endpoint).
func (s *Server) Fail(target Target, f Fault) { s.faults.add(target, f, -1) }

// FailTimes injects f into the next n requests matching target only; n <= 0
// adds nothing.
func (s *Server) FailTimes(target Target, f Fault, n int) {
	if n > 0 {
		s.faults.add(target, f, n)
	}
}

// Clear removes every injected fault.
func (s *Server) Clear() { s.faults.clear() }

type faultRule struct {
	endpoint  endpoint // epNone: any
	vpsID     string
	fault     Fault
	remaining int // < 0: for ever
}

type faultSet struct {
	n     atomic.Int32 // len(rules), read without the lock on the hot path
	mu    sync.Mutex
	rules []*faultRule
}

func (fs *faultSet) add(t Target, f Fault, times int) {
	r := &faultRule{endpoint: epNone, vpsID: t.VPSID, fault: f, remaining: times}
	if t.Endpoint != "" {
		ep, ok := endpointByName(t.Endpoint)
		if !ok {
			panic(fmt.Sprintf("hostuptest: unknown endpoint %q in Target (want %s)", t.Endpoint, strings.Join(endpointNames[:], ", ")))
		}
		r.endpoint = ep
	}
	if t.VPSID != "" && r.endpoint != epNone && r.endpoint != epVPSNetwork {
		panic(fmt.Sprintf("hostuptest: Target{Endpoint: %q, VPSID: %q} never matches: VPSID is for %s", t.Endpoint, t.VPSID, EndpointVPSNetwork))
	}
	fs.mu.Lock()
	fs.rules = append(fs.rules, r)
	fs.n.Store(int32(len(fs.rules)))
	fs.mu.Unlock()
}

func (fs *faultSet) clear() {
	fs.mu.Lock()
	fs.rules = nil
	fs.n.Store(0)
	fs.mu.Unlock()
}

// match finds the fault for a request and spends one use of it.
func (fs *faultSet) match(ep endpoint, vpsID string) (Fault, bool) {
	if fs.n.Load() == 0 {
		return Fault{}, false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.endpoint != epNone && r.endpoint != ep {
			continue
		}
		if r.vpsID != "" && (ep != epVPSNetwork || r.vpsID != vpsID) {
			continue
		}
		if r.remaining > 0 {
			r.remaining--
			if r.remaining == 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
				fs.n.Store(int32(len(fs.rules)))
			}
		}
		return r.fault, true
	}
	return Fault{}, false
}

// fail applies f and reports whether it answered the request (or dropped
// it); false means the normal response follows.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 && !s.wait(r.Context(), f.Delay) {
		return true
	}
	if f.Hang {
		s.wait(r.Context(), -1)
		return true
	}

	status := f.Status
	if f.Location != "" {
		if status == 0 {
			status = http.StatusFound
		}
		w.Header().Set("Location", f.Location)
		if f.Body == nil {
			f.Body = []byte("<a href=\"" + html.EscapeString(f.Location) + "\">" + http.StatusText(status) + "</a>.\n")
			f.ContentType = "text/html; charset=utf-8"
		}
	}
	if f.Body != nil {
		if status == 0 {
			status = http.StatusOK
		}
		h := w.Header()
		if f.RetryAfter > 0 && !f.NoRateLimitHeaders {
			s.setRetryAfter(h, f.RetryAfter)
		}
		ct := f.ContentType
		if ct == "" {
			ct = http.DetectContentType(f.Body)
		}
		h.Set("Content-Type", ct)
		h.Set("Content-Length", strconv.Itoa(len(f.Body)))
		w.WriteHeader(status)
		_, _ = w.Write(f.Body)
		return true
	}

	if status >= 200 && status < 300 {
		status = 0
	}
	if status == 0 && f.Code != "" {
		status = statusForCode(f.Code)
	}
	if status == 0 && f.RetryAfter > 0 {
		status = http.StatusTooManyRequests
	}
	if status == 0 {
		return false
	}
	code := f.Code
	if code == "" {
		code = codeForStatus(status)
	}
	switch {
	case f.NoRateLimitHeaders:
		s.writeProblem(w, r, status, code, "")
	case f.RetryAfter > 0:
		s.setRetryAfter(w.Header(), f.RetryAfter)
		s.writeProblem(w, r, status, code, "")
	default:
		s.problem(w, r, status, code, "")
	}
	return true
}

func (s *Server) setRetryAfter(h http.Header, d time.Duration) {
	secs := int64(math.Ceil(d.Seconds()))
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	h.Set("X-RateLimit-Limit", s.rate.limitText)
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", formatReset(time.Now().Add(time.Duration(secs)*time.Second)))
}

// problem answers an RFC 7807 problem as the API itself would, spending rate
// budget like any answered request.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, code, detail string, errs ...fieldError) {
	s.rate.setHeaders(w.Header(), time.Now())
	s.writeProblem(w, r, status, code, detail, errs...)
}

type problemBody struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail"`
	Code      string       `json:"code"`
	Instance  string       `json:"instance"`
	RequestID string       `json:"requestId"`
	Timestamp string       `json:"timestamp"`
	Errors    []fieldError `json:"errors,omitempty"`
}

type fieldError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
	Code    string `json:"code"`
}

func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, status int, code, detail string, errs ...fieldError) {
	title, stdDetail := problemText(status)
	if detail == "" {
		detail = stdDetail
	}
	body, err := json.Marshal(problemBody{
		Type:      "https://developer.hostup.se/errors/" + code,
		Title:     title,
		Status:    status,
		Detail:    detail,
		Code:      code,
		Instance:  r.URL.Path,
		RequestID: "req_" + ulid(0x7265710000000000, s.reqSeq.Add(1)),
		Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		Errors:    errs,
	})
	if err != nil {
		panic(err) // strings and ints only
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// problemText is the title and default detail HostUp's reference gives per
// status.
func problemText(status int) (title, detail string) {
	switch status {
	case http.StatusBadRequest:
		return "Invalid request", "The request failed validation."
	case http.StatusUnauthorized:
		return "Unauthorized", "Authentication is required."
	case http.StatusForbidden:
		return "Forbidden", "The caller lacks a required scope or does not own the resource."
	case http.StatusNotFound:
		return "Not found", "The requested resource could not be found."
	case http.StatusTooManyRequests:
		return "Too many requests", "Too many requests. Retry after the limit resets."
	case http.StatusInternalServerError:
		return "Internal server error", "An unexpected error occurred. Retry later or contact support if the issue persists."
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Error " + strconv.Itoa(status)
	}
	return text, text + "."
}

// codeForStatus is the problem code HostUp's catalogue uses for a status.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "vps_not_ready"
	case http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "upstream_unavailable"
	}
	if status >= 500 {
		return "internal_error"
	}
	return "invalid_request"
}

// statusForCode is the status HostUp's catalogue gives a code.
func statusForCode(code string) int {
	switch code {
	case "invalid_request", "invalid_cursor":
		return http.StatusBadRequest
	case "unauthorized":
		return http.StatusUnauthorized
	case "forbidden", "verification_failed":
		return http.StatusForbidden
	case "not_found", "vps_not_found":
		return http.StatusNotFound
	case "vps_not_ready":
		return http.StatusConflict
	case "rate_limit_exceeded", "rate_limited":
		return http.StatusTooManyRequests
	case "upstream_unavailable":
		return http.StatusServiceUnavailable
	}
	if strings.HasPrefix(code, "upstream_") {
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}
