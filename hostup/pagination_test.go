package hostup_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
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

// fakeList serves acct's list with fault, to a client asking pageSize items
// a page.
func fakeList(t *testing.T, acct *hostuptest.Account, pageSize int, fault hostuptest.Fault) (*hostuptest.Server, *hostup.Client) {
	t.Helper()
	srv := hostuptest.NewServer(acct)
	t.Cleanup(srv.Close)
	srv.Fail(hostuptest.Endpoint(hostuptest.EndpointVPSList), fault)
	c, err := hostup.NewClient(srv.URL, testToken, hostup.WithPageSize(pageSize))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestListVPSEndsWhenAPageAddsNothingNew(t *testing.T) {
	t.Run("a cursor that changes every page while the items repeat", func(t *testing.T) {
		srv, c := fakeList(t, hostuptest.DemoAccount(10), 3, hostuptest.Fault{SpinCursor: true})
		var got []string
		info, err := c.ListVPS(t.Context(), func(p []hostup.VPS) error {
			for _, v := range p {
				got = append(got, v.ID)
			}
			return nil
		})
		if !errors.Is(err, hostup.ErrNoProgress) {
			t.Fatalf("err = %v, want ErrNoProgress", err)
		}
		if n := srv.Calls(hostuptest.EndpointVPSList); n != 2 {
			t.Errorf("%d list calls, want 2", n)
		}
		if info.Pages != 1 || len(got) != 3 {
			t.Errorf("info %+v, %d items handed over; want the first page only", info, len(got))
		}
	})
	t.Run("an empty page that still has a cursor", func(t *testing.T) {
		srv, c := fakeList(t, hostuptest.DemoAccount(0), 3, hostuptest.Fault{SpinCursor: true})
		info, err := c.ListVPS(t.Context(), func(p []hostup.VPS) error { t.Error("an empty page without progress handed over"); return nil })
		if !errors.Is(err, hostup.ErrNoProgress) || srv.Calls(hostuptest.EndpointVPSList) != 1 || info.Pages != 0 {
			t.Errorf("err = %v after %d calls, info %+v; want ErrNoProgress after 1", err, srv.Calls(hostuptest.EndpointVPSList), info)
		}
	})
	t.Run("a last page of items seen before", func(t *testing.T) {
		api := listServer(t, map[string]string{"": page("c2", nil, "a", "b"), "c2": page("", nil, "b", "a")})
		info, err := newTestClient(t, api).ListVPS(t.Context(), func([]hostup.VPS) error { return nil })
		if !errors.Is(err, hostup.ErrNoProgress) || info.Pages != 1 {
			t.Errorf("err = %v, info %+v", err, info)
		}
	})
	t.Run("pages that overlap but add something go on", func(t *testing.T) {
		api := listServer(t, map[string]string{"": page("c2", nil, "a", "b"), "c2": page("c3", nil, "b", "c"), "c3": page("", nil, "c", "d")})
		info, err := newTestClient(t, api).ListVPS(t.Context(), func([]hostup.VPS) error { return nil })
		if err != nil || info.Pages != 3 {
			t.Errorf("err = %v, info %+v", err, info)
		}
	})
	t.Run("an empty account", func(t *testing.T) {
		_, c := fakeList(t, hostuptest.DemoAccount(0), 3, hostuptest.Fault{})
		info, err := c.ListVPS(t.Context(), func([]hostup.VPS) error { return nil })
		if err != nil || info != (hostup.ListInfo{Pages: 1}) {
			t.Errorf("err = %v, info %+v", err, info)
		}
	})
}

func TestListVPSReportsAFullPageWithoutContinuation(t *testing.T) {
	tests := []struct {
		name     string
		vpses    int
		fault    hostuptest.Fault
		want     hostup.ListInfo
		wantHits int
	}{
		{"a full page without hasMore and nextCursor", 5, hostuptest.Fault{NoPaginationFields: true}, hostup.ListInfo{Pages: 1, Unterminated: true}, 1},
		{"a short page without them is the whole list", 4, hostuptest.Fault{NoPaginationFields: true}, hostup.ListInfo{Pages: 1}, 1},
		{"a full last page that says it is the last", 10, hostuptest.Fault{}, hostup.ListInfo{Pages: 2}, 2},
		{"a full page with hasMore of another type", 5, hostuptest.Fault{Set: map[string]any{"/hasMore": "no", "/nextCursor": nil}}, hostup.ListInfo{Pages: 1, Unterminated: true}, 1},
		{"a full page with nextCursor null only", 5, hostuptest.Fault{NoPaginationFields: true, Set: map[string]any{"/nextCursor": nil}}, hostup.ListInfo{Pages: 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := fakeList(t, hostuptest.DemoAccount(tt.vpses), 5, tt.fault)
			info, err := c.ListVPS(t.Context(), func([]hostup.VPS) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if info != tt.want || srv.Calls(hostuptest.EndpointVPSList) != tt.wantHits {
				t.Errorf("info %+v after %d calls, want %+v after %d", info, srv.Calls(hostuptest.EndpointVPSList), tt.want, tt.wantHits)
			}
		})
	}
}
