package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

var (
	hostupNameRE  = regexp.MustCompile(`hostup_[a-z0-9_]+`)
	labelsRefRE   = regexp.MustCompile(`\$labels\.([A-Za-z_][A-Za-z0-9_]*)`)
	legendLabelRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
	// annotationSelectorRE finds a selector written in an annotation (a
	// query template, or a hint to the reader).
	annotationSelectorRE = regexp.MustCompile(`(hostup_[a-z0-9_]+)\{([^}]*)\}`)
	matcherNameRE        = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)`)
)

// notMetrics are hostup_ words in annotations that are not metric names.
var notMetrics = map[string]string{
	"hostup_exporter": "the program's name",
}

// realSchema scrapes the real binary against the demo account once.
func realSchema(t *testing.T) *schema {
	t.Helper()
	const token = "tok-e2e-consistency"
	srv := newFake(t, withToken(hostuptest.DemoAccount(25), token))
	e := startExporter(t, "--hostup.api-url", srv.URL, "--hostup.token-file", writeFile(t, t.TempDir(), "token", token))
	m, _ := e.metrics()
	requireValue(t, m, "hostup_up", map[string]string{"account": "default"}, 1)
	// Series a healthy account never has (a wait window's, a 429's) come
	// from the binary's output under faults, as TestAlertsEndToEnd
	// captured it.
	raw, err := os.ReadFile(filepath.Join(capturesDir(), "faults.prom"))
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range parseMetrics(t, string(raw)) {
		if m[name] == nil {
			m[name] = f
		} else {
			m[name].Metric = append(m[name].Metric, f.Metric...)
		}
	}
	return newSchema(m)
}

func TestConsistency(t *testing.T) {
	s := realSchema(t)
	d, raw := loadDashboard(t)
	rules := loadRules(t)

	t.Run("reader finds mistakes", func(t *testing.T) {
		// The checks below can fail: each of these is wrong in one way.
		for _, tc := range []struct{ expr, want string }{
			{`hostup_no_such_metric`, "metric hostup_no_such_metric is not in the exporter's output"},
			{`hostup_up{vps_id="x"}`, "hostup_up has no label vps_id"},
			{`hostup_scrape_success{endpoint="routed-ipv6"}`, `no hostup_scrape_success series has endpoint="routed-ipv6"`},
			{`sum by (vps_id) (hostup_up)`, "label vps_id is not on the aggregated series"},
			{`hostup_up * on(account, pool_id) hostup_routed_ipv6_pool_allocated_ratio`, "label pool_id is not on the left-hand side"},
			{`label_replace(hostup_up, "x", "$1", "vps_name", "(.*)")`, "source label vps_name is not on its series"},
			{`hostup_up * on(account) group_left(parent_cidr) hostup_routed_ipv6_available`, "label parent_cidr is not on the other side"},
		} {
			_, a := analyze("test", tc.expr, s)
			if !strings.Contains(strings.Join(a.problems, "\n"), tc.want) {
				t.Errorf("%s: want a problem %q, got %q", tc.expr, tc.want, a.problems)
			}
		}
		v, _ := analyze("test", `max by (account) (hostup_vps_info)`, s)
		if missing := missingLabels(v, []string{"vps_name"}); len(missing) == 0 {
			t.Error("an aggregation by (account) still carries vps_name")
		}
	})

	t.Run("dashboard expressions", func(t *testing.T) {
		exprs := d.exprs()
		if len(exprs) == 0 {
			t.Fatal("no expressions found in the dashboard")
		}
		for _, de := range exprs {
			v, a := analyze(de.where, de.expr, s)
			reportProblems(t, a, de.expr)
			checkHostupNames(t, de.where, de.expr, s)
			if v == nil {
				t.Errorf("%s: %s evaluates to a scalar, not series", de.where, de.expr)
				continue
			}
			var used []string
			for _, m := range legendLabelRE.FindAllStringSubmatch(de.legend, -1) {
				used = append(used, m[1])
			}
			for _, x := range missingLabels(v, used) {
				t.Errorf("%s: legend %q uses {{%s}}, which the result of %s does not carry (it has %v)", de.where, de.legend, x, de.expr, v.all())
			}
		}
	})

	t.Run("dashboard variables", func(t *testing.T) {
		vars := d.vars(t)
		if len(vars) == 0 {
			t.Fatal("no query variables found in the dashboard")
		}
		for _, dv := range vars {
			if dv.selector == "" {
				continue // label_values(label): any series
			}
			v, a := analyze(dv.where, dv.selector, s)
			reportProblems(t, a, dv.selector)
			if !v.all()[dv.label] {
				t.Errorf("%s: label_values(%s, %s): %s is not a label of %s (it has %v)", dv.where, dv.selector, dv.label, dv.label, dv.selector, v.all())
			}
		}
	})

	t.Run("alert rules", func(t *testing.T) {
		for i, r := range rules {
			where := ruleWhere(i, r)
			v, a := analyze(where+" expr", r.Expr, s)
			reportProblems(t, a, r.Expr)
			checkHostupNames(t, where+" expr", r.Expr, s)
			if v == nil {
				t.Errorf("%s: expr evaluates to a scalar: %s", where, r.Expr)
				continue
			}
			keys := make([]string, 0, len(r.Annotations))
			for k := range r.Annotations {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				text := r.Annotations[k]
				aw := fmt.Sprintf("%s annotation %s", where, k)
				var used []string
				for _, m := range labelsRefRE.FindAllStringSubmatch(text, -1) {
					used = append(used, m[1])
				}
				for _, x := range missingLabels(v, used) {
					t.Errorf("%s uses $labels.%s, but the expression's result does not carry %s (its series have %s); expr: %s",
						aw, x, x, describeAlts(v), strings.TrimSpace(r.Expr))
				}
				checkHostupNames(t, aw, text, s)
				for _, m := range annotationSelectorRE.FindAllStringSubmatch(text, -1) {
					labels, ok := s.metricLabels(m[1])
					if !ok {
						continue // reported by checkHostupNames
					}
					for _, lm := range matcherNameRE.FindAllStringSubmatch(m[2], -1) {
						if !labels[lm[1]] {
							t.Errorf("%s: selector %s{%s}: %s has no label %s (it has %v)", aw, m[1], m[2], m[1], lm[1], labels)
						}
					}
				}
			}
		}
	})

	t.Run("promtool test inputs", func(t *testing.T) { checkPromtoolInputs(t, s) })

	t.Run("dashboard JSON is normalised", func(t *testing.T) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil { // sorted keys, newline at the end
			t.Fatal(err)
		}
		if got, want := string(raw), buf.String(); got != want {
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			for i := 0; i < len(gl) || i < len(wl); i++ {
				var g, w string
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Fatalf("%s is not normalised (keys sorted, 2-space indent, newline at the end): line %d is %q, want %q", dashboardPath(), i+1, g, w)
				}
			}
		}
	})

	t.Run("panel ids are unique", func(t *testing.T) {
		seen := map[int]string{}
		for _, p := range d.allPanels() {
			where := fmt.Sprintf("panel %q (%s)", p.Title, p.Type)
			if p.ID == 0 {
				t.Errorf("%s has no id", where)
				continue
			}
			if first, dup := seen[p.ID]; dup {
				t.Errorf("panel id %d is used by %s and by %s", p.ID, first, where)
			}
			seen[p.ID] = where
		}
	})
}

// missingLabels returns the labels of want that some alternative of v does
// not carry.
func missingLabels(v value, want []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range want {
		if seen[x] {
			continue
		}
		seen[x] = true
		for _, ls := range v {
			if !ls[x] {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

func describeAlts(v value) string {
	parts := make([]string, len(v))
	for i, ls := range v {
		parts[i] = ls.String()
	}
	return strings.Join(parts, " or ")
}

func reportProblems(t *testing.T, a *analysis, expr string) {
	t.Helper()
	for _, p := range a.problems {
		t.Errorf("%s\n\texpr: %s", p, strings.TrimSpace(expr))
	}
}

// checkHostupNames finds every hostup_* word in text, the way a reader
// would, and requires it to be a metric the exporter exposes.
func checkHostupNames(t *testing.T, where, text string, s *schema) {
	t.Helper()
	for _, name := range hostupNameRE.FindAllString(text, -1) {
		if _, ok := notMetrics[name]; ok {
			continue
		}
		if _, ok := s.metricLabels(name); !ok {
			t.Errorf("%s: %s is not a metric in the exporter's output", where, name)
		}
	}
}
