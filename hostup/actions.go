package hostup

import (
	"bytes"
	"encoding/json"
)

// UnmarshalJSON decodes an `actions` object generically, so a gate HostUp
// adds later is kept without a code change. It is lenient per entry, because
// one odd gate must not cost the whole response:
//   - `actions: null` gives a nil map; `actions: []` (how some backends
//     serialise an empty object) gives an empty one;
//   - an entry whose value is null or not an object is skipped, and so is one
//     whose `allowed` is missing or not a boolean (its state is unknown);
//   - a `reason` or `code` that is missing, null or not a string stays nil.
func (a *Actions) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*a = nil
		return nil
	}
	if len(data) > 0 && data[0] == '[' {
		var empty []json.RawMessage
		if err := json.Unmarshal(data, &empty); err == nil && len(empty) == 0 {
			*a = Actions{}
			return nil
		}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	out := make(Actions, len(raw))
	for name, value := range raw {
		if g, ok := decodeGate(value); ok {
			out[name] = g
		}
	}
	*a = out
	return nil
}

func decodeGate(value json.RawMessage) (Gate, bool) {
	var fields struct {
		Allowed json.RawMessage `json:"allowed"`
		Reason  json.RawMessage `json:"reason"`
		Code    json.RawMessage `json:"code"`
	}
	if v := bytes.TrimSpace(value); len(v) == 0 || v[0] != '{' {
		return Gate{}, false
	}
	if json.Unmarshal(value, &fields) != nil {
		return Gate{}, false
	}
	var g Gate
	switch string(bytes.TrimSpace(fields.Allowed)) {
	case "true":
		g.Allowed = true
	case "false":
	default:
		return Gate{}, false
	}
	g.Reason = optionalString(fields.Reason)
	g.Code = optionalString(fields.Code)
	return g, true
}

func optionalString(raw json.RawMessage) *string {
	var s *string
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return s
}
