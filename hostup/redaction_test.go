package hostup_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// echoAuth answers with a body that repeats the request's Authorization
// header, as a misbehaving proxy might: the token must still not reach an
// error message.
func echoAuth(status int, contentType, format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		token := strings.TrimPrefix(auth, "Bearer ")
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Request-Id", "req_"+token)
		w.WriteHeader(status)
		fmt.Fprintf(w, format, auth, token)
	}
}

// redirectEchoingAuth answers a redirect whose Location holds the token.
func redirectEchoingAuth(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("Location", fmt.Sprintf(format, token))
		w.WriteHeader(http.StatusMovedPermanently)
	}
}

// newItemEachCall answers list pages with one VPS never given before and
// the nextCursor next returns.
func newItemEachCall(next func(*http.Request) string) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		jsonBody(200, fmt.Sprintf(`{"data": [{"id": "vps_%d"}], "nextCursor": %q}`, n.Add(1), next(r)))(w, r)
	}
}

func listAll(ctx context.Context, c *hostup.Client) error {
	_, err := c.ListVPS(ctx, func([]hostup.VPS) error { return nil })
	return err
}

func echoProblem(status int) http.HandlerFunc {
	return echoAuth(status, "application/problem+json",
		`{"type": "https://developer.hostup.se/errors/x#%[2]s", "title": "%[1]s", "status": 0, "detail": "key %[2]s refused", "code": "c_%[2]s", "requestId": "%[2]s"}`)
}

func TestTokenNeverInErrors(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	tests := []struct {
		name    string
		handler http.HandlerFunc
		run     func(context.Context, *hostup.Client) error
	}{
		{"400 problem echoing the key", echoProblem(400), callVPSList},
		{"401 problem echoing the key", echoProblem(401), callRoutedIPv6},
		{"403 problem echoing the key", echoProblem(403), callRoutedIPv6},
		{"404 problem echoing the key", echoProblem(404), callVPSNetwork},
		{"409 problem echoing the key", echoProblem(409), callVPSNetwork},
		{"500 retried until the retries run out", echoProblem(500), callVPSNetwork},
		{"503 HTML page echoing the key", echoAuth(503, "text/html", "<html><body><pre>%s</pre> %s</body></html>"), callVPSNetwork},
		{"502 JSON that is not a problem", echoAuth(502, "application/json", `{"echo": "%s", "token": "%s"}`), callVPSNetwork},
		{"200 truncated JSON echoing the key", echoAuth(200, "application/json", `{"primaryIP": "%s", "vlanTag": "%s`), callVPSNetwork},
		{"200 HTML echoing the key", echoAuth(200, "text/html", `<p>%s %s</p>`), callRoutedIPv6},
		{"200 HTML 502 page with the key in its title", echoAuth(200, "text/html", `<html><head><title>%[2]s 502 Bad Gateway</title></head><body>%[1]s</body></html>`), callVPSNetwork},
		{"200 HTML with the key across the end of what the excerpt reads", echoAuth(200, "text/html",
			"<p>"+strings.Repeat(" ", 16<<10-3-5)+"%[2]s %[1]s</p>"), callVPSNetwork},
		{"200 text labelled JSON echoing the key", echoAuth(200, "application/json", `Bearer: %[2]s %[1]s`), callVPSList},
		{"502 HTML labelled JSON echoing the key", echoAuth(502, "application/json", `<html>%[2]s %[1]s</html>`), callVPSList},
		{"301 to a URL holding the key in path and query", redirectEchoingAuth("http://127.0.0.1:1/%[1]s?key=%[1]s"), callVPSList},
		{"302 to a host named after the key", redirectEchoingAuth("https://%[1]s.example.net:8443/"), callVPSNetwork},
		{"307 with the key as user info", redirectEchoingAuth("https://%[1]s:%[1]s@example.net/"), callRoutedIPv6},
		{"429 echoing the key", echoAuth(429, "text/plain", "%s %s"), callRoutedIPv6},
		{"repeated cursor", newItemEachCall(func(*http.Request) string { return testToken }), listAll},
		{"too many pages", newItemEachCall(func(r *http.Request) string { return testToken + r.URL.Query().Get("cursor") + "x" }), listAll},
		{"no progress", jsonBody(200, `{"data": [{"id": "`+testToken+`"}], "nextCursor": "`+testToken+`"}`), listAll},
		{"deadline on a hanging server", hang, func(ctx context.Context, c *hostup.Client) error {
			ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			defer cancel()
			return callVPSNetwork(ctx, c)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, tt.handler)
			c := newTestClient(t, api, hostup.WithMaxPages(2))
			err := tt.run(t.Context(), c)
			if err == nil {
				t.Fatal("no error")
			}
			assertNoToken(t, err)
		})
	}

	t.Run("transport error", func(t *testing.T) {
		api := newFakeAPI(t, dropConnection)
		assertNoToken(t, callRoutedIPv6(t.Context(), newTestClient(t, api)))
	})
	t.Run("configuration errors", func(t *testing.T) {
		for _, args := range [][2]string{
			{testToken, "https://cloud.hostup.se"}, // arguments swapped
			{"ftp://" + testToken, testToken},
			{"https://cloud.hostup.se/api/v2", testToken},
			{"https://cloud.hostup.se", testToken + "\n"},
		} {
			_, err := hostup.NewClient(args[0], args[1])
			assertNoToken(t, err)
		}
	})
}

// assertNoToken checks err's message in every format, and that of every
// error in its chain, for the token.
func assertNoToken(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	queue := []error{err}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			if s := fmt.Sprintf(format, e); strings.Contains(s, testToken) {
				t.Errorf("%s of %T contains the token: %s", format, e, s)
			}
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			if next := u.Unwrap(); next != nil {
				queue = append(queue, next)
			}
		case interface{ Unwrap() []error }:
			queue = append(queue, u.Unwrap()...)
		}
	}
}
