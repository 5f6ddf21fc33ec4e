package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"unicode"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// redacted is how a Secret renders everywhere.
const redacted = "<secret>"

// maxTokenFileSize bounds what is read from a token file, so that a
// token_file pointing at a device or a large file cannot stall or exhaust
// the exporter.
const maxTokenFileSize = 64 << 10

// Secret is an API token. Every way of printing or marshalling it (fmt with
// any verb and flag, including %v, %+v, %#v, %s, %q and %x, on the value or
// a pointer or inside a struct; encoding/json; yaml; encoding.TextMarshaler;
// slog) renders "<secret>". Only Reveal returns the value.
//
// Being a string type, it cannot guard three paths that bypass its methods:
// fmt's %p on a non-pointer value (fmt reports a bad verb and prints the raw
// value; go vet rejects such a call), a Secret stored in an unexported
// struct field (fmt prints it by reflection), and a Secret used as a JSON
// map key (encoding/json uses string keys as they are). Don't do those.
type Secret string

// Reveal returns the token. Call it only where the token is sent.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb, width and flag
// renders "<secret>" (without it, %x or %q would print the value).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return redacted, nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// ResolveTokens reads every account's token from its token_file or its
// token_env variable into Account.Token. Surrounding whitespace (such as a
// trailing newline) is trimmed. An empty token, an unreadable or oversized
// file, an unset variable, a token starting with "Bearer " or holding
// whitespace or control characters (hostup.ValidateToken: what NewClient
// would refuse) is an error naming the account and the key; no error ever
// contains token content. On error no account is changed. getenv nil means
// os.Getenv.
func (c *Config) ResolveTokens(getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	tokens := make([]Secret, len(c.Accounts))
	var errs []error
	for i := range c.Accounts {
		tok, err := c.Accounts[i].readToken(fmt.Sprintf("accounts[%d]", i), getenv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tokens[i] = tok
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for i := range c.Accounts {
		c.Accounts[i].Token = tokens[i]
	}
	return nil
}

func (a *Account) readToken(path string, getenv func(string) string) (Secret, error) {
	var raw, field, source string
	switch {
	case a.TokenFile != "" && a.TokenEnv != "":
		return "", fmt.Errorf("%s: token_file and token_env are mutually exclusive", path)
	case a.TokenFile != "":
		field, source = "token_file", fmt.Sprintf("token file %q", a.TokenFile)
		b, err := readLimited(a.TokenFile, maxTokenFileSize)
		if err != nil {
			// err comes from os (it names the file, never its content) or
			// from readLimited.
			return "", fmt.Errorf("%s.token_file: account %q: reading token: %w", path, a.Name, err)
		}
		raw = string(b)
	case a.TokenEnv != "":
		field, source = "token_env", fmt.Sprintf("environment variable %s", a.TokenEnv)
		raw = getenv(a.TokenEnv)
	default:
		return "", fmt.Errorf("%s: exactly one of token_file or token_env is required", path)
	}
	tok := strings.TrimSpace(raw)
	switch {
	case tok == "" && field == "token_env":
		return "", fmt.Errorf("%s.token_env: account %q: %s is unset or empty", path, a.Name, source)
	case tok == "":
		return "", fmt.Errorf("%s.token_file: account %q: %s is empty", path, a.Name, source)
	case strings.IndexFunc(tok, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%s.%s: account %q: token in %s contains control characters (is it more than one line?)", path, field, a.Name, source)
	case hasBearerPrefix(tok):
		return "", fmt.Errorf("%s.%s: account %q: the token in %s starts with \"Bearer \": %s (the exporter adds \"Bearer \")", path, field, a.Name, source, onlyTheKey(field))
	}
	// The client's own rule, so that no token read here is refused by
	// hostup.NewClient or sent in a malformed header.
	if err := hostup.ValidateToken(tok); err != nil {
		return "", fmt.Errorf("%s.%s: account %q: the token in %s contains whitespace: %s", path, field, a.Name, source, onlyTheKey(field))
	}
	return Secret(tok), nil
}

// hasBearerPrefix reports whether tok starts with the word "Bearer" (in any
// case) followed by whitespace: a whole Authorization header value pasted
// where the API key belongs.
func hasBearerPrefix(tok string) bool {
	const prefix = "bearer"
	return len(tok) > len(prefix) && strings.EqualFold(tok[:len(prefix)], prefix) &&
		unicode.IsSpace(rune(tok[len(prefix)]))
}

// onlyTheKey says how to fix the token source named by field.
func onlyTheKey(field string) string {
	if field == "token_env" {
		return "set the variable to only the API key"
	}
	return "put only the API key in the file"
}

// readLimited reads at most limit bytes of the file at path and fails if
// there are more.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}
