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

func decodeVPSPage(body []byte) (*VPSPage, error) {
	return decodeObject[VPSPage](EndpointVPSList, body)
}

// decodeObject requires a JSON object: a bare null, array or empty body would
// otherwise decode to an empty model and pass for an account with nothing in
// it. Unknown fields are ignored, as HostUp adds fields over time.
func decodeObject[T any](endpoint string, body []byte) (*T, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return nil, &DecodeError{Endpoint: endpoint, Err: errors.New("empty body")}
	case trimmed[0] != '{':
		return nil, &DecodeError{Endpoint: endpoint, Err: errors.New("expected a JSON object")}
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, &DecodeError{Endpoint: endpoint, Err: err}
	}
	return v, nil
}
