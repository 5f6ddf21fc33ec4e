package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"
)

// This file reads the repository's dashboard and alert rules, for the
// consistency and Prometheus tests.

func dashboardPath() string { return filepath.Join(repoRoot, "dashboards", "hostup-overview.json") }
func rulesPath() string     { return filepath.Join(repoRoot, "alerts", "hostup.rules.yml") }

// dashExpr is one PromQL expression of the dashboard and where it is.
type dashExpr struct {
	where  string // e.g. `panel 8 "API calls by status" target A`
	expr   string
	legend string // legendFormat, "" when none
}

// dashVar is a templating variable of type query, label_values(selector,
// label) form.
type dashVar struct {
	where    string
	selector string // "" for label_values(label)
	label    string
}

type dashPanel struct {
	ID      int         `json:"id"`
	Title   string      `json:"title"`
	Type    string      `json:"type"`
	Targets []dashQuery `json:"targets"`
	Panels  []dashPanel `json:"panels"`
}

type dashQuery struct {
	RefID        string `json:"refId"`
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat"`
}

type dashboard struct {
	Panels []dashPanel `json:"panels"`
	// Rows is the pre-5.0 layout; a dashboard in it still counts.
	Rows       []dashPanel `json:"rows"`
	Templating struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

func loadDashboard(t testing.TB) (*dashboard, []byte) {
	t.Helper()
	raw, err := os.ReadFile(dashboardPath())
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath(), err)
	}
	return &d, raw
}

// allPanels lists every panel, those nested in rows included, depth first.
func (d *dashboard) allPanels() []dashPanel {
	var out []dashPanel
	var walk func(ps []dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	walk(d.Rows)
	return out
}

func (d *dashboard) exprs() []dashExpr {
	var out []dashExpr
	for _, p := range d.allPanels() {
		for i, q := range p.Targets {
			if q.Expr == "" {
				continue
			}
			ref := q.RefID
			if ref == "" {
				ref = fmt.Sprintf("#%d", i)
			}
			out = append(out, dashExpr{
				where:  fmt.Sprintf("dashboard panel %d %q target %s", p.ID, p.Title, ref),
				expr:   q.Expr,
				legend: q.LegendFormat,
			})
		}
	}
	return out
}

var labelValuesRE = regexp.MustCompile(`^\s*label_values\(\s*(?:(.*\S)\s*,\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$`)

// vars returns the query variables; a query that is not label_values(...)
// is an error, since nothing here could check it.
func (d *dashboard) vars(t testing.TB) []dashVar {
	t.Helper()
	var out []dashVar
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q string
		if err := json.Unmarshal(v.Query, &q); err != nil {
			var obj struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal(v.Query, &obj); err != nil {
				t.Fatalf("dashboard variable $%s: query is neither a string nor {query}: %s", v.Name, v.Query)
			}
			q = obj.Query
		}
		m := labelValuesRE.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("dashboard variable $%s: query %q is not label_values(...): this test cannot check it", v.Name, q)
			continue
		}
		out = append(out, dashVar{where: "dashboard variable $" + v.Name, selector: m[1], label: m[2]})
	}
	return out
}

type alertRule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t testing.TB) []alertRule {
	t.Helper()
	raw, err := os.ReadFile(rulesPath())
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Name  string      `yaml:"name"`
			Rules []alertRule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", rulesPath(), err)
	}
	var out []alertRule
	for _, g := range f.Groups {
		out = append(out, g.Rules...)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rules", rulesPath())
	}
	return out
}

// ruleWhere names a rule in messages; two alerts may share a name.
func ruleWhere(i int, r alertRule) string {
	name := r.Alert
	if name == "" {
		name = "record " + r.Record
	}
	if g := r.Labels["gate"]; g != "" {
		name += " (gate " + g + ")"
	}
	return fmt.Sprintf("alert rule #%d %s", i+1, name)
}
