package hostup

import (
	"bytes"
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Mismatch is a field of a response whose JSON type is not the documented
// one. The field is left out of the decoded value (nil, zero or, for an array
// element, dropped), and everything else is decoded.
type Mismatch struct {
	// Field is the JSON path from the value the Mismatch is reported on,
	// with [] for an array element and no index: interfaces[].vlan, limits,
	// pools[].routes[].prefixLength. It is made of the documented names
	// only, so it is a bounded set of values.
	Field string
	// Want is the documented JSON type: number, string, boolean, object or
	// array.
	Want string
	// Got is the JSON type that came (number, string, boolean, object,
	// array), or "out-of-range number".
	Got string
}

// decodeLenient decodes a well-formed JSON object that the model did not
// take in one pass (json.Unmarshal gave an error other than a syntax error:
// a field of another type, or an Unmarshaler that refused). It reads the
// document generically, drops every value whose JSON type is not the one
// the model's Go type takes, recording a Mismatch for each, and decodes what
// remains. Only documents with such a field come here: a well-typed one
// costs one json.Unmarshal, as before.
func decodeLenient[T any](endpoint string, body []byte, firstErr error) (*T, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers stay exact, and out-of-range ones visible
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, newDecodeError(endpoint, body, firstErr)
	}
	var w mismatchWalker
	t := reflect.TypeFor[T]()
	tree, _ = w.clean(tree, t, "", true)
	cleaned, err := json.Marshal(tree)
	if err != nil {
		return nil, newDecodeError(endpoint, body, firstErr)
	}
	v := new(T)
	if err := json.Unmarshal(cleaned, v); err != nil {
		// The walker does not know this model's rules; report the first
		// error rather than guess.
		return nil, newDecodeError(endpoint, body, firstErr)
	}
	rv := reflect.ValueOf(v).Elem()
	setMismatches(rv, w.out)
	for field, items := range w.items {
		s := rv.FieldByIndex(structFields(t).byName[field].index)
		for i := 0; i < s.Len() && i < len(items); i++ {
			setMismatches(s.Index(i), items[i])
		}
	}
	return v, nil
}

// setMismatches stores mm, deduplicated and sorted, in v's Mismatches field
// when it has one.
func setMismatches(v reflect.Value, mm []Mismatch) {
	if len(mm) == 0 {
		return
	}
	f := v.FieldByName("Mismatches")
	if !f.IsValid() || f.Type() != mismatchesType {
		return
	}
	slices.SortFunc(mm, func(a, b Mismatch) int {
		return cmp.Or(strings.Compare(a.Field, b.Field), strings.Compare(a.Want, b.Want), strings.Compare(a.Got, b.Got))
	})
	f.Set(reflect.ValueOf(slices.Compact(mm)))
}

var (
	mismatchesType  = reflect.TypeFor[[]Mismatch]()
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	actionsType     = reflect.TypeFor[Actions]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// mismatchWalker collects the mismatches of one document. Those inside an
// element of a top-level array whose items report their own (VPSPage.data)
// go to items, by the field's JSON name and the element's index after
// dropped elements.
type mismatchWalker struct {
	out   []Mismatch
	items map[string][][]Mismatch
}

// clean returns v with every value that t cannot take removed, and false
// when v itself cannot be taken. null fits every type, as in encoding/json.
func (w *mismatchWalker) clean(v any, t reflect.Type, path string, top bool) (any, bool) {
	if v == nil {
		return nil, true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == actionsType:
		// Actions decodes itself leniently entry by entry; it takes an
		// object, or [] for an empty one.
		if a, ok := v.([]any); ok && len(a) == 0 {
			return v, true
		}
		if _, ok := v.(map[string]any); ok {
			return v, true
		}
		return w.refuse(path, "object", v)
	case t == rawMessageType, t.Kind() == reflect.Interface:
		return v, true
	case reflect.PointerTo(t).Implements(unmarshalerType):
		return v, true // its own rules, unknown here
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(string); ok {
			return v, true
		}
		return w.refuse(path, "string", v)
	case reflect.Bool:
		if _, ok := v.(bool); ok {
			return v, true
		}
		return w.refuse(path, "boolean", v)
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := v.(json.Number)
		if !ok {
			return w.refuse(path, "number", v)
		}
		if !fitsNumber(string(n), t) {
			w.out = append(w.out, Mismatch{Field: path, Want: "number", Got: "out-of-range number"})
			return nil, false
		}
		return v, true
	case reflect.Slice, reflect.Array:
		a, ok := v.([]any)
		if !ok {
			return w.refuse(path, "array", v)
		}
		elem := t.Elem()
		own := top && path != "" && !strings.ContainsAny(path, ".[") && reportsOwn(elem)
		kept := a[:0]
		for _, e := range a {
			if own {
				sub := mismatchWalker{}
				ce, ok := sub.clean(e, elem, "", false)
				if !ok {
					// The element itself: reported on the envelope.
					for _, m := range sub.out {
						m.Field = path + "[]"
						w.out = append(w.out, m)
					}
					continue
				}
				if w.items == nil {
					w.items = make(map[string][][]Mismatch)
				}
				w.items[path] = append(w.items[path], sub.out)
				kept = append(kept, ce)
				continue
			}
			if ce, ok := w.clean(e, elem, path+"[]", false); ok {
				kept = append(kept, ce)
			}
		}
		return kept, true
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return w.refuse(path, "object", v)
		}
		for k, e := range m {
			if ce, ok := w.clean(e, t.Elem(), join(path, "*"), false); ok {
				m[k] = ce
			} else {
				delete(m, k)
			}
		}
		return m, true
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return w.refuse(path, "object", v)
		}
		fields := structFields(t)
		for k, e := range m {
			f, ok := fields.lookup(k)
			if !ok {
				continue // unknown fields are ignored by the decoder
			}
			if f.quoted {
				continue
			}
			if ce, ok := w.clean(e, f.typ, join(path, f.name), top && path == ""); ok {
				m[k] = ce
			} else {
				delete(m, k)
			}
		}
		return m, true
	}
	return v, true
}

func (w *mismatchWalker) refuse(path, want string, got any) (any, bool) {
	w.out = append(w.out, Mismatch{Field: path, Want: want, Got: jsonKind(got)})
	return nil, false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// jsonKind names the JSON type of a value decoded with UseNumber.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// fitsNumber reports whether encoding/json can store the number n in t.
func fitsNumber(n string, t reflect.Type) bool {
	var err error
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		_, err = strconv.ParseFloat(n, t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		_, err = strconv.ParseUint(n, 10, t.Bits())
	default:
		_, err = strconv.ParseInt(n, 10, t.Bits())
	}
	return err == nil
}

// reportsOwn: the items of a slice of t carry their own Mismatches (VPS).
func reportsOwn(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return false
	}
	f, ok := t.FieldByName("Mismatches")
	return ok && f.Type == mismatchesType
}

// fieldInfo is one JSON-decoded field of a struct.
type fieldInfo struct {
	name   string // JSON name
	typ    reflect.Type
	index  []int
	quoted bool // `json:",string"`: its own rules
}

type fieldSet struct {
	byName  map[string]fieldInfo // exact JSON name
	byLower map[string]fieldInfo // lower-cased, as encoding/json also matches keys case-insensitively
}

func (fs *fieldSet) lookup(key string) (fieldInfo, bool) {
	if f, ok := fs.byName[key]; ok {
		return f, true
	}
	f, ok := fs.byLower[strings.ToLower(key)]
	return f, ok
}

var fieldCache sync.Map // reflect.Type -> *fieldSet

// structFields lists the fields encoding/json decodes into t (exported,
// not `json:"-"`), by JSON name.
func structFields(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{byName: map[string]fieldInfo{}, byLower: map[string]fieldInfo{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := fieldInfo{name: name, typ: sf.Type, index: sf.Index, quoted: strings.Contains(","+opts+",", ",string,")}
		fs.byName[name] = f
		if _, dup := fs.byLower[strings.ToLower(name)]; !dup {
			fs.byLower[strings.ToLower(name)] = f
		}
	}
	v, _ := fieldCache.LoadOrStore(t, fs)
	return v.(*fieldSet)
}
