package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration read and written in Prometheus notation: a
// number and a unit (ms, s, m, h, d, w, y) from the largest unit to the
// smallest, e.g. 500ms, 30s, 10m, 1h30m, 1d. A leading minus is accepted so
// that validation can say "must not be negative" rather than "invalid".
//
// The time.Duration fields of Scrape are read and written through it (see
// durationView), so they keep their Go type.
type Duration time.Duration

const durationHelp = "a duration such as 500ms, 30s, 10m or 1h"

// UnmarshalYAML implements yaml.Unmarshaler. Its errors are yaml.TypeErrors,
// so that the decoder goes on and reports every problem of the file.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return nodeError(n, "must be "+durationHelp)
	}
	v, err := model.ParseDurationAllowNegative(n.Value)
	if err != nil {
		return nodeError(n, fmt.Sprintf("invalid duration %s: must be %s", quoteValue(n.Value), durationHelp))
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) {
	return model.Duration(d).String(), nil
}

// integer is an int that only a YAML integer converts to: yaml.v3 would
// silently truncate 2.5, and the file should say what it means.
type integer int

func (i *integer) UnmarshalYAML(n *yaml.Node) error {
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		return nodeError(n, "cannot read "+describeNode(n)+" as an integer")
	}
	*i = integer(v)
	return nil
}

// nodeError is a yaml.TypeError at n, with its line and column, which
// rewriteYAMLErrors turns into "<path>: line N: msg".
func nodeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d column %d: %s", n.Line, n.Column, msg)}}
}

// The view types: a struct with the fields and yaml tags of the exported
// type, but with Duration and integer where it has time.Duration and int.
// They are built by reflection, so a new field needs no code here.
var (
	viewFieldTypes = map[reflect.Type]reflect.Type{
		reflect.TypeOf(time.Duration(0)): reflect.TypeOf(Duration(0)),
		reflect.TypeOf(0):                reflect.TypeOf(integer(0)),
	}
	viewTypes sync.Map // reflect.Type -> reflect.Type
)

// durationView returns a pointer to a new view of the struct v (see
// viewFieldTypes) holding v's values. v's fields must all be exported, as
// reflect.StructOf requires (TestRoundTripEveryKey would panic otherwise).
func durationView(v reflect.Value) reflect.Value {
	t := v.Type()
	vt, ok := viewTypes.Load(t)
	if !ok {
		fields := make([]reflect.StructField, t.NumField())
		for i := range fields {
			fields[i] = t.Field(i)
			if ft, ok := viewFieldTypes[fields[i].Type]; ok {
				fields[i].Type = ft
			}
		}
		vt, _ = viewTypes.LoadOrStore(t, reflect.StructOf(fields))
	}
	p := reflect.New(vt.(reflect.Type))
	copyFields(p.Elem(), v)
	return p
}

// copyFields sets each field of dst to the field of src at the same index.
func copyFields(dst, src reflect.Value) {
	for i := range dst.NumField() {
		dst.Field(i).Set(src.Field(i).Convert(dst.Field(i).Type()))
	}
}

// problem is one error of the YAML decode, rewritten to name its YAML path.
type problem struct {
	// path is the YAML path of the value at fault, empty when the problem
	// is not a value (an unknown or duplicate key) or its path is unknown.
	path string
	msg  string
}

// decodeStrict decodes data, a single YAML document, into out with unknown
// keys refused. A syntax error or a second document is err; problems are
// the decode's other errors, every one of the file, each naming the YAML
// path of its key ("accounts[0].vps.discover: line 5: ..."). An empty
// document leaves out as it is.
func decodeStrict(data []byte, out any) (problems []problem, err error) {
	// yaml.v3 turns its own failures into errors but lets any other panic
	// through; a malformed file must never take the exporter down.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal error while decoding: %v", r)
		}
	}()
	// First the node tree: syntax errors, an empty file, a second
	// document, and the map from positions to YAML paths.
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, fmt.Errorf("multiple YAML documents are not supported: %w", err)
	default:
		return nil, fmt.Errorf("multiple YAML documents are not supported: a second document starts at line %d", next.Line)
	}
	// Then the strict decode of the same bytes, whose errors name lines.
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(out); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return newPaths(&doc).rewrite(te.Errors), nil
		}
		return nil, err
	}
	return nil, nil
}

// paths maps the nodes of a document, by line, to their YAML paths.
type paths struct {
	byLine map[int][]placed
	// aliases lists, for an anchored node, where aliases use it.
	aliases map[*yaml.Node][]placed
}

type placed struct {
	n      *yaml.Node
	path   string // of the value, or of the key's value for a key
	parent string // for a key: the path of its mapping
	key    bool
}

func newPaths(doc *yaml.Node) *paths {
	p := &paths{byLine: make(map[int][]placed), aliases: make(map[*yaml.Node][]placed)}
	p.walk(doc, "")
	return p
}

// walk records n and its children. An alias is not followed: yaml reports
// a problem in aliased content at the anchor, which is recorded where it
// stands, together with where its aliases are (see aliasNote).
func (p *paths) walk(n *yaml.Node, path string) {
	p.byLine[n.Line] = append(p.byLine[n.Line], placed{n: n, path: path})
	switch n.Kind {
	case yaml.AliasNode:
		if n.Alias != nil {
			p.aliases[n.Alias] = append(p.aliases[n.Alias], placed{n: n, path: path})
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			p.walk(c, path)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.walk(c, fmt.Sprintf("%s[%d]", path, i))
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.ShortTag() == "!!merge" {
				// Merged keys belong to this mapping.
				p.walk(v, path)
				continue
			}
			child := k.Value
			if path != "" {
				child = path + "." + k.Value
			}
			p.byLine[k.Line] = append(p.byLine[k.Line], placed{n: k, path: child, parent: path, key: true})
			p.walk(v, child)
		}
	}
}

var (
	reOwn      = regexp.MustCompile(`^line (\d+) column (\d+): (.*)$`)
	reUnknown  = regexp.MustCompile(`^line (\d+): field (.*) not found in type .*$`)
	reDupKey   = regexp.MustCompile(`^line (\d+): mapping key (".*") already defined at line (\d+)$`)
	reTypeErr  = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.*)$")
	reLineOnly = regexp.MustCompile(`^line (\d+): (.*)$`)
)

// rewrite turns yaml.v3's messages ("line 5: cannot unmarshal !!str `maybe`
// into bool", "line 7: field foo not found in type config.plain") into ones
// that name the YAML path and say what was expected.
func (p *paths) rewrite(msgs []string) []problem {
	out := make([]problem, len(msgs))
	for i, m := range msgs {
		out[i] = p.rewriteOne(m)
	}
	return out
}

func (p *paths) rewriteOne(m string) problem {
	if s := reOwn.FindStringSubmatch(m); s != nil {
		line, col := atoi(s[1]), atoi(s[2])
		for _, c := range p.byLine[line] {
			if !c.key && c.n.Column == col {
				return problem{c.path, at(c.path, line, s[3]+p.aliasNote(c.n))}
			}
		}
		return problem{"", at("", line, s[3])}
	}
	if s := reUnknown.FindStringSubmatch(m); s != nil {
		line, name := atoi(s[1]), s[2]
		for _, c := range p.byLine[line] {
			if c.key && c.n.Value == name {
				if c.parent == "" {
					return problem{"", at("", line, fmt.Sprintf("unknown top-level field %q", name))}
				}
				return problem{"", at(c.parent, line, fmt.Sprintf("unknown field %q", name))}
			}
		}
		return problem{"", at("", line, fmt.Sprintf("unknown field %q", name))}
	}
	if s := reDupKey.FindStringSubmatch(m); s != nil {
		line := atoi(s[1])
		name, err := strconv.Unquote(s[2])
		if err != nil {
			name = s[2]
		}
		for _, c := range p.byLine[line] {
			if c.key && c.n.Value == name {
				return problem{"", at(c.path, line, "duplicate key: already defined at line "+s[3])}
			}
		}
		return problem{"", at("", line, fmt.Sprintf("duplicate key %q: already defined at line %s", name, s[3]))}
	}
	if s := reTypeErr.FindStringSubmatch(m); s != nil {
		line, tag, shown, into := atoi(s[1]), s[2], s[3], s[4]
		want := describeType(into)
		// The message has no column: of the nodes on the line that fit it,
		// the deepest is the one (a list item's mapping and a list value
		// can start on the same line).
		var best *placed
		for i, c := range p.byLine[line] {
			if !c.key && nodeMatches(c.n, tag, shown) && (best == nil || len(c.path) > len(best.path)) {
				best = &p.byLine[line][i]
			}
		}
		if best != nil {
			return problem{best.path, at(best.path, line, "cannot read "+describeNode(best.n)+" as "+want+p.aliasNote(best.n))}
		}
		got := "a " + tag
		if shown != "" {
			got = strconv.Quote(shown)
		}
		return problem{"", at("", line, "cannot read "+got+" as "+want)}
	}
	if s := reLineOnly.FindStringSubmatch(m); s != nil {
		return problem{"", at("", atoi(s[1]), s[2])}
	}
	return problem{"", m}
}

// aliasNote names the aliases that use n, since yaml reports a problem
// found through an alias at the anchored value.
func (p *paths) aliasNote(n *yaml.Node) string {
	uses := p.aliases[n]
	if len(uses) == 0 {
		return ""
	}
	where := make([]string, len(uses))
	for i, u := range uses {
		where[i] = fmt.Sprintf("%s (line %d)", u.path, u.n.Line)
	}
	return " (this value is also used through an alias at " + strings.Join(where, ", ") + ")"
}

func at(path string, line int, msg string) string {
	if path == "" {
		return fmt.Sprintf("line %d: %s", line, msg)
	}
	return fmt.Sprintf("%s: line %d: %s", path, line, msg)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// nodeMatches reports whether n is the node yaml.v3 described with tag and
// value (which it cuts to 7 characters and "...").
func nodeMatches(n *yaml.Node, tag, shown string) bool {
	switch tag {
	case "seq":
		return n.Kind == yaml.SequenceNode
	case "map":
		return n.Kind == yaml.MappingNode
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if cut, ok := strings.CutSuffix(shown, "..."); ok {
		return strings.HasPrefix(n.Value, cut)
	}
	return n.Value == shown
}

// describeNode says what the file holds at n: "a list", "a mapping" or the
// quoted value, cut to a readable length.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	return quoteValue(n.Value)
}

func quoteValue(v string) string {
	const limit = 40
	if utf8.RuneCountInString(v) > limit {
		v = string([]rune(v)[:limit]) + "..."
	}
	return strconv.Quote(v)
}

// describeType names the Go type a yaml.v3 message mentions as what the
// file should hold there.
func describeType(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case t == "bool":
		return "a boolean (true or false)"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping"
}
