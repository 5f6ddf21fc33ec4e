package hostup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Endpoint names, used in metrics labels by the collector.
const (
	EndpointRoutedIPv6 = "routed_ipv6"
	EndpointVPSList    = "vps_list"
	EndpointVPSNetwork = "vps_network"
)

const (
	defaultUserAgent = "hostup_exporter/dev"
	defaultMaxPages  = 1000
	defaultPageSize  = 100
	maxPageSize      = 100 // the API's documented maximum for `limit`
	defaultRetries   = 2

	// maxBodyBytes bounds what is read of a 2xx body for decoding; an account
	// page or a VPS network document is a few KiB.
	maxBodyBytes = 32 << 20
	// errorBodyBytes bounds what is read of an error body; a problem document
	// is well under 1 KiB, a proxy's HTML page a few KiB.
	errorBodyBytes = 64 << 10
	// drainBytes bounds what is discarded from a body before closing it so
	// the connection can go back to the pool; a longer leftover costs a
	// reconnect, not an unbounded read.
	drainBytes = 64 << 10
)

// defaultTransport is shared by every Client built without WithHTTPClient,
// so the accounts of one exporter reuse one pool of keep-alive connections to
// the API host. It has no overall timeout: each call is bounded by its context
// (the scrape deadline).
var defaultTransport = newDefaultTransport()

func newDefaultTransport() *http.Transport {
	var t *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	} else {
		t = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ForceAttemptHTTP2:     true,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	t.MaxIdleConns = 128
	t.MaxIdleConnsPerHost = 64
	return t
}

// Client reads HostUp's v2 API with one API key. It is safe for concurrent
// use. It keeps no rate-limit state of its own: it reports what each
// response says (Call.RateLimit, APIError.RetryAfter) and asks the gate set
// with WithGate before every attempt, so the policy lives with the caller.
type Client struct {
	baseURL   string // scheme://host[/prefix], no trailing slash
	token     atomic.Pointer[string]
	hc        *http.Client
	userAgent string
	observer  func(Call)
	maxPages  int
	pageSize  int
	retries   int
	gate      func(ctx context.Context, endpoint string) error // nil: always open

	// Unexported so tests can drive the clock, the backoff and the body cap.
	now         func() time.Time
	backoffBase time.Duration
	backoffMax  time.Duration
	maxBody     int64
}

// Option configures a Client.
type Option func(*Client)

// Call describes one HTTP attempt, for metrics. It is handed to the observer
// set with WithObserver.
type Call struct {
	Endpoint   string // one of the Endpoint* constants
	StatusCode int    // 0 for a transport error / no response
	Duration   time.Duration
	RateLimit  RateLimit // headers of this response (zero if absent)
}

// WithHTTPClient makes the client send its requests through hc instead of
// the shared default. A nil hc is ignored. The client uses a shallow copy of
// hc that follows no redirect (hc itself is not changed): a 3xx answer is a
// RedirectError, since following it would send the API key elsewhere.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithUserAgent sets the User-Agent header, normally
// "hostup_exporter/<version>". An empty ua keeps the default.
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// WithObserver registers fn to be called synchronously once per HTTP attempt,
// retries and failures included. Calls that are refused before reaching the
// network (by the gate, or context already done) are not attempts and are
// not observed. fn may be called from several goroutines.
func WithObserver(fn func(Call)) Option {
	return func(c *Client) { c.observer = fn }
}

// WithMaxPages caps how many pages ListVPS follows (default 1000).
func WithMaxPages(n int) Option {
	return func(c *Client) { c.maxPages = n }
}

// WithPageSize sets the `limit` query of the VPS list, 1..100 (default 100).
func WithPageSize(n int) Option {
	return func(c *Client) { c.pageSize = n }
}

// WithRetries sets how many extra attempts a transient failure (transport
// error, 5xx, 408) gets (default 2).
func WithRetries(n int) Option {
	return func(c *Client) { c.retries = n }
}

// WithGate makes the client call fn before every HTTP attempt, retries
// included, with the attempt's context and endpoint (an Endpoint* name). fn
// may wait (pacing) and must honour ctx. When it returns an error the call
// fails with that error, wrapped with the endpoint (errors.Is and errors.As
// see through), and no request is made. A gate that refuses because of a
// rate limit should return an error wrapping ErrRateLimited, so that
// IsRateLimited holds. A nil fn means no gate (the default).
func WithGate(fn func(ctx context.Context, endpoint string) error) Option {
	return func(c *Client) { c.gate = fn }
}

// NewClient returns a client for the API at baseURL (for example
// https://cloud.hostup.se, without /api/v2) authenticating with token.
func NewClient(baseURL, token string, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(baseURL)
	if err != nil {
		// The message quotes the URL, which holds the token when the two
		// arguments were swapped.
		return nil, redactError(err, token)
	}
	if err := checkToken(token); err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:     base,
		hc:          &http.Client{Transport: defaultTransport},
		userAgent:   defaultUserAgent,
		maxPages:    defaultMaxPages,
		pageSize:    defaultPageSize,
		retries:     defaultRetries,
		now:         time.Now,
		backoffBase: 100 * time.Millisecond,
		backoffMax:  2 * time.Second,
		maxBody:     maxBodyBytes,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(c)
		}
	}
	switch {
	case c.pageSize < 1 || c.pageSize > maxPageSize:
		return nil, fmt.Errorf("hostup: page size %d out of range 1..%d", c.pageSize, maxPageSize)
	case c.maxPages < 1:
		return nil, fmt.Errorf("hostup: page cap %d must be at least 1", c.maxPages)
	case c.retries < 0:
		return nil, fmt.Errorf("hostup: retries %d must not be negative", c.retries)
	}
	// No redirect is followed, whatever hc's own policy: the Authorization
	// header would go along (net/http keeps it for a redirect to the same
	// host, a port or scheme change included). The copy is shallow, so the
	// Transport and its connections are still shared.
	hc := *c.hc
	hc.CheckRedirect = refuseRedirects
	c.hc = &hc
	c.token.Store(&token)
	return c, nil
}

func parseBaseURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("hostup: base URL is empty")
	}
	// Until the value is known to be a URL it is not quoted: with the
	// arguments of NewClient swapped, it is the API key.
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("hostup: invalid base URL: %w", err)
	}
	switch {
	case u.Scheme == "":
		return "", errors.New("hostup: base URL must be an absolute http or https URL, like https://cloud.hostup.se")
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("hostup: base URL must be an absolute http or https URL, not %s", u.Scheme)
	case u.Host == "":
		return "", fmt.Errorf("hostup: base URL %q has no host", u.Redacted())
	case u.User != nil:
		return "", fmt.Errorf("hostup: base URL %q must not carry user info; the API key is passed separately", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", fmt.Errorf("hostup: base URL %q must not have a query or fragment", u.Redacted())
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	if strings.HasSuffix(path, "/api/v2") {
		return "", fmt.Errorf("hostup: base URL %q must not include /api/v2; the client adds it", u.Redacted())
	}
	return u.Scheme + "://" + u.Host + path, nil
}

func checkToken(token string) error {
	if token == "" {
		return errors.New("hostup: API token is empty")
	}
	for _, r := range token {
		if r <= ' ' || r == 0x7f {
			// Most often a trailing newline from a token file.
			return errors.New("hostup: API token contains whitespace or control characters")
		}
	}
	return nil
}

// SetToken swaps the API key used by subsequent attempts (config reload).
// Calls in flight finish with the key they started the attempt with.
func (c *Client) SetToken(token string) {
	c.token.Store(&token)
}

func (c *Client) currentToken() string {
	return *c.token.Load()
}

// refuseRedirects makes net/http hand back a 3xx as it is.
func refuseRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// String describes the client without its API key.
func (c *Client) String() string { return "hostup.Client(" + c.baseURL + ")" }

// GoString keeps %#v from printing the API key.
func (c *Client) GoString() string { return c.String() }

// RoutedIPv6 reads GET /api/v2/routed-ipv6.
func (c *Client) RoutedIPv6(ctx context.Context) (*RoutedIPv6, error) {
	r, err := c.get(ctx, EndpointRoutedIPv6, "/api/v2/routed-ipv6")
	if err != nil {
		return nil, err
	}
	defer releaseBody(r.body)
	v, err := decodeRoutedIPv6(r.body.Bytes())
	return v, c.decodeFailure(err, r)
}

// VPSNetwork reads GET /api/v2/vps/{id}/network. A VPS deleted since it was
// listed gives an error for which IsNotFound is true.
func (c *Client) VPSNetwork(ctx context.Context, id string) (*VPSNetwork, error) {
	r, err := c.VPSNetworkSince(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	return r.Network, nil
}

// NetworkRead is one successful read of GET /api/v2/vps/{id}/network: the
// decoded state and a digest of the body it was decoded from.
type NetworkRead struct {
	Network *VPSNetwork
	digest  [sha256.Size]byte
}

// VPSNetworkSince is VPSNetwork given the previous read of the same VPS (nil
// if none). When the body is the one prev was decoded from (same SHA-256),
// prev.Network is returned again instead of a new decode. An exporter reads
// every VPS on every scrape and a VPS's network state seldom changes between
// two, so this spares most decoding, which was a sixth of the exporter's CPU
// (BENCHMARKS.md); hashing a body costs a few percent of decoding it. The
// Network returned may thus be shared with prev: like every decoded value,
// it must not be modified.
func (c *Client) VPSNetworkSince(ctx context.Context, id string, prev *NetworkRead) (*NetworkRead, error) {
	if id == "" {
		return nil, fmt.Errorf("hostup: %s: empty VPS id", EndpointVPSNetwork)
	}
	r, err := c.get(ctx, EndpointVPSNetwork, "/api/v2/vps/"+url.PathEscape(id)+"/network")
	if err != nil {
		return nil, err
	}
	defer releaseBody(r.body)
	digest := sha256.Sum256(r.body.Bytes())
	if prev != nil && prev.Network != nil && prev.digest == digest {
		return prev, nil
	}
	v, err := decodeVPSNetwork(r.body.Bytes())
	if err != nil {
		return nil, c.decodeFailure(err, r)
	}
	return &NetworkRead{Network: v, digest: digest}, nil
}

// decodeFailure completes a decode error of r's body with what only the
// client knows: the status, the Content-Type and an excerpt of the body
// without the token.
func (c *Client) decodeFailure(err error, r reply) error {
	var de *DecodeError
	if !errors.As(err, &de) {
		return err
	}
	token := c.currentToken()
	contentType, body := r.contentType, r.body.Bytes()
	de.StatusCode = r.status
	de.ContentType = redact(contentType, token)
	if de.kind == bodyNotJSON && mediaType(contentType) == "text/html" {
		de.kind = bodyHTML
	}
	if de.kind == bodyHTML || de.kind == bodyNotJSON {
		de.excerpt = rawExcerpt(body, token)
	}
	if de.Err != nil {
		// encoding/json's messages name types, fields and one character
		// of the input, not values; this keeps it so should that change.
		de.Err = redactError(de.Err, token)
	}
	return de
}

// reply is a 2xx response: its body (bounded by maxBody), which the caller
// hands back with releaseBody once decoded, its Content-Type and status.
type reply struct {
	body        *bytes.Buffer
	contentType string
	status      int
}

// attempt makes one HTTP request. retry reports whether the failure is
// transient.
func (c *Client) attempt(ctx context.Context, endpoint, target string) (r reply, retry bool, err error) {
	token := c.currentToken()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return reply{}, false, fmt.Errorf("hostup: %s: building request: %w", endpoint, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	call := Call{Endpoint: endpoint}
	start := time.Now()
	// Observe after the body is read and closed, so Duration covers it.
	defer func() {
		call.Duration = time.Since(start)
		if c.observer != nil {
			c.observer(call)
		}
	}()

	resp, err := c.hc.Do(req)
	if err != nil {
		return reply{}, ctx.Err() == nil, transportError(ctx, endpoint, err)
	}
	defer drainAndClose(resp.Body)
	call.StatusCode = resp.StatusCode
	call.RateLimit = parseRateLimit(resp.Header)

	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return reply{}, false, newRedirectError(endpoint, resp, token)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		body, err := readBody(resp, c.maxBody+1)
		if err != nil {
			releaseBody(body)
			return reply{}, ctx.Err() == nil, transportError(ctx, endpoint,
				fmt.Errorf("reading the HTTP %d response: %w", resp.StatusCode, err))
		}
		if int64(body.Len()) > c.maxBody {
			releaseBody(body)
			return reply{}, false, fmt.Errorf("hostup: %s: HTTP %d response larger than %d bytes", endpoint, resp.StatusCode, c.maxBody)
		}
		return reply{body: body, contentType: resp.Header.Get("Content-Type"), status: resp.StatusCode}, false, nil
	}

	// A failed read leaves a shorter excerpt; the status alone still makes
	// the error.
	errBody, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
	apiErr := newAPIError(endpoint, resp, errBody, c.now(), token)
	return reply{}, apiErr.Temporary(), apiErr
}

// transportError wraps a failure without an HTTP status. When the context is
// done the context's error is in the chain, so errors.Is(err,
// context.DeadlineExceeded) holds. The message names the URL (net/http's
// url.Error), which never holds the token.
func transportError(ctx context.Context, endpoint string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return fmt.Errorf("hostup: %s: %w", endpoint, err)
}

// readBody reads at most limit bytes of a response body, like
// io.ReadAll(io.LimitReader(resp.Body, limit)), into a buffer from bodies
// sized from Content-Length: io.ReadAll starts at 512 bytes and doubles,
// which for a 4 KB network document was five buffers and ~40% of the
// client's allocation (BENCHMARKS.md). Content-Length is only a hint: a body
// that is longer or shorter reads as it would have. The caller hands the
// buffer back with releaseBody once done with the bytes.
func readBody(resp *http.Response, limit int64) (*bytes.Buffer, error) {
	buf := bodies.Get().(*bytes.Buffer)
	if n := resp.ContentLength; n > 0 {
		// Capped, so that a lying header cannot make us allocate a lot;
		// bytes.MinRead spare so that reading EOF does not grow it.
		buf.Grow(int(min(n, limit, maxBodyHint)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit))
	return buf, err
}

// bodies holds the buffers of response bodies that have been decoded. A
// scrape reads every VPS and most of what it reads is hashed, found
// unchanged and dropped (VPSNetworkSince): the same few buffers, one per
// concurrent read, serve the whole scrape instead of one new buffer per
// call. Nothing decoded points into a body (encoding/json copies what it
// keeps), so a buffer can be reused as soon as its body is decoded.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// releaseBody returns a body's buffer to bodies. Its bytes must not be used
// after. An unusually large buffer is left to the GC rather than kept.
func releaseBody(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledBody {
		return
	}
	buf.Reset()
	bodies.Put(buf)
}

const maxPooledBody = 256 << 10

// maxBodyHint bounds the buffer made up front from Content-Length; a larger
// body grows the buffer as it is read.
const maxBodyHint = 1 << 20

func drainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drainBytes))
	_ = body.Close()
}
