package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// /metrics and /probe are gzipped when the client accepts gzip, as
// Prometheus does, and only then; the gzipped answer is the same exposition.
func TestScrapeAnswersAreGzippedOnlyWhenAccepted(t *testing.T) {
	env, _, _ := twoAccounts(t, 0)
	for _, tc := range []struct {
		handler        http.Handler
		target, accept string
		gzipped        bool
	}{
		{env.h.Metrics(), "/metrics", "gzip", true},
		{env.h.Metrics(), "/metrics", "deflate, gzip;q=1.0, *;q=0.5", true},
		{env.h.Probe(), "/probe?account=a", "gzip", true},
		{env.h.Metrics(), "/metrics", "", false},
		{env.h.Metrics(), "/metrics", "gzip;q=0", false},
		{env.h.Probe(), "/probe?account=a", "identity", false},
	} {
		var header []string
		if tc.accept != "" {
			header = []string{"Accept-Encoding", tc.accept}
		}
		rec := serve(t.Context(), tc.handler, tc.target, header...)
		what := tc.target + " with Accept-Encoding " + tc.accept
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", what, rec.Code)
		}
		if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q, want Accept-Encoding: a cache must not serve one encoding for another", what, rec.Header().Get("Vary"))
		}
		body := io.Reader(rec.Body)
		switch enc := rec.Header().Get("Content-Encoding"); {
		case tc.gzipped && enc != "gzip":
			t.Fatalf("%s: Content-Encoding %q, want gzip", what, enc)
		case !tc.gzipped && enc != "":
			t.Fatalf("%s: Content-Encoding %q, want none", what, enc)
		case tc.gzipped:
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			body = zr
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s: Content-Type %q, want text/plain", what, ct)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		mfs, err := p.TextToMetricFamilies(body)
		if err != nil {
			t.Fatalf("%s: parsing the exposition: %v", what, err)
		}
		if up, ok := upOf(mfs, "a"); !ok || up != 1 {
			t.Errorf("%s: hostup_up{account=\"a\"} = %v (present %v), want 1", what, up, ok)
		}
	}
}
