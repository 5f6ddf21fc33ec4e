package hostup

import (
	"bytes"
	"encoding/json"
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

func decodeVPSPage(body []byte) (*VPSPage, error) {
	return decodeObject[VPSPage](EndpointVPSList, body)
}

// decodeObject requires a JSON object: a bare null, array or empty body would
// otherwise decode to an empty model and pass for an account with nothing in
// it. Unknown fields are ignored, as HostUp adds fields over time. A UTF-8
// byte order mark before the object is ignored.
//
// A body that is not an object is a *DecodeError saying what it is (empty,
// HTML, truncated, not JSON, another JSON type); the client adds the status,
// the Content-Type and an excerpt (decodeFailure).
func decodeObject[T any](endpoint string, body []byte) (*T, error) {
	body = trimBOM(body)
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, newDecodeError(endpoint, body, nil)
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, newDecodeError(endpoint, body, err)
	}
	return v, nil
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
