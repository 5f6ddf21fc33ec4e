package hostup

import (
	"bytes"
	"encoding/json"
	"errors"
)

// The decode functions turn a 2xx body into its model. The client and the
// fuzz tests call the same functions, so a body that does not panic under
// fuzzing does not panic a scrape.

func decodeRoutedIPv6(body []byte) (*RoutedIPv6, error) {
	return decodeObject[RoutedIPv6](EndpointRoutedIPv6, body)
}

func decodeVPSNetwork(body []byte) (*VPSNetwork, error) {
	return decodeObject[VPSNetwork](EndpointVPSNetwork, body)
}

// decodeVPSPage decodes a page of the VPS list asked for with `limit`. The
// items are decoded into an array sized up front, from limit and the body's
// length, rather than grown by doubling: that halves what a full page
// allocates for its items (BENCHMARKS.md).
func decodeVPSPage(body []byte, limit int) (*VPSPage, error) {
	p := new(VPSPage)
	if n := min(limit, len(body)/minItemBytes); n > 0 {
		p.Data = make([]VPS, 0, n)
	}
	return decodeInto(EndpointVPSList, body, p)
}

// minItemBytes is less than any VPS list item takes in JSON with the fields
// HostUp documents (a real one is about 350 bytes), so the array sized from
// the body's length is not much larger than the page.
const minItemBytes = 128

// decodeObject requires a JSON object: a bare null, array or empty body would
// otherwise decode to an empty model and pass for an account with nothing in
// it. Unknown fields are ignored, as HostUp adds fields over time. A UTF-8
// byte order mark before the object is ignored.
//
// A field whose JSON type is not the documented one costs that field only:
// it is left nil or zero (an array element of the wrong type is dropped), the
// rest is decoded, and the value reports it in Mismatches.
//
// A body that is not an object is a *DecodeError saying what it is (empty,
// HTML, truncated, not JSON, another JSON type); the client adds the status,
// the Content-Type and an excerpt (decodeFailure).
func decodeObject[T any](endpoint string, body []byte) (*T, error) {
	return decodeInto(endpoint, body, new(T))
}

// decodeInto is decodeObject into v, which may hold preallocated slices.
func decodeInto[T any](endpoint string, body []byte, v *T) (*T, error) {
	body = trimBOM(body)
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, newDecodeError(endpoint, body, nil)
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return v, nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return nil, newDecodeError(endpoint, body, err)
	}
	// Well-formed, with a field of another type than documented: that field
	// is lost, the rest is kept (decodeLenient).
	return decodeLenient[T](endpoint, body, err)
}

// newDecodeError classifies a body that did not decode; err is the
// decoder's error, kept when the body is a well-formed JSON object.
func newDecodeError(endpoint string, body []byte, err error) *DecodeError {
	kind, jsonType, classErr := classifyBody(body, "")
	if kind != bodyObject {
		err = classErr
	}
	return &DecodeError{Endpoint: endpoint, Err: err, kind: kind, jsonType: jsonType, size: len(body)}
}
