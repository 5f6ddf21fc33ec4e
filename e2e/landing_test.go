package e2e

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// Every link of the landing page leads somewhere, and its probe form, filled
// in with an account of the config, gives that account's metrics; after a
// reload that renames the account, the form works for the new name.
func TestLandingPageLinksAndProbeForm(t *testing.T) {
	srv := newFake(t, withToken(hostuptest.DocsAccount(), "tok-e2e-landing"))
	dir := t.TempDir()
	writeFile(t, dir, "token", "tok-e2e-landing\n")
	cfgFile := writeFile(t, dir, "config.yml", "accounts:\n  - name: first\n    api_url: "+srv.URL+"\n    token_file: token\n")
	e := startExporter(t, "--config.file", cfgFile)

	st, body := e.get("/")
	if st != http.StatusOK {
		t.Fatalf("GET /: status %d", st)
	}
	base, _ := url.Parse(e.url + "/")
	hrefs := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(hrefs) < 2 {
		t.Fatalf("landing page has %d links, want /metrics and /exporter-metrics:\n%s", len(hrefs), body)
	}
	for _, h := range hrefs {
		u, err := base.Parse(h[1])
		if err != nil || u.Host != base.Host {
			continue // an external link (the project's home), not ours to check
		}
		if st, _ := e.get(u.RequestURI()); st != http.StatusOK {
			t.Errorf("landing page link %s: status %d", h[1], st)
		}
	}
	if strings.Contains(body, "debug/pprof") {
		t.Error("landing page offers profiling links the exporter does not serve")
	}

	m := regexp.MustCompile(`<form action="([^"]+)"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `name="account"`) {
		t.Fatalf("landing page lacks a probe form with an account field:\n%s", body)
	}
	action, _ := base.Parse(m[1])
	probe := func(account string) (int, string) {
		return e.get(action.Path + "?" + url.Values{"account": {account}}.Encode())
	}
	if st, body := probe("first"); st != http.StatusOK || !strings.Contains(body, `hostup_up{account="first"} 1`) {
		t.Errorf("probe form with account=first: status %d, body:\n%.500s", st, body)
	}

	writeFile(t, dir, "config.yml", "accounts:\n  - name: renamed\n    api_url: "+srv.URL+"\n    token_file: token\n")
	if st, body := mustDo(t, http.DefaultClient, http.MethodPost, e.url+"/-/reload"); st != http.StatusOK {
		t.Fatalf("POST /-/reload: status %d: %s", st, body)
	}
	if st, body := probe("renamed"); st != http.StatusOK || !strings.Contains(body, `hostup_up{account="renamed"} 1`) {
		t.Errorf("probe form with account=renamed after the reload: status %d, body:\n%.500s", st, body)
	}
}
