package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// verbs is every fmt verb that reaches a Formatter, and a few flag and
// width combinations. %T prints the type. %p is the one verb fmt handles
// before any method: on a non-pointer it reports a bad verb and prints the
// raw value, a limit of Secret being a string type; go vet's printf check
// rejects %p with a non-pointer argument, so such code does not pass vet.
var verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%t",
	"%c", "%U", "%b", "%o", "%O", "%e", "%E", "%f", "%F", "%g", "%G",
	"%10s", "%-10v", "%.3s", "%.0s", "%+q", "%#q", "%08v", "%z", "%!",
}

func TestSecretFormatting(t *testing.T) {
	const value = "abc123-token"
	s := Secret(value)
	subjects := []struct {
		name string
		arg  any
	}{
		{"value", s},
		{"pointer", &s},
		{"slice", []Secret{s}},
		{"map value", map[string]Secret{"k": s}},
		{"fmt map key", map[Secret]int{s: 1}},
		{"account", Account{Name: "a", Token: s}},
		{"account pointer", &Account{Name: "a", Token: s}},
		{"config", Config{Accounts: []Account{{Name: "a", Token: s}}}},
		{"config pointer", &Config{Accounts: []Account{{Name: "a", Token: s}}}},
		{"interface", any(s)},
	}
	for _, subj := range subjects {
		for _, verb := range verbs {
			t.Run(subj.name+"/"+verb, func(t *testing.T) {
				got := fmt.Sprintf(verb, subj.arg)
				if strings.Contains(got, value) || strings.Contains(got, fmt.Sprintf("%x", value)) || strings.Contains(got, fmt.Sprintf("%X", value)) {
					t.Errorf("Sprintf(%q) leaks the token: %s", verb, got)
				}
				if !strings.Contains(got, "<secret>") {
					t.Errorf("Sprintf(%q) = %q, want it to show <secret>", verb, got)
				}
			})
		}
	}

	// The value alone renders exactly "<secret>".
	for _, verb := range verbs {
		if got := fmt.Sprintf(verb, s); got != "<secret>" {
			t.Errorf("Sprintf(%q, Secret) = %q, want <secret>", verb, got)
		}
	}
	if got := fmt.Sprintf("%T", s); got != "config.Secret" {
		t.Errorf("%%T = %q", got)
	}
	// %p on pointers prints an address.
	for _, arg := range []any{&s, &Account{Token: s}, &Config{Accounts: []Account{{Token: s}}}} {
		if got := fmt.Sprintf("%p", arg); strings.Contains(got, value) || !strings.HasPrefix(got, "0x") {
			t.Errorf("%%p = %q", got)
		}
	}
	for name, got := range map[string]string{
		"String":   s.String(),
		"GoString": s.GoString(),
		"Sprint":   fmt.Sprint(s),
		"Sprintln": strings.TrimSpace(fmt.Sprintln(s)),
	} {
		if got != "<secret>" {
			t.Errorf("%s = %q, want <secret>", name, got)
		}
	}
	if s.Reveal() != value {
		t.Errorf("Reveal() = %q, want %q", s.Reveal(), value)
	}
}

func TestSecretMarshal(t *testing.T) {
	const value = "abc123-token"
	s := Secret(value)
	tests := []struct {
		name    string
		marshal func() ([]byte, error)
		want    string
	}{
		// encoding/json escapes < and > as \u003c and \u003e.
		{"json value", func() ([]byte, error) { return json.Marshal(s) }, `"\u003csecret\u003e"`},
		{"json pointer", func() ([]byte, error) { return json.Marshal(&s) }, `"\u003csecret\u003e"`},
		{"json account", func() ([]byte, error) { return json.Marshal(Account{Name: "a", Token: s}) }, `"Token":"\u003csecret\u003e"`},
		{"json unescaped", func() ([]byte, error) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			err := enc.Encode(s)
			return b.Bytes(), err
		}, `"<secret>"`},
		{"yaml value", func() ([]byte, error) { return yaml.Marshal(s) }, "<secret>\n"},
		{"yaml struct field", func() ([]byte, error) { return yaml.Marshal(map[string]Secret{"token": s}) }, "token: <secret>\n"},
		{"text", func() ([]byte, error) { return s.MarshalText() }, "<secret>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.marshal()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(out), value) {
				t.Fatalf("marshalled output leaks the token: %s", out)
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("got %s, want it to contain %s", out, tt.want)
			}
		})
	}

	// yaml:"-": an account marshals without any token key at all.
	out, err := yaml.Marshal(Account{Name: "a", Token: s})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "token:") || strings.Contains(string(out), value) {
		t.Errorf("account YAML contains a token: %s", out)
	}
}

func TestSecretSlog(t *testing.T) {
	const value = "abc123-token"
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		l := slog.New(h)
		s := Secret(value)
		l.Info("msg", "token", s, "ptr", &s, "account", Account{Name: "a", Token: s})
	}
	if strings.Contains(buf.String(), value) {
		t.Errorf("slog output leaks the token:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "<secret>") {
		t.Errorf("slog output does not show <secret>:\n%s", buf.String())
	}
}

// assertNoToken checks the usual ways a config ends up in logs or pages.
func assertNoToken(t *testing.T, token string, c *Config) {
	t.Helper()
	var outs []string
	for _, verb := range verbs {
		outs = append(outs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, c.Accounts))
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j), string(y))
	for _, o := range outs {
		if strings.Contains(o, token) {
			t.Fatalf("token leaked: %s", o)
		}
	}
}
