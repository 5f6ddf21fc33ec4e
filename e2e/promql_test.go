package e2e

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// This file is a small PromQL reader for the consistency test: enough of
// the language to find the metric and label names an expression uses and
// the labels its result carries, checked against what the exporter really
// exposes. github.com/prometheus/prometheus is not a dependency of this
// module, so it cannot parse for us.
//
// Binary operators are taken left to right, without precedence. That is
// exact for the shapes dashboards and alert rules use (a vector, then
// filters, set operators and one vector matching per step) and approximate
// beyond.

// targetLabels are added by Prometheus to every scraped series.
var targetLabels = []string{"instance", "job"}

// syntheticMetrics are the series Prometheus makes for every target.
var syntheticMetrics = map[string]bool{
	"up": true, "scrape_duration_seconds": true, "scrape_samples_scraped": true,
	"scrape_samples_post_metric_relabeling": true, "scrape_series_added": true,
}

// schema is what the exporter exposes: label names and values per sample
// name (a histogram family gives _bucket, _sum and _count).
type schema struct {
	labels map[string]map[string]map[string]bool // sample name -> label -> values
}

func newSchema(fams metricSet) *schema {
	s := &schema{labels: map[string]map[string]map[string]bool{}}
	add := func(name string, m *dto.Metric, extra ...string) {
		if s.labels[name] == nil {
			s.labels[name] = map[string]map[string]bool{}
		}
		set := func(k, v string) {
			if s.labels[name][k] == nil {
				s.labels[name][k] = map[string]bool{}
			}
			s.labels[name][k][v] = true
		}
		for _, l := range m.GetLabel() {
			set(l.GetName(), l.GetValue())
		}
		for _, k := range extra {
			set(k, "")
		}
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				add(name+"_bucket", m, "le")
				add(name+"_sum", m)
				add(name+"_count", m)
			case dto.MetricType_SUMMARY:
				add(name, m, "quantile")
				add(name+"_sum", m)
				add(name+"_count", m)
			default:
				add(name, m)
			}
		}
	}
	return s
}

// metricLabels is the label set of a series of name once scraped, and
// whether the name exists.
func (s *schema) metricLabels(name string) (labelSet, bool) {
	out := labelSet{}
	for _, l := range targetLabels {
		out[l] = true
	}
	if syntheticMetrics[name] {
		return out, true
	}
	ls, ok := s.labels[name]
	for l := range ls {
		out[l] = true
	}
	return out, ok
}

// valueExceptions are matcher values that a healthy scrape cannot show.
var valueExceptions = map[string]string{
	`hostup_api_requests_total{status="429"}`: "a status label value exists only after HostUp answered it",
}

type labelSet map[string]bool

func (l labelSet) clone() labelSet {
	out := make(labelSet, len(l))
	for k := range l {
		out[k] = true
	}
	return out
}

func (l labelSet) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "{" + strings.Join(keys, ", ") + "}"
}

// value is what an expression evaluates to: nil for a scalar or string,
// else the label sets its series can have (more than one after `or`).
type value []labelSet

func (v value) all() labelSet {
	out := labelSet{}
	for _, ls := range v {
		for k := range ls {
			out[k] = true
		}
	}
	return out
}

func (v value) each(f func(labelSet) labelSet) value {
	out := make(value, len(v))
	for i, ls := range v {
		out[i] = f(ls.clone())
	}
	return out
}

type tokKind int

const (
	tkEOF tokKind = iota
	tkIdent
	tkString
	tkNumber
	tkVar // a Grafana variable: $x, ${x}, $__rate_interval
	tkPunct
)

type token struct {
	kind tokKind
	text string // for a string: its unquoted value
}

var (
	identRE  = regexp.MustCompile(`^[A-Za-z_:][A-Za-z0-9_:]*`)
	numberRE = regexp.MustCompile(`^(?:0x[0-9A-Fa-f]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?[A-Za-z0-9]*)`)
	varRE    = regexp.MustCompile(`^\$(?:\{[^}]*\}|[A-Za-z0-9_]+)`)
	opRE     = regexp.MustCompile(`^(?:==|!=|>=|<=|=~|!~|[-+*/%^<>=(){}\[\],:@])`)
)

func lexPromQL(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' && c != '`' {
					j++
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string at offset %d", i)
			}
			v := s[i+1 : j]
			if c == '"' {
				if u, err := strconv.Unquote(s[i : j+1]); err == nil {
					v = u
				}
			}
			out = append(out, token{tkString, v})
			i = j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			m := numberRE.FindString(s[i:])
			out = append(out, token{tkNumber, m})
			i += len(m)
		case c == '$':
			m := varRE.FindString(s[i:])
			if m == "" {
				return nil, fmt.Errorf("stray $ at offset %d", i)
			}
			out = append(out, token{tkVar, m})
			i += len(m)
		default:
			if m := identRE.FindString(s[i:]); m != "" {
				out = append(out, token{tkIdent, m})
				i += len(m)
				continue
			}
			if m := opRE.FindString(s[i:]); m != "" {
				out = append(out, token{tkPunct, m})
				i += len(m)
				continue
			}
			return nil, fmt.Errorf("unexpected %q at offset %d", c, i)
		}
	}
	return out, nil
}

var aggregators = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
}

var setOps = map[string]bool{"and": true, "or": true, "unless": true}

var binOps = map[string]bool{
	"+": true, "-": true, "*": true, "/": true, "%": true, "^": true,
	"==": true, "!=": true, ">": true, "<": true, ">=": true, "<=": true,
	"and": true, "or": true, "unless": true, "atan2": true,
}

// scalarFuncs return a scalar (or a vector without labels) whatever their
// arguments.
var scalarFuncs = map[string]bool{"time": true, "scalar": true, "pi": true, "vector": true}

// analysis is the reading of one expression.
type analysis struct {
	where    string
	s        *schema
	toks     []token
	pos      int
	problems []string
	metrics  []string // metric names used, in order
}

// analyze reads expr and returns its result and what is wrong with the
// names it uses.
func analyze(where, expr string, s *schema) (value, *analysis) {
	a := &analysis{where: where, s: s}
	toks, err := lexPromQL(expr)
	if err != nil {
		a.problemf("cannot read the expression: %v", err)
		return nil, a
	}
	a.toks = toks
	v := a.expr()
	if a.peek().kind != tkEOF {
		a.problemf("cannot read the expression past %q (token %d)", a.peek().text, a.pos)
	}
	return v, a
}

func (a *analysis) problemf(format string, args ...any) {
	a.problems = append(a.problems, a.where+": "+fmt.Sprintf(format, args...))
}

func (a *analysis) peek() token {
	if a.pos < len(a.toks) {
		return a.toks[a.pos]
	}
	return token{kind: tkEOF}
}

func (a *analysis) peekIs(kind tokKind, text string) bool {
	t := a.peek()
	return t.kind == kind && t.text == text
}

func (a *analysis) next() token {
	t := a.peek()
	if a.pos < len(a.toks) {
		a.pos++
	}
	return t
}

func (a *analysis) expect(text string) {
	if t := a.next(); t.text != text || t.kind == tkString {
		a.problemf("expected %q, got %q", text, t.text)
	}
}

// list reads "(a, b, c)".
func (a *analysis) list() []string {
	a.expect("(")
	var out []string
	for !a.peekIs(tkPunct, ")") && a.peek().kind != tkEOF {
		t := a.next()
		if t.kind == tkIdent || t.kind == tkString {
			out = append(out, t.text)
		}
		if a.peekIs(tkPunct, ",") {
			a.next()
		}
	}
	a.expect(")")
	return out
}

func (a *analysis) expr() value {
	left := a.operand()
	for {
		t := a.peek()
		if !(t.kind == tkPunct || t.kind == tkIdent) || !binOps[t.text] {
			return left
		}
		op := a.next().text
		var on, ignoring, include []string
		var hasOn, groupLeft, groupRight bool
		for {
			switch {
			case a.peekIs(tkIdent, "bool"):
				a.next()
				continue
			case a.peekIs(tkIdent, "on"):
				a.next()
				on, hasOn = a.list(), true
				continue
			case a.peekIs(tkIdent, "ignoring"):
				a.next()
				ignoring = a.list()
				continue
			case a.peekIs(tkIdent, "group_left"), a.peekIs(tkIdent, "group_right"):
				groupLeft = a.next().text == "group_left"
				groupRight = !groupLeft
				if a.peekIs(tkPunct, "(") {
					include = a.list()
				}
				continue
			}
			break
		}
		right := a.operand()
		left = a.combine(op, left, right, on, hasOn, ignoring, include, groupLeft, groupRight)
	}
}

func (a *analysis) combine(op string, left, right value, on []string, hasOn bool, ignoring, include []string, groupLeft, groupRight bool) value {
	if left == nil {
		return right
	}
	if right == nil {
		return left
	}
	l, r := left.all(), right.all()
	for _, x := range on {
		if !l[x] {
			a.problemf("%s on(%s): label %s is not on the left-hand side %v", op, strings.Join(on, ", "), x, l)
		}
		if !r[x] {
			a.problemf("%s on(%s): label %s is not on the right-hand side %v", op, strings.Join(on, ", "), x, r)
		}
	}
	for _, x := range include {
		side := r
		if groupRight {
			side = l
		}
		if !side[x] {
			a.problemf("group_left/right(%s): label %s is not on the other side %v", strings.Join(include, ", "), x, side)
		}
	}
	switch {
	case op == "or":
		return append(append(value{}, left...), right...)
	case setOps[op]:
		return left
	case groupLeft:
		return left.each(func(ls labelSet) labelSet {
			for _, x := range include {
				ls[x] = true
			}
			return ls
		})
	case groupRight:
		return right.each(func(ls labelSet) labelSet {
			for _, x := range include {
				ls[x] = true
			}
			return ls
		})
	case hasOn:
		return left.each(func(ls labelSet) labelSet {
			out := labelSet{}
			for _, x := range on {
				if ls[x] {
					out[x] = true
				}
			}
			return out
		})
	default:
		return left.each(func(ls labelSet) labelSet {
			for _, x := range ignoring {
				delete(ls, x)
			}
			return ls
		})
	}
}

func (a *analysis) operand() value {
	t := a.next()
	switch {
	case t.kind == tkPunct && t.text == "(":
		v := a.expr()
		a.expect(")")
		a.postfix()
		return v
	case t.kind == tkPunct && (t.text == "-" || t.text == "+"):
		return a.operand()
	case t.kind == tkNumber || t.kind == tkString:
		return nil
	case t.kind == tkIdent && aggregators[t.text]:
		return a.aggregation(t.text)
	case t.kind == tkIdent && a.peekIs(tkPunct, "("):
		return a.call(t.text)
	case t.kind == tkIdent && (strings.EqualFold(t.text, "inf") || strings.EqualFold(t.text, "nan")):
		return nil
	case t.kind == tkIdent:
		return a.selector(t.text)
	}
	a.problemf("unexpected %q", t.text)
	return nil
}

// postfix skips a range or subquery, offset and @.
func (a *analysis) postfix() {
	for {
		switch {
		case a.peekIs(tkPunct, "["):
			for t := a.next(); t.kind != tkEOF && !(t.kind == tkPunct && t.text == "]"); t = a.next() {
			}
		case a.peekIs(tkIdent, "offset"):
			a.next()
			if a.peekIs(tkPunct, "-") {
				a.next()
			}
			a.next()
		case a.peekIs(tkPunct, "@"):
			a.next()
			a.operand()
		default:
			return
		}
	}
}

func (a *analysis) selector(name string) value {
	a.metrics = append(a.metrics, name)
	labels, ok := a.s.metricLabels(name)
	if !ok {
		a.problemf("metric %s is not in the exporter's output", name)
	}
	if a.peekIs(tkPunct, "{") {
		a.next()
		for !a.peekIs(tkPunct, "}") && a.peek().kind != tkEOF {
			l := a.next()
			op := a.next()
			v := a.next()
			if l.kind != tkIdent || v.kind != tkString {
				a.problemf("cannot read the matcher %s%s%s of %s", l.text, op.text, v.text, name)
			}
			switch {
			case l.text == "__name__":
			case !labels[l.text]:
				if ok {
					a.problemf("matcher %s%s%q: %s has no label %s (it has %v)", l.text, op.text, v.text, name, l.text, labels)
				}
				labels[l.text] = true // no cascade of errors
			default:
				a.checkValue(name, l.text, op.text, v.text)
			}
			if a.peekIs(tkPunct, ",") {
				a.next()
			}
		}
		a.expect("}")
	}
	a.postfix()
	return value{labels}
}

var literalAlternationRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]+(\|[A-Za-z0-9_.:-]+)*$`)

// checkValue checks that a literal = or =~ matcher can match something the
// exporter really exposes.
func (a *analysis) checkValue(metric, label, op, val string) {
	if strings.Contains(val, "$") || syntheticMetrics[metric] {
		return
	}
	var want []string
	switch {
	case op == "=":
		want = []string{val}
	case op == "=~" && literalAlternationRE.MatchString(val):
		want = strings.Split(val, "|")
	default:
		return
	}
	if isTarget := label == "instance" || label == "job"; isTarget {
		return
	}
	have := a.s.labels[metric][label]
	for _, w := range want {
		if have[w] {
			continue
		}
		key := fmt.Sprintf("%s{%s=%q}", metric, label, w)
		if _, ok := valueExceptions[key]; ok {
			continue
		}
		var seen []string
		for v := range have {
			seen = append(seen, strconv.Quote(v))
		}
		sort.Strings(seen)
		a.problemf("matcher %s%s%q: no %s series has %s=%q (values seen: %s)", label, op, val, metric, label, w, strings.Join(seen, ", "))
	}
}

func (a *analysis) aggregation(name string) value {
	var grouping []string
	mode := ""
	readGrouping := func() {
		if a.peekIs(tkIdent, "by") || a.peekIs(tkIdent, "without") {
			mode = a.next().text
			grouping = a.list()
		}
	}
	readGrouping()
	a.expect("(")
	var args []value
	for !a.peekIs(tkPunct, ")") && a.peek().kind != tkEOF {
		args = append(args, a.expr())
		if a.peekIs(tkPunct, ",") {
			a.next()
		}
	}
	a.expect(")")
	if mode == "" {
		readGrouping()
	}
	var inner value
	if len(args) > 0 {
		inner = args[len(args)-1]
	}
	all := inner.all()
	for _, x := range grouping {
		if !all[x] {
			a.problemf("%s %s (%s): label %s is not on the aggregated series %v", name, mode, strings.Join(grouping, ", "), x, all)
		}
	}
	switch {
	case selectors[name]:
	case mode == "by":
		ls := labelSet{}
		for _, x := range grouping {
			ls[x] = true
		}
		return value{ls}
	case mode == "without":
		return inner.each(func(ls labelSet) labelSet {
			for _, x := range grouping {
				delete(ls, x)
			}
			return ls
		})
	}
	if selectors[name] {
		// They pick series, whole: a by() only groups the picking.
		return inner
	}
	return value{labelSet{}}
}

// selectors are the aggregations that return some of their input series
// with all their labels.
var selectors = map[string]bool{"topk": true, "bottomk": true, "limitk": true, "limit_ratio": true}

func (a *analysis) call(name string) value {
	a.expect("(")
	if name == "label_replace" || name == "label_join" {
		v := a.expr()
		var strs []string
		for a.peekIs(tkPunct, ",") {
			a.next()
			t := a.next()
			if t.kind != tkString {
				a.problemf("%s: argument %q is not a string literal", name, t.text)
			}
			strs = append(strs, t.text)
		}
		a.expect(")")
		if len(strs) < 2 {
			a.problemf("%s: too few arguments", name)
			return v
		}
		dst := strs[0]
		var srcs []string
		if name == "label_replace" {
			if len(strs) == 4 && strs[2] != "" {
				srcs = []string{strs[2]}
			}
		} else {
			srcs = strs[2:]
		}
		all := v.all()
		for _, src := range srcs {
			if !all[src] {
				a.problemf("%s: source label %s is not on its series %v", name, src, all)
			}
		}
		return v.each(func(ls labelSet) labelSet {
			ls[dst] = true
			return ls
		})
	}
	var args []value
	for !a.peekIs(tkPunct, ")") && a.peek().kind != tkEOF {
		args = append(args, a.expr())
		if a.peekIs(tkPunct, ",") {
			a.next()
		}
	}
	a.expect(")")
	a.postfix()
	if scalarFuncs[name] {
		if name == "vector" {
			return value{labelSet{}}
		}
		return nil
	}
	for _, v := range args {
		if v != nil {
			if name == "histogram_quantile" {
				return v.each(func(ls labelSet) labelSet { delete(ls, "le"); return ls })
			}
			return v
		}
	}
	return nil
}
