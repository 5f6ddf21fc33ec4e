package hostup_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

var (
	callRoutedIPv6 = func(ctx context.Context, c *hostup.Client) error { _, err := c.RoutedIPv6(ctx); return err }
	callVPSNetwork = func(ctx context.Context, c *hostup.Client) error { _, err := c.VPSNetwork(ctx, "vps_1"); return err }
	callVPSList    = func(ctx context.Context, c *hostup.Client) error { _, err := c.ListVPSPage(ctx, "c"); return err }
)

func TestAPIErrorClasses(t *testing.T) {
	proxyPage := "<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n<body>\n<center><h1>503 Service Temporarily Unavailable</h1></center>\n<hr><center>nginx</center>\n" +
		strings.Repeat("<!-- a padding comment to make the page long -->\n", 20) + "</body>\n</html>\n"
	tests := []struct {
		name          string
		call          func(context.Context, *hostup.Client) error
		handler       http.HandlerFunc
		wantStatus    int
		wantCode      string
		wantHits      int
		wantNotFound  bool
		wantAuth      bool
		wantTemporary bool
		wantNotJSON   bool
		wantInMessage []string
	}{
		{
			name:          "400 invalid_cursor on the list",
			call:          callVPSList,
			handler:       problemBody(400, "invalid_cursor", "The cursor is malformed or expired."),
			wantStatus:    400,
			wantCode:      "invalid_cursor",
			wantHits:      1,
			wantInMessage: []string{"vps_list", "HTTP 400", "invalid_cursor", "The cursor is malformed or expired", "req_01hxa3b4c5d6e7f8g9h0j1k2m3"},
		},
		{
			name:          "401 unauthorized says the key was rejected",
			call:          callVPSNetwork,
			handler:       problemBody(401, "unauthorized", "Authentication is required."),
			wantStatus:    401,
			wantCode:      "unauthorized",
			wantHits:      1,
			wantAuth:      true,
			wantInMessage: []string{"vps_network", "HTTP 401", "API key was rejected"},
		},
		{
			name:          "403 on routed IPv6 names both scopes",
			call:          callRoutedIPv6,
			handler:       problemBody(403, "forbidden", "The caller lacks a required scope or does not own the resource."),
			wantStatus:    403,
			wantCode:      "forbidden",
			wantHits:      1,
			wantAuth:      true,
			wantInMessage: []string{"routed_ipv6", "HTTP 403", "read:network and read:vm"},
		},
		{
			name:          "403 on the VPS list names read:vm",
			call:          callVPSList,
			handler:       problemBody(403, "forbidden", "The caller lacks a required scope or does not own the resource."),
			wantStatus:    403,
			wantCode:      "forbidden",
			wantHits:      1,
			wantAuth:      true,
			wantInMessage: []string{"vps_list", "scope read:vm"},
		},
		{
			name:          "404 vps_not_found for a VPS deleted since the list",
			call:          callVPSNetwork,
			handler:       problemBody(404, "vps_not_found", "The VPS could not be found."),
			wantStatus:    404,
			wantCode:      "vps_not_found",
			wantHits:      1,
			wantNotFound:  true,
			wantInMessage: []string{"vps_network", "HTTP 404", "vps_not_found"},
		},
		{
			name:         "404 from a proxy without a problem body is still not found",
			call:         callVPSNetwork,
			handler:      htmlBody(404, "<h1>Not Found</h1>"),
			wantStatus:   404,
			wantHits:     1,
			wantNotFound: true,
			wantNotJSON:  true,
		},
		{
			name:          "409 vps_not_ready is final",
			call:          callVPSNetwork,
			handler:       problemBody(409, "vps_not_ready", "The VPS is still being provisioned."),
			wantStatus:    409,
			wantCode:      "vps_not_ready",
			wantHits:      1,
			wantInMessage: []string{"HTTP 409 vps_not_ready: The VPS is still being provisioned"},
		},
		{
			name:          "500 internal_error is retried until the retries run out",
			call:          callRoutedIPv6,
			handler:       problemBody(500, "internal_error", "An unexpected error occurred."),
			wantStatus:    500,
			wantCode:      "internal_error",
			wantHits:      3,
			wantTemporary: true,
		},
		{
			name:          "503 with a proxy's HTML page",
			call:          callVPSList,
			handler:       htmlBody(503, proxyPage),
			wantStatus:    503,
			wantHits:      3,
			wantTemporary: true,
			wantNotJSON:   true,
			wantInMessage: []string{"vps_list: HTTP 503 with an HTML body (Content-Type text/html), not JSON: ", "503 Service Temporarily Unavailable"},
		},
		{
			name:          "502 with an empty body",
			call:          callRoutedIPv6,
			handler:       func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) },
			wantStatus:    502,
			wantHits:      3,
			wantTemporary: true,
			wantNotJSON:   true,
			wantInMessage: []string{"HTTP 502 with an empty body"},
		},
		{
			name:          "502 with truncated JSON",
			call:          callRoutedIPv6,
			handler:       jsonBody(502, `{"type": "https://developer.hostup.se/errors/upstream_unavailable", "code": "upstr`),
			wantStatus:    502,
			wantHits:      3,
			wantTemporary: true,
			wantNotJSON:   true,
			wantInMessage: []string{"routed_ipv6: HTTP 502 with truncated JSON (the body ends after 82 bytes)"},
		},
		{
			name:          "400 with a JSON array",
			call:          callVPSList,
			handler:       jsonBody(400, `[{"pointer": "/limit"}]`),
			wantStatus:    400,
			wantHits:      1,
			wantNotJSON:   true,
			wantInMessage: []string{"vps_list: HTTP 400 with a JSON array where a problem document was expected"},
		},
		{
			name:          "500 with JSON null",
			call:          callVPSList,
			handler:       jsonBody(500, `null`),
			wantStatus:    500,
			wantHits:      3,
			wantTemporary: true,
			wantNotJSON:   true,
			wantInMessage: []string{"vps_list: HTTP 500 with JSON null where a problem document was expected"},
		},
		{
			name: "503 in plain text",
			call: callVPSList,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(503)
				_, _ = w.Write([]byte("no healthy upstream"))
			},
			wantStatus:    503,
			wantHits:      3,
			wantTemporary: true,
			wantNotJSON:   true,
			wantInMessage: []string{`vps_list: HTTP 503 with a body that is not JSON (Content-Type text/plain): invalid character 'o' in literal null (expecting 'u'): "no healthy upstream"`},
		},
		{
			name:          "408 is retried",
			call:          callRoutedIPv6,
			handler:       problemBody(408, "request_timeout", "Timed out."),
			wantStatus:    408,
			wantCode:      "request_timeout",
			wantHits:      3,
			wantTemporary: true,
		},
		{
			name:          "problem-like JSON without RFC 7807 fields quotes the body",
			call:          callRoutedIPv6,
			handler:       jsonBody(502, `{"message": "upstream connect error"}`),
			wantStatus:    502,
			wantHits:      3,
			wantTemporary: true,
			wantInMessage: []string{"JSON body that is not a problem document", "upstream connect error"},
		},
		{
			name:          "unknown code is classed by its HTTP status",
			call:          callRoutedIPv6,
			handler:       problemBody(502, "upstream_proxmox_timeout", "Upstream timed out."),
			wantStatus:    502,
			wantCode:      "upstream_proxmox_timeout",
			wantHits:      3,
			wantTemporary: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, tt.handler)
			err := tt.call(t.Context(), newTestClient(t, api))
			var apiErr *hostup.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if apiErr.StatusCode != tt.wantStatus || apiErr.Code != tt.wantCode {
				t.Errorf("status %d code %q, want %d %q", apiErr.StatusCode, apiErr.Code, tt.wantStatus, tt.wantCode)
			}
			if api.Hits() != tt.wantHits {
				t.Errorf("%d requests, want %d", api.Hits(), tt.wantHits)
			}
			if got := hostup.IsNotFound(err); got != tt.wantNotFound {
				t.Errorf("IsNotFound = %t", got)
			}
			if got := hostup.IsAuth(err); got != tt.wantAuth {
				t.Errorf("IsAuth = %t", got)
			}
			if got := apiErr.Temporary(); got != tt.wantTemporary {
				t.Errorf("Temporary = %t", got)
			}
			if apiErr.BodyNotJSON != tt.wantNotJSON {
				t.Errorf("BodyNotJSON = %t", apiErr.BodyNotJSON)
			}
			msg := err.Error()
			for _, want := range tt.wantInMessage {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			if strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) {
				t.Errorf("message is not one clean line: %q", msg)
			}
			if len(msg) > 400 {
				t.Errorf("message is %d bytes long: %q", len(msg), msg)
			}
		})
	}
}

func TestNonJSONBodyExcerptIsShortAndSanitized(t *testing.T) {
	body := "<html><body>\x00\x1b" + strings.Repeat("Bad gateway\t\n", 50) + "\xff\xfe</body></html>"
	api := newFakeAPI(t, htmlBody(502, body))
	_, err := newTestClient(t, api, hostup.WithRetries(0)).VPSNetwork(t.Context(), "vps_1")
	var apiErr *hostup.APIError
	if !errors.As(err, &apiErr) {
		t.Fatal(err)
	}
	msg := err.Error()
	_, quoted, _ := strings.Cut(msg, "not JSON: ")
	if n := utf8.RuneCountInString(quoted); n > 110 {
		t.Errorf("excerpt of %d runes: %s", n, quoted)
	}
	for _, bad := range []string{"<body>", "\\x00", "\\x1b", "\\t", "\\n"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q contains %q", msg, bad)
		}
	}
	if !strings.HasPrefix(quoted, `"Bad gateway Bad gateway`) {
		t.Errorf("excerpt %s should start with the page's text", quoted)
	}
}

func TestHelpersSeeThroughWrapping(t *testing.T) {
	notFound := fmt.Errorf("collecting vps_1: %w", &hostup.APIError{StatusCode: 404})
	forbidden := fmt.Errorf("collecting: %w", &hostup.APIError{StatusCode: 403})
	tooMany := fmt.Errorf("collecting: %w", &hostup.APIError{StatusCode: 429})
	plain := errors.New("something else")
	if !hostup.IsNotFound(notFound) || hostup.IsNotFound(forbidden) || hostup.IsNotFound(plain) || hostup.IsNotFound(nil) {
		t.Error("IsNotFound")
	}
	if !hostup.IsAuth(forbidden) || hostup.IsAuth(notFound) || hostup.IsAuth(plain) {
		t.Error("IsAuth")
	}
	if !hostup.IsRateLimited(tooMany) || !hostup.IsRateLimited(fmt.Errorf("x: %w", hostup.ErrRateLimited)) || hostup.IsRateLimited(notFound) {
		t.Error("IsRateLimited")
	}
	if msg := (&hostup.APIError{StatusCode: 502, BodyNotJSON: true, ContentType: "text/html"}).Error(); msg != "hostup: HTTP 502 with an HTML body (Content-Type text/html), not JSON" {
		t.Errorf("hand-built error reads %q", msg)
	}
}
