package hostup

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets feed arbitrary bytes to the decode functions the client
// itself uses. Seeds live in testdata/fuzz/<FuzzName>/: the docs' examples and
// edge cases (nulls, PHP-style empty arrays, truncation, odd gates).

// checkDecode holds for every decoder: a model or a *DecodeError naming the
// endpoint, never both, never a panic; and a decoded model encodes to JSON
// that decodes to the same model (so the lenient parts, such as skipped gates,
// settle after one pass).
func checkDecode[T any](t *testing.T, endpoint string, decode func([]byte) (*T, error), body []byte) {
	t.Helper()
	v, err := decode(body)
	if err != nil {
		var de *DecodeError
		if !errors.As(err, &de) || de.Endpoint != endpoint {
			t.Fatalf("error %v (%T) is not a DecodeError for %s", err, err, endpoint)
		}
		if v != nil {
			t.Fatal("a model and an error")
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "hostup: "+endpoint+": response with ") ||
			strings.ContainsAny(msg, "\r\n") || !utf8.ValidString(msg) {
			t.Fatalf("message %q", msg)
		}
		return
	}
	if v == nil {
		t.Fatal("nil model without an error")
	}
	checkMismatches(t, reflect.ValueOf(v).Elem())
	once, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding the model: %v", err)
	}
	v2, err := decode(once)
	if err != nil {
		t.Fatalf("decoding the encoded model %s: %v", once, err)
	}
	twice, err := json.Marshal(v2)
	if err != nil {
		t.Fatalf("encoding the model again: %v", err)
	}
	if !bytes.Equal(once, twice) {
		t.Fatalf("model changed in a round trip:\n%s\n%s", once, twice)
	}
}

// checkMismatches: every Mismatch reported on v (and on the items of its
// top-level slices) names a path of v's type, so it is one of a bounded set,
// and says which JSON types were wanted and came.
func checkMismatches(t *testing.T, v reflect.Value) {
	t.Helper()
	paths := map[string]bool{}
	mismatchPaths(v.Type(), "", paths)
	check := func(mm []Mismatch) {
		for _, m := range mm {
			if !paths[m.Field] || !wantTypes[m.Want] || !(wantTypes[m.Got] || m.Got == "out-of-range number") || m.Want == m.Got {
				t.Fatalf("mismatch %+v is not a path of %s and two JSON types", m, v.Type())
			}
		}
	}
	check(v.FieldByName("Mismatches").Interface().([]Mismatch))
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Slice && reportsOwn(f.Type().Elem()) {
			for j := range f.Len() {
				check(f.Index(j).FieldByName("Mismatches").Interface().([]Mismatch))
			}
		}
	}
}

var wantTypes = map[string]bool{"number": true, "string": true, "boolean": true, "object": true, "array": true}

// mismatchPaths adds every path below t, with [] for array elements, to
// out; those of items that report their own are added relative too.
func mismatchPaths(t reflect.Type, path string, out map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if path != "" {
		out[path] = true
	}
	switch {
	case t == actionsType || t == rawMessageType:
		return
	case t.Kind() == reflect.Slice:
		if reportsOwn(t.Elem()) {
			mismatchPaths(t.Elem(), "", out)
		}
		mismatchPaths(t.Elem(), path+"[]", out)
	case t.Kind() == reflect.Struct:
		for _, f := range structFields(t).byName {
			mismatchPaths(f.typ, join(path, f.name), out)
		}
	}
}

func FuzzDecodeVPSNetwork(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, EndpointVPSNetwork, decodeVPSNetwork, body)
	})
}

func FuzzDecodeRoutedIPv6(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, EndpointRoutedIPv6, decodeRoutedIPv6, body)
	})
}

func FuzzDecodeVPSPage(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, EndpointVPSList, func(b []byte) (*VPSPage, error) { return decodeVPSPage(b, defaultPageSize) }, body)
		checkDecode(t, EndpointVPSList, func(b []byte) (*VPSPage, error) { return decodeVPSPage(b, 0) }, body)
	})
}

const fuzzToken = "hu_live_fuzz_0123456789abcdef"

// FuzzDecodeProblem feeds an error body and its Content-Type to the code that
// builds an APIError: the message must stay one bounded, valid UTF-8 line
// without the token, whatever the body.
func FuzzDecodeProblem(f *testing.F) {
	now := time.Date(2026, 4, 27, 12, 34, 56, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		_, _ = decodeProblem(body)
		for _, status := range []int{400, 403, 429, 503} {
			resp := &http.Response{StatusCode: status, Header: http.Header{}}
			resp.Header.Set("Content-Type", strings.ToValidUTF8(strings.ReplaceAll(contentType, "\n", ""), ""))
			e := newAPIError(EndpointRoutedIPv6, resp, body, now, fuzzToken)
			msg := e.Error()
			if strings.ContainsAny(msg, "\r\n") || !utf8.ValidString(msg) {
				t.Fatalf("not one valid line: %q", msg)
			}
			if strings.Contains(msg, fuzzToken) {
				t.Fatalf("token in %q", msg)
			}
			// Five server texts of at most fieldRunes runes, the excerpt and
			// the fixed wording.
			if n := utf8.RuneCountInString(msg); n > 6*fieldRunes+excerptRunes+300 {
				t.Fatalf("message of %d runes", n)
			}
		}
	})
}
