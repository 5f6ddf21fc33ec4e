package hostup

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrRateLimited is for gates (WithGate) to wrap when they refuse a call
// because of a rate limit, for instance inside the Retry-After window a 429
// set: IsRateLimited holds for such an error.
var ErrRateLimited = errors.New("rate limited by the HostUp API")

const (
	// excerptRunes bounds how much of a non-problem error body an error
	// message quotes.
	excerptRunes = 100
	// fieldRunes bounds each server-supplied text (detail, code, ...) in an
	// error message.
	fieldRunes = 200
	// minRedactLen: shorter tokens cannot be told from ordinary text, and no
	// real API key is that short.
	minRedactLen = 8
)

// APIError is a non-2xx answer from the API. The text fields come from the
// RFC 7807 problem body when it is JSON and are empty otherwise.
type APIError struct {
	Endpoint    string
	StatusCode  int
	Code        string
	Title       string
	Detail      string
	RequestID   string
	Type        string
	ContentType string
	// RetryAfter is what HostUp asked: on a 429, Retry-After (seconds or
	// HTTP-date), else X-RateLimit-Reset minus now; on other statuses
	// Retry-After if given; 0 if none.
	RetryAfter time.Duration
	// RetryAfterGiven is false when none of those headers was usable (so a
	// RetryAfter of 0 means "not said", not "now").
	RetryAfterGiven bool
	// BodyNotJSON is set when the body is empty or not a JSON object (a
	// proxy's HTML page, truncated JSON, a JSON array, for instance); the
	// message says which.
	BodyNotJSON bool

	excerpt  string // sanitized start of a body that is not a problem document
	kind     bodyKind
	jsonType string // for bodyNotObject
	size     int
	bodyErr  error // the parser's, for bodyNotJSON
}

// Error is one line: endpoint, HTTP status, code, detail, requestId and, for
// 401/403/429, what to do about it. It never holds the API key or headers.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("hostup: ")
	if e.Endpoint != "" {
		b.WriteString(e.Endpoint)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if e.BodyNotJSON {
		kind := e.kind
		if kind == bodyObject {
			// Built by hand, without a body: say what the fields say.
			kind = bodyNotJSON
			if mediaType(e.ContentType) == "text/html" {
				kind = bodyHTML
			}
		}
		b.WriteString(describeBody(kind, e.jsonType, e.ContentType, e.excerpt, e.size, e.bodyErr, "a problem document"))
	} else {
		if e.Code != "" {
			b.WriteString(" ")
			b.WriteString(clip(oneLine(e.Code), fieldRunes))
		}
		text := e.Detail
		if text == "" {
			text = e.Title
		}
		if text != "" {
			b.WriteString(": ")
			// The period would clash with the hint that may follow.
			b.WriteString(strings.TrimSuffix(clip(oneLine(text), fieldRunes), "."))
		} else if e.Code == "" && e.excerpt != "" {
			fmt.Fprintf(&b, " with a JSON body that is not a problem document: %q", e.excerpt)
		}
	}
	switch e.StatusCode {
	case http.StatusUnauthorized:
		b.WriteString("; the API key was rejected: check the configured token")
	case http.StatusForbidden:
		scope := "scope read:vm"
		if e.Endpoint == EndpointRoutedIPv6 {
			scope = "scopes read:network and read:vm"
		}
		fmt.Fprintf(&b, "; the API key probably lacks %s (or does not own the resource)", scope)
	case http.StatusTooManyRequests:
		if e.RetryAfterGiven {
			fmt.Fprintf(&b, "; rate limited, HostUp asks to wait %s", e.RetryAfter.Round(time.Millisecond))
		} else {
			b.WriteString("; rate limited, with no Retry-After")
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (requestId %s)", clip(oneLine(e.RequestID), fieldRunes))
	}
	return b.String()
}

// Temporary reports whether retrying might help: 5xx and 408.
func (e *APIError) Temporary() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusRequestTimeout
}

// IsNotFound reports whether err is a 404 from the API (not_found,
// vps_not_found or any other code): for VPSNetwork, a VPS deleted between
// the list and the detail call.
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == http.StatusNotFound
}

// IsAuth reports whether err is a 401 or 403 from the API: a key problem
// that retrying will not fix.
func IsAuth(err error) bool {
	var e *APIError
	return errors.As(err, &e) && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
}

// IsRateLimited reports whether err is a 429 from the API (whatever its
// code: rate_limit_exceeded, rate_limited, ...) or wraps ErrRateLimited (a
// call a gate refused). Use errors.Is(err, ErrRateLimited) to tell apart the
// calls that made no request.
func IsRateLimited(err error) bool {
	var e *APIError
	return errors.Is(err, ErrRateLimited) || (errors.As(err, &e) && e.StatusCode == http.StatusTooManyRequests)
}

// RedirectError is a 3xx answer. The client follows no redirect, since the
// API key would go along to wherever the Location points; it is not retried.
type RedirectError struct {
	Endpoint   string
	StatusCode int
	// Origin is scheme://host[:port] of the Location, resolved against the
	// request's URL: no path, no query, no user info. Empty when the
	// response had no usable Location.
	Origin string
}

func (e *RedirectError) Error() string {
	to := " (without a usable Location)"
	if e.Origin != "" {
		to = " to " + e.Origin
	}
	return fmt.Sprintf("hostup: %s: HTTP %d redirect%s refused: the API key is only sent to the configured API URL",
		e.Endpoint, e.StatusCode, to)
}

func newRedirectError(endpoint string, resp *http.Response, token string) *RedirectError {
	e := &RedirectError{Endpoint: endpoint, StatusCode: resp.StatusCode}
	if loc, err := resp.Location(); err == nil && loc.Host != "" {
		scheme := loc.Scheme
		if scheme == "" {
			scheme = "http"
		}
		e.Origin = clip(oneLine(redact(scheme+"://"+loc.Host, token)), fieldRunes)
	}
	return e
}

// DecodeError is a 2xx response whose body is not the JSON object the
// endpoint documents. Its message says what came instead, with the endpoint
// and the HTTP status: an HTML page, an empty body, truncated JSON, a body
// that is not JSON, or a JSON value that is not an object.
type DecodeError struct {
	Endpoint    string
	StatusCode  int    // of the response; 0 when not known
	ContentType string // of the response, when known
	// Err is the parser's error, when there is one; io.ErrUnexpectedEOF for
	// truncated JSON.
	Err error

	kind     bodyKind
	jsonType string // for bodyNotObject
	size     int    // bytes received
	excerpt  string // sanitised start of an HTML or non-JSON body
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hostup: %s: ", e.Endpoint)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	} else {
		b.WriteString("response")
	}
	b.WriteString(describeBody(e.kind, e.jsonType, e.ContentType, e.excerpt, e.size, e.Err, "an object"))
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// problem holds the RFC 7807 fields an error reports.
type problem struct {
	Type, Title, Detail, Code, RequestID string
}

func (p problem) empty() bool { return p.Code == "" && p.Title == "" && p.Detail == "" }

// decodeProblem reads an RFC 7807 body field by field, so a field of an
// unexpected type loses only that field. ok is false when body is not a JSON
// object.
func decodeProblem(body []byte) (p problem, ok bool) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return problem{}, false
	}
	str := func(key string) string {
		var s string
		if v, found := raw[key]; found && json.Unmarshal(v, &s) == nil {
			return s
		}
		return ""
	}
	return problem{
		Type:      str("type"),
		Title:     str("title"),
		Detail:    str("detail"),
		Code:      str("code"),
		RequestID: str("requestId"),
	}, true
}

// newAPIError builds the error for a non-2xx response with (the start of) its
// body. Every server-supplied text is stripped of the token, in case a
// misbehaving proxy echoes the request.
func newAPIError(endpoint string, resp *http.Response, body []byte, now time.Time, token string) *APIError {
	e := &APIError{
		Endpoint:    endpoint,
		StatusCode:  resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
	}
	e.RetryAfter, e.RetryAfterGiven = retryAfter(resp.Header, resp.StatusCode, now)
	p, isJSON := decodeProblem(trimBOM(body))
	switch {
	case !isJSON:
		e.BodyNotJSON = true
		e.kind, e.jsonType, e.bodyErr = classifyBody(body, e.ContentType)
		e.size = len(body)
		if e.kind == bodyHTML || e.kind == bodyNotJSON {
			e.excerpt = excerpt(body, e.ContentType, token)
		}
		if e.bodyErr != nil {
			// encoding/json quotes a character of the body, never more.
			e.bodyErr = redactError(e.bodyErr, token)
		}
	case p.empty():
		e.excerpt = excerpt(body, e.ContentType, token)
	}
	e.Type = redact(p.Type, token)
	e.Title = redact(p.Title, token)
	e.Detail = redact(p.Detail, token)
	e.Code = redact(p.Code, token)
	e.RequestID = redact(p.RequestID, token)
	if e.RequestID == "" {
		// Not documented; harmless to pick up if a proxy or HostUp sets it.
		e.RequestID = redact(resp.Header.Get("X-Request-Id"), token)
	}
	e.ContentType = redact(e.ContentType, token)
	return e
}

// redact removes token from s.
func redact(s, token string) string {
	if len(token) < minRedactLen {
		return s
	}
	return strings.ReplaceAll(s, token, "[REDACTED]")
}

// redactError returns err, or a plain error with its message stripped of
// token when the message holds it.
func redactError(err error, token string) error {
	if msg := err.Error(); redact(msg, token) != msg {
		return errors.New(redact(msg, token))
	}
	return err
}

// excerpt turns the start of an error body into at most excerptRunes
// printable characters on one line; HTML tags are dropped so a proxy's error
// page reads as its text.
func excerpt(body []byte, contentType, token string) string {
	s := redact(strings.ToValidUTF8(string(body), "\uFFFD"), token)
	if mediaType(contentType) == "text/html" || strings.HasPrefix(strings.TrimSpace(s), "<") {
		s = stripTags(s)
	}
	return clip(redact(oneLine(s), token), excerptRunes)
}

// stripTags replaces each <...> with a space.
func stripTags(s string) string {
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
			b.WriteByte(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine collapses runs of whitespace and control characters to one space.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// clip cuts s to n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}

func mediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	// Bounded either way: a server may send a media type of any length.
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return oneLine(clip(contentType, 60))
	}
	return clip(mt, 60)
}

// isJSONMediaType: application/json, application/problem+json and the like.
func isJSONMediaType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
