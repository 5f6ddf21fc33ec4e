package hostup_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// listServer serves pages keyed by the cursor that asks for them; "" is the
// first page.
func listServer(t *testing.T, pages map[string]string) *fakeAPI {
	t.Helper()
	return newFakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("cursor")]
		if !ok {
			problemBody(http.StatusBadRequest, "invalid_cursor", "The cursor is malformed.")(w, r)
			return
		}
		jsonBody(http.StatusOK, body)(w, r)
	})
}

// testdataPages reads testdata/vps_list_pages.json, an array of page bodies,
// and keys each page by the cursor of the page before it.
func testdataPages(t *testing.T) map[string]string {
	t.Helper()
	var raw []json.RawMessage
	if err := json.Unmarshal(readTestdata(t, "vps_list_pages.json"), &raw); err != nil {
		t.Fatal(err)
	}
	pages := make(map[string]string)
	cursor := ""
	for _, p := range raw {
		pages[cursor] = string(p)
		var env struct{ NextCursor *string }
		if err := json.Unmarshal(p, &env); err != nil {
			t.Fatal(err)
		}
		if env.NextCursor != nil {
			cursor = *env.NextCursor
		}
	}
	return pages
}

func page(nextCursor string, hasMore *bool, ids ...string) string {
	var data []map[string]any
	for _, id := range ids {
		data = append(data, map[string]any{"id": id, "name": id, "serviceStatus": "active"})
	}
	env := map[string]any{"data": data, "nextCursor": nil}
	if nextCursor != "" {
		env["nextCursor"] = nextCursor
	}
	if hasMore != nil {
		env["hasMore"] = *hasMore
	}
	b, _ := json.Marshal(env)
	return string(b)
}

func TestListVPSFollowsCursorsAcrossPages(t *testing.T) {
	api := listServer(t, testdataPages(t))
	c := newTestClient(t, api)
	var got [][]string
	_, err := c.ListVPS(t.Context(), func(p []hostup.VPS) error {
		// Each page is handed over before the next one is requested.
		if api.Hits() != len(got)+1 {
			t.Errorf("page %d handed over after %d requests", len(got)+1, api.Hits())
		}
		var ids []string
		for _, v := range p {
			ids = append(ids, v.Name)
		}
		got = append(got, ids)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[[web-01 db-01] [build-01] [edge-01]]"; fmt.Sprint(got) != want {
		t.Errorf("pages %v, want %s", got, want)
	}
	var cursors []string
	for _, r := range api.Requests() {
		cursors = append(cursors, r.URL.Query().Get("cursor"))
	}
	if want := []string{"", "cur_page2", "cur_page3"}; !slices.Equal(cursors, want) {
		t.Errorf("cursors sent %q, want %q", cursors, want)
	}
}

func TestListVPSDecodesListItems(t *testing.T) {
	api := listServer(t, testdataPages(t))
	var all []hostup.VPS
	if _, err := newTestClient(t, api).ListVPS(t.Context(), func(p []hostup.VPS) error { all = append(all, p...); return nil }); err != nil {
		t.Fatal(err)
	}
	web, db, build := all[0], all[1], all[2]
	if *web.PrimaryIP != "192.0.2.10" || *web.PowerState != "running" || *web.Billing.Amount != 149 ||
		*web.Resources.MemoryGB != 4 || web.Billing.PeriodYears != nil || string(*web.OperatingSystem) == "" {
		t.Errorf("web-01 decoded as %s", pretty(web))
	}
	if db.PrimaryIP != nil || db.PowerState != nil || db.OperatingSystem != nil {
		t.Errorf("nulls of db-01 did not stay nil: %s", pretty(db))
	}
	if build.ServiceStatus != "hibernating" || *build.PowerState != "migrating" || build.Billing != nil {
		t.Errorf("build-01 decoded as %s", pretty(build))
	}
}

func TestListVPSStopsAtTheLastPage(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name      string
		pages     map[string]string
		wantPages int
	}{
		{"hasMore false although a cursor is present", map[string]string{"": page("c2", &no, "a"), "c2": page("", nil, "b")}, 1},
		{"nextCursor null although hasMore is true", map[string]string{"": page("", &yes, "a")}, 1},
		{"nextCursor empty string", map[string]string{"": `{"data": [], "hasMore": true, "nextCursor": ""}`}, 1},
		{"no envelope at all", map[string]string{"": `{"data": [{"id": "a"}]}`}, 1},
		{"hasMore absent, cursor present", map[string]string{"": page("c2", nil, "a"), "c2": page("", nil, "b")}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := listServer(t, tt.pages)
			calls := 0
			_, err := newTestClient(t, api).ListVPS(t.Context(), func([]hostup.VPS) error { calls++; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if calls != tt.wantPages || api.Hits() != tt.wantPages {
				t.Errorf("%d pages handed over after %d requests, want %d", calls, api.Hits(), tt.wantPages)
			}
		})
	}
}

func TestListVPSRefusesARepeatedCursor(t *testing.T) {
	tests := []struct {
		name     string
		pages    map[string]string
		wantHits int
	}{
		{"page points at itself", map[string]string{"": page("c2", nil, "a"), "c2": page("c2", nil, "b")}, 2},
		{"cursor comes back two pages later", map[string]string{
			"": page("c2", nil, "a"), "c2": page("c3", nil, "b"), "c3": page("c2", nil, "c"),
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := listServer(t, tt.pages)
			_, err := newTestClient(t, api).ListVPS(t.Context(), func([]hostup.VPS) error { return nil })
			if !errors.Is(err, hostup.ErrRepeatedCursor) {
				t.Fatalf("err = %v, want ErrRepeatedCursor", err)
			}
			if api.Hits() != tt.wantHits {
				t.Errorf("%d requests, want %d", api.Hits(), tt.wantHits)
			}
		})
	}
}

func TestListVPSPageCap(t *testing.T) {
	t.Run("more pages than the cap", func(t *testing.T) {
		api := listServer(t, testdataPages(t))
		calls := 0
		_, err := newTestClient(t, api, hostup.WithMaxPages(2)).ListVPS(t.Context(), func([]hostup.VPS) error { calls++; return nil })
		if !errors.Is(err, hostup.ErrTooManyPages) {
			t.Fatalf("err = %v, want ErrTooManyPages", err)
		}
		if calls != 2 || api.Hits() != 2 {
			t.Errorf("%d pages handed over, %d requests; want 2 and 2 (the page past the cap is not fetched)", calls, api.Hits())
		}
	})
	t.Run("exactly as many pages as the cap", func(t *testing.T) {
		api := listServer(t, testdataPages(t))
		if _, err := newTestClient(t, api, hostup.WithMaxPages(3)).ListVPS(t.Context(), func([]hostup.VPS) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
}

func TestListVPSStopsOnTheCallbacksError(t *testing.T) {
	api := listServer(t, testdataPages(t))
	errStop := errors.New("collector gave up")
	_, err := newTestClient(t, api).ListVPS(t.Context(), func([]hostup.VPS) error { return errStop })
	if err != errStop {
		t.Errorf("err = %v, want the callback's error as is", err)
	}
	if api.Hits() != 1 {
		t.Errorf("%d requests after the callback failed on page 1", api.Hits())
	}
}

func TestListVPSInvalidCursorMidway(t *testing.T) {
	api := listServer(t, map[string]string{"": page("stale", nil, "a")})
	_, err := newTestClient(t, api).ListVPS(t.Context(), func([]hostup.VPS) error { return nil })
	var apiErr *hostup.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_cursor" || apiErr.Endpoint != hostup.EndpointVPSList {
		t.Fatalf("err = %v, want the 400 invalid_cursor APIError", err)
	}
	if api.Hits() != 2 {
		t.Errorf("%d requests; a 400 is not retried", api.Hits())
	}
}
