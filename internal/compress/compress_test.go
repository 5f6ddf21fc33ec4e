package compress

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Writers are kept between answers (spare): answers served one after the
// other and many at once must each decompress to their own body, never to
// a mix of two, and a client that does not ask for gzip gets plain text.
func TestAnswersKeepTheirOwnBodies(t *testing.T) {
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		for i := range 2000 {
			fmt.Fprintf(w, "series_%s{n=\"%d\"} %d\n", r.URL.Query().Get("id"), i, i)
		}
	}))
	want := func(id string) []byte {
		var b bytes.Buffer
		for i := range 2000 {
			fmt.Fprintf(&b, "series_%s{n=\"%d\"} %d\n", id, i, i)
		}
		return b.Bytes()
	}
	get := func(id string, gz bool) error {
		req := httptest.NewRequest(http.MethodGet, "/metrics?id="+id, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if enc := rec.Header().Get("Content-Encoding"); (enc == "gzip") != gz {
			return fmt.Errorf("id %s: Content-Encoding %q with gzip asked %v", id, enc, gz)
		}
		if gz {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				return fmt.Errorf("id %s: %v", id, err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				return fmt.Errorf("id %s: %v", id, err)
			}
		}
		if !bytes.Equal(body, want(id)) {
			return fmt.Errorf("id %s: body is not its own (%d bytes, want %d)", id, len(body), len(want(id)))
		}
		return nil
	}

	for i := range 5 {
		if err := get(fmt.Sprint("seq", i), i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() { errs <- get(fmt.Sprint("par", i), true) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
