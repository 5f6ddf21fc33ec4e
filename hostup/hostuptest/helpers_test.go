package hostuptest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// response is what the tests look at in an answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get requests path from srv with optional header pairs ("Authorization",
// "Bearer x", ...), the way a client would: plain net/http.
func get(t *testing.T, srv *hostuptest.Server, path string, header ...string) response {
	t.Helper()
	return do(t, srv, http.MethodGet, path, header...)
}

func do(t *testing.T, srv *hostuptest.Server, method, path string, header ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: body}
}

// problem is the RFC 7807 body, with every documented field.
type problem struct {
	Type      *string `json:"type"`
	Title     *string `json:"title"`
	Status    *int    `json:"status"`
	Detail    *string `json:"detail"`
	Code      *string `json:"code"`
	Instance  *string `json:"instance"`
	RequestID *string `json:"requestId"`
	Timestamp *string `json:"timestamp"`
}

// wantProblem checks r is a complete problem with status and code.
func wantProblem(t *testing.T, r response, status int, code string) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Type == nil || p.Title == nil || p.Status == nil || p.Detail == nil || p.Code == nil ||
		p.Instance == nil || p.RequestID == nil || p.Timestamp == nil {
		t.Errorf("problem misses a field: %s", r.body)
		return p
	}
	if *p.Status != status || *p.Code != code {
		t.Errorf("problem status/code = %d/%q, want %d/%q", *p.Status, *p.Code, status, code)
	}
	if *p.Type != "https://developer.hostup.se/errors/"+code {
		t.Errorf("problem type = %q", *p.Type)
	}
	return p
}

// page is one page of GET /api/v2/vps, decoded loosely.
type page struct {
	Data       []map[string]any `json:"data"`
	HasMore    *bool            `json:"hasMore"`
	NextCursor *string          `json:"nextCursor"`
}

func decodePage(t *testing.T, r response) page {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, body %s", r.status, r.body)
	}
	var p page
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("page %s: %v", r.body, err)
	}
	if p.HasMore == nil || p.Data == nil {
		t.Fatalf("page without data or hasMore: %s", r.body)
	}
	return p
}

// walk follows nextCursor from the first page (query: extra parameters,
// e.g. "limit=10") and returns the ids in order and the number of pages.
func walk(t *testing.T, srv *hostuptest.Server, query string) (ids []string, pages int) {
	t.Helper()
	cursor := ""
	for pages = 1; pages <= 1000; pages++ {
		path := "/api/v2/vps?" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		p := decodePage(t, get(t, srv, path))
		for _, item := range p.Data {
			ids = append(ids, item["id"].(string))
		}
		if !*p.HasMore {
			if p.NextCursor != nil {
				t.Errorf("last page has nextCursor %q", *p.NextCursor)
			}
			return ids, pages
		}
		if p.NextCursor == nil || *p.NextCursor == "" {
			t.Fatalf("page %d: hasMore without nextCursor", pages)
		}
		cursor = *p.NextCursor
	}
	t.Fatal("the list never ends")
	return nil, 0
}

func jsonEqual(t *testing.T, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}
