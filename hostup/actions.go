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
	out, ok := decodeWellFormedActions(data)
	if !ok {
		var err error
		if out, err = decodeLenientActions(data); err != nil {
			return err
		}
	}
	*a = out
	return nil
}

// decodeLenientActions decodes an actions object entry by entry, skipping
// the entries that are not well-formed gates.
func decodeLenientActions(data []byte) (Actions, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := make(Actions, len(raw))
	for name, value := range raw {
		if g, ok := decodeGate(value); ok {
			out[name] = g
		}
	}
	return out, nil
}

// wellFormedGate is a gate whose fields all have their documented types
// (or are null or missing).
type wellFormedGate struct {
	Allowed *bool   `json:"allowed"`
	Reason  *string `json:"reason"`
	Code    *string `json:"code"`
}

// decodeWellFormedActions is the fast path for an actions object whose
// every entry is null or a well-formed gate, which is what HostUp sends: one
// decode of the whole object. The lenient path (decodeLenientActions) decodes
// each gate and each of its strings separately, and encoding/json checks the
// syntax of its input on every call, so it cost a third of decoding a VPS
// network document (BENCHMARKS.md). Anything else (an entry or a field of
// another type) makes the decode fail, and false sends the object down the
// lenient path, so the result is always the one that path gives
// (FuzzActionsFastPath checks it).
func decodeWellFormedActions(data []byte) (Actions, bool) {
	var raw map[string]*wellFormedGate
	if json.Unmarshal(data, &raw) != nil || raw == nil {
		return nil, false
	}
	out := make(Actions, len(raw))
	for name, g := range raw {
		// A null entry, or a null or missing allowed: state unknown, as
		// in decodeGate.
		if g != nil && g.Allowed != nil {
			out[name] = Gate{Allowed: *g.Allowed, Reason: g.Reason, Code: g.Code}
		}
	}
	return out, true
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
