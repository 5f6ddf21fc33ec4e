package hostuptest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

func ids(acct *hostuptest.Account) []string {
	var out []string
	for _, v := range acct.VPS {
		out = append(out, v.ID)
	}
	return out
}

func TestVPSListPagination(t *testing.T) {
	acct := hostuptest.DemoAccount(53)
	tests := []struct {
		name      string
		opts      []hostuptest.Option
		query     string
		wantPages int
	}{
		{"default limit is 20", nil, "", 3},
		{"limit 10", nil, "limit=10", 6},
		{"limit 100 takes one page", nil, "limit=100", 1},
		{"limit equal to the count", nil, "limit=53", 1},
		{"limit 1", nil, "limit=1", 53},
		{"page size caps the limit", []hostuptest.Option{hostuptest.WithPageSize(7)}, "limit=100", 8},
		{"page size caps the default", []hostuptest.Option{hostuptest.WithPageSize(7)}, "", 8},
		{"a smaller limit under a page size", []hostuptest.Option{hostuptest.WithPageSize(30)}, "limit=25", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := hostuptest.NewServer(acct, tt.opts...)
			defer srv.Close()
			got, pages := walk(t, srv, tt.query)
			if !slices.Equal(got, ids(acct)) {
				t.Errorf("walked ids differ from the account's, in order: got %d ids", len(got))
			}
			if pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", pages, tt.wantPages)
			}
			if n := srv.Calls(hostuptest.EndpointVPSList); n != pages {
				t.Errorf("Calls(vps_list) = %d, want %d", n, pages)
			}
		})
	}
}

func TestVPSListEmptyAccount(t *testing.T) {
	for _, acct := range []*hostuptest.Account{nil, {}} {
		srv := hostuptest.NewServer(acct)
		r := get(t, srv, "/api/v2/vps")
		srv.Close()
		if string(r.body) != `{"data":[],"hasMore":false,"nextCursor":null}` {
			t.Errorf("empty list = %s", r.body)
		}
	}
}

func TestVPSListBadRequests(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(5))
	defer srv.Close()
	tests := []struct {
		name, query, code string
	}{
		{"limit 0", "limit=0", "invalid_request"},
		{"limit 101", "limit=101", "invalid_request"},
		{"limit not a number", "limit=ten", "invalid_request"},
		{"empty limit", "limit=", "invalid_request"},
		{"cursor not base64", "cursor=%21%21%21", "invalid_cursor"},
		{"cursor of another shape", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("page=2")), "invalid_cursor"},
		{"negative offset", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("offset:-1")), "invalid_cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := wantProblem(t, get(t, srv, "/api/v2/vps?"+tt.query), http.StatusBadRequest, tt.code)
			if p.Instance != nil && *p.Instance != "/api/v2/vps" {
				t.Errorf("instance = %q", *p.Instance)
			}
		})
	}
}

func TestVPSListCursorPastTheEnd(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(30))
	defer srv.Close()
	p := decodePage(t, get(t, srv, "/api/v2/vps?limit=25"))
	// The account shrinks between two pages: the cursor still works and
	// the list ends.
	srv.SetAccount(hostuptest.DemoAccount(10))
	p = decodePage(t, get(t, srv, "/api/v2/vps?cursor="+*p.NextCursor))
	if len(p.Data) != 0 || *p.HasMore || p.NextCursor != nil {
		t.Errorf("page past the end = %+v", p)
	}
}

func TestVPSListFilters(t *testing.T) {
	acct := hostuptest.DemoAccount(40)
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	v := acct.VPS[3]
	tests := []struct {
		name, query string
		want        []string
	}{
		{"name, another case", "name=" + strings.ToUpper(v.Name), []string{v.ID}},
		{"primaryIp", "primaryIp=" + *v.PrimaryIP, []string{v.ID}},
		{"both, matching", "name=" + v.Name + "&primaryIp=" + *v.PrimaryIP, []string{v.ID}},
		{"both, not the same VPS", "name=" + v.Name + "&primaryIp=" + *acct.VPS[4].PrimaryIP, nil},
		{"unknown name", "name=nope", nil},
		{"name is exact, not a prefix", "name=web", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := walk(t, srv, tt.query)
			if !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("filtered list pages", func(t *testing.T) {
		acct := &hostuptest.Account{}
		for i := range 7 {
			acct.VPS = append(acct.VPS, hostup.VPS{ID: "vps_" + strconv.Itoa(i), Name: []string{"Same", "other"}[i%2]})
		}
		srv := hostuptest.NewServer(acct)
		defer srv.Close()
		got, pages := walk(t, srv, "name=same&limit=3")
		if want := []string{"vps_0", "vps_2", "vps_4", "vps_6"}; !slices.Equal(got, want) || pages != 2 {
			t.Errorf("ids = %v in %d pages, want %v in 2", got, pages, want)
		}
	})
}

func TestNullsAreEmitted(t *testing.T) {
	acct := &hostuptest.Account{VPS: []hostup.VPS{{ID: "vps_1", Name: "a", ServiceStatus: "pending"}}}
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	r := get(t, srv, "/api/v2/vps")
	for _, want := range []string{`"primaryIp":null`, `"powerState":null`, `"operatingSystem":null`} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("list %s lacks %s", r.body, want)
		}
	}
}

func TestVPSNetwork(t *testing.T) {
	acct := hostuptest.DemoAccount(3)
	gone := acct.VPS[1].ID
	delete(acct.Networks, gone)
	acct.RawNetworks = map[string][]byte{acct.VPS[2].ID: []byte(`{"interfaces":null}`)}
	srv := hostuptest.NewServer(acct)
	defer srv.Close()

	t.Run("served as marshalled", func(t *testing.T) {
		r := get(t, srv, "/api/v2/vps/"+acct.VPS[0].ID+"/network")
		want, _ := json.Marshal(acct.Networks[acct.VPS[0].ID])
		if r.status != http.StatusOK || string(r.body) != string(want) {
			t.Errorf("got %d %s\nwant %s", r.status, r.body, want)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
	})
	t.Run("a listed VPS without a network", func(t *testing.T) {
		wantProblem(t, get(t, srv, "/api/v2/vps/"+gone+"/network"), http.StatusNotFound, "vps_not_found")
	})
	t.Run("an unknown VPS", func(t *testing.T) {
		wantProblem(t, get(t, srv, "/api/v2/vps/vps_nope/network"), http.StatusNotFound, "vps_not_found")
	})
	t.Run("raw body wins", func(t *testing.T) {
		r := get(t, srv, "/api/v2/vps/"+acct.VPS[2].ID+"/network")
		if string(r.body) != `{"interfaces":null}` {
			t.Errorf("body = %s", r.body)
		}
	})
}

func TestRoutedIPv6(t *testing.T) {
	t.Run("typed", func(t *testing.T) {
		acct := hostuptest.DemoAccount(5)
		srv := hostuptest.NewServer(acct)
		defer srv.Close()
		want, _ := json.Marshal(acct.RoutedIPv6)
		if r := get(t, srv, "/api/v2/routed-ipv6"); string(r.body) != string(want) {
			t.Errorf("got %s\nwant %s", r.body, want)
		}
	})
	t.Run("raw", func(t *testing.T) {
		srv := hostuptest.NewServer(&hostuptest.Account{RawRoutedIPv6: []byte(`{"available":null}`)})
		defer srv.Close()
		if r := get(t, srv, "/api/v2/routed-ipv6"); string(r.body) != `{"available":null}` {
			t.Errorf("got %s", r.body)
		}
	})
	t.Run("account without routed IPv6", func(t *testing.T) {
		srv := hostuptest.NewServer(&hostuptest.Account{})
		defer srv.Close()
		r := get(t, srv, "/api/v2/routed-ipv6")
		want := `{"available":false,"reason":null,"allowedPrefixLengths":[],"pools":[],"destinations":[],"actions":{}}`
		if !jsonEqual(t, r.body, []byte(want)) {
			t.Errorf("got %s\nwant %s", r.body, want)
		}
	})
}

func TestOtherPathsAndMethods(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(2))
	defer srv.Close()
	for _, path := range []string{"/", "/api/v2/", "/api/v2/vps/", "/api/v2/vps/x", "/api/v2/vps//network", "/api/v2/vps/a/b/network", "/api/v2/routed-ipv6/", "/api/vm/1/network"} {
		wantProblem(t, get(t, srv, path), http.StatusNotFound, "not_found")
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		r := do(t, srv, method, "/api/v2/vps")
		wantProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
		if r.header.Get("Allow") != "GET" {
			t.Errorf("%s: Allow = %q", method, r.header.Get("Allow"))
		}
	}
}

func TestAuth(t *testing.T) {
	acct := hostuptest.DemoAccount(2)
	acct.Token = "s3cret"
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"no header", nil, http.StatusUnauthorized},
		{"wrong token", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"token as a prefix", []string{"Authorization", "Bearer s3cre"}, http.StatusUnauthorized},
		{"other scheme", []string{"Authorization", "Basic s3cret"}, http.StatusUnauthorized},
		{"v1 header", []string{"X-API-Key", "s3cret"}, http.StatusUnauthorized},
		{"right token", []string{"Authorization", "Bearer s3cret"}, http.StatusOK},
		{"scheme in lower case", []string{"Authorization", "bearer s3cret"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/api/v2/vps", "/api/v2/routed-ipv6", "/api/v2/vps/" + acct.VPS[0].ID + "/network"} {
				r := get(t, srv, path, tt.header...)
				if tt.want == http.StatusUnauthorized {
					wantProblem(t, r, tt.want, "unauthorized")
				} else if r.status != tt.want {
					t.Errorf("%s: status %d, want %d", path, r.status, tt.want)
				}
			}
		})
	}
}

func TestRateLimitHeaders(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(1), hostuptest.WithRateLimit(3, time.Hour))
	defer srv.Close()
	for i, want := range []string{"2", "1", "0", "0"} {
		path := []string{"/api/v2/vps", "/api/v2/routed-ipv6", "/api/v2/vps/nope/network", "/api/v2/vps"}[i]
		r := get(t, srv, path)
		if got := r.header.Get("X-RateLimit-Remaining"); got != want {
			t.Errorf("request %d: X-RateLimit-Remaining = %q, want %q", i, got, want)
		}
		if got := r.header.Get("X-RateLimit-Limit"); got != "3" {
			t.Errorf("request %d: X-RateLimit-Limit = %q", i, got)
		}
		reset, err := time.Parse(time.RFC3339, r.header.Get("X-RateLimit-Reset"))
		if err != nil || !reset.After(time.Now()) || reset.After(time.Now().Add(time.Hour+time.Second)) {
			t.Errorf("request %d: X-RateLimit-Reset = %q (%v)", i, r.header.Get("X-RateLimit-Reset"), err)
		}
	}

	t.Run("the budget refills every window", func(t *testing.T) {
		srv := hostuptest.NewServer(nil, hostuptest.WithRateLimit(2, 50*time.Millisecond))
		defer srv.Close()
		if got := get(t, srv, "/api/v2/vps").header.Get("X-RateLimit-Remaining"); got != "1" {
			t.Fatalf("Remaining = %q", got)
		}
		time.Sleep(60 * time.Millisecond)
		r := get(t, srv, "/api/v2/vps")
		if got := r.header.Get("X-RateLimit-Remaining"); got != "1" {
			t.Errorf("Remaining after refill and one call = %q, want 1", got)
		}
	})
}

func TestCalls(t *testing.T) {
	acct := hostuptest.DemoAccount(3)
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	get(t, srv, "/api/v2/vps")
	get(t, srv, "/api/v2/routed-ipv6")
	get(t, srv, "/api/v2/routed-ipv6")
	for _, v := range acct.VPS {
		get(t, srv, "/api/v2/vps/"+v.ID+"/network")
	}
	get(t, srv, "/api/v2/vps/nope/network") // a 404 is still a call
	do(t, srv, http.MethodPost, "/api/v2/vps")
	get(t, srv, "/elsewhere")

	want := map[string]int{hostuptest.EndpointVPSList: 2, hostuptest.EndpointRoutedIPv6: 2, hostuptest.EndpointVPSNetwork: 4, "nonsense": 0}
	for ep, n := range want {
		if got := srv.Calls(ep); got != n {
			t.Errorf("Calls(%q) = %d, want %d", ep, got, n)
		}
	}
	if got := srv.TotalCalls(); got != 9 {
		t.Errorf("TotalCalls() = %d, want 9", got)
	}
	srv.ResetCalls()
	if srv.TotalCalls() != 0 || srv.Calls(hostuptest.EndpointVPSNetwork) != 0 {
		t.Errorf("ResetCalls left %d total", srv.TotalCalls())
	}
}

func TestSetAccountConcurrently(t *testing.T) {
	small, big := hostuptest.DemoAccount(2), hostuptest.DemoAccount(30)
	srv := hostuptest.NewServer(small)
	defer srv.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				res, err := srv.Client().Get(srv.URL + "/api/v2/vps?limit=100")
				if err != nil {
					t.Error(err)
					return
				}
				var p page
				err = json.NewDecoder(res.Body).Decode(&p)
				res.Body.Close()
				if n := len(p.Data); err != nil || n != 2 && n != 30 {
					t.Errorf("a page of %d VPSes (%v): neither account", n, err)
				}
			}
		})
	}
	for i := range 20 {
		srv.SetAccount([]*hostuptest.Account{small, big}[i%2])
	}
	wg.Wait()

	srv.SetAccount(big)
	if got, _ := walk(t, srv, ""); len(got) != 30 {
		t.Errorf("after SetAccount: %d VPSes", len(got))
	}
}

func TestSnapshotIsTakenAtSetAccount(t *testing.T) {
	acct := hostuptest.DemoAccount(2)
	srv := hostuptest.NewServer(acct)
	defer srv.Close()
	acct.VPS[0].Name = "renamed"
	if got := decodePage(t, get(t, srv, "/api/v2/vps")).Data[0]["name"]; got == "renamed" {
		t.Error("a change to the Account showed before SetAccount")
	}
	srv.SetAccount(acct)
	if got := decodePage(t, get(t, srv, "/api/v2/vps")).Data[0]["name"]; got != "renamed" {
		t.Errorf("name after SetAccount = %v", got)
	}
}

func TestLatency(t *testing.T) {
	srv := hostuptest.NewServer(hostuptest.DemoAccount(1), hostuptest.WithLatency(40*time.Millisecond))
	defer srv.Close()
	start := time.Now()
	if r := get(t, srv, "/api/v2/routed-ipv6"); r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("answered in %v, before the latency", d)
	}
}

func TestUnstartedServerWithHandler(t *testing.T) {
	srv := hostuptest.NewUnstartedServer(hostuptest.DocsAccount())
	defer srv.Close()
	if srv.Handler() == nil {
		t.Fatal("nil handler")
	}
	srv.Start()
	if r := get(t, srv, "/api/v2/vps"); r.status != http.StatusOK {
		t.Errorf("status %d", r.status)
	}
}

func TestLatencyEndsWhenTheClientGoes(t *testing.T) {
	srv := hostuptest.NewUnstartedServer(nil, hostuptest.WithLatency(time.Hour))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v2/vps", nil)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { srv.Handler().ServeHTTP(rec, req); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the handler kept sleeping after the client went away")
	}
	if rec.Body.Len() != 0 {
		t.Errorf("answered %s to a client that went away", rec.Body)
	}
}
