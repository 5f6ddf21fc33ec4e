// Package config loads and validates hostup_exporter's configuration file.
//
// It follows prometheus/blackbox_exporter's config package: the file is
// decoded strictly (an unknown or misspelt key is an error, with its line),
// defaults are applied, the result is validated as a whole, and a SafeConfig
// holds the current configuration so that a reload can swap it atomically.
//
// Decode a file with Parse or Load, not with yaml.Unmarshal: Parse is what
// applies defaults, reads durations in Prometheus notation (30s, 10m, 1h, 1d)
// and validates. The yaml tags on the exported types describe the file and
// are used when a Config is marshalled (for example to show it on a page).
//
// API tokens never live in the file. Each account names a token_file or a
// token_env; Load (or ResolveTokens) reads it into Account.Token, whose type
// Secret renders as "<secret>" however it is printed or marshalled.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

const (
	// DefaultAPIURL is the HostUp API an account talks to when api_url is
	// not set.
	DefaultAPIURL = "https://cloud.hostup.se"
	// DefaultTokenEnv is the environment variable ZeroConfig reads the token
	// from when no token file is given.
	DefaultTokenEnv = "HOSTUP_API_TOKEN"
	// ZeroConfigAccountName is the name (and account label) of the single
	// account ZeroConfig builds.
	ZeroConfigAccountName = "default"
	// DefaultServiceStatus is the service status of the discovered VPSes
	// that are scraped when vps.service_status is not set.
	DefaultServiceStatus = "active"

	// MinConcurrency and MaxConcurrency bound scrape.concurrency.
	MinConcurrency = 1
	MaxConcurrency = 256
)

// DefaultScrape holds the scrape settings used for every key the file does
// not set (and for the whole section when it is missing).
var DefaultScrape = Scrape{
	Timeout:              30 * time.Second,
	TimeoutOffset:        500 * time.Millisecond,
	Concurrency:          8,
	CacheTTL:             0,
	MaxStale:             10 * time.Minute,
	MaxRequestsPerSecond: 0,
	MaxBackoff:           15 * time.Minute,
}

// Config is the whole configuration file.
type Config struct {
	Accounts []Account `yaml:"accounts"`
	Scrape   Scrape    `yaml:"scrape"`
}

// Account is one HostUp account (one API token). Name is the value of the
// `account` label and of the `?account=` query parameter.
type Account struct {
	Name      string `yaml:"name"`
	APIURL    string `yaml:"api_url"`
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
	VPS       VPS    `yaml:"vps"`

	// Token is the API token, read from TokenFile or TokenEnv by Load or
	// ResolveTokens. It is never read from, or written to, YAML.
	Token Secret `yaml:"-"`
}

// VPS selects the VPSes of an account that are scraped.
type VPS struct {
	// Discover lists the account's VPSes; nil means true.
	Discover *bool `yaml:"discover"`
	// ServiceStatus: the discovered VPSes whose serviceStatus is one of
	// these are scraped. Values are not checked against a fixed list, since
	// HostUp may add statuses. Parse sets it to [active] when it is unset.
	ServiceStatus []string `yaml:"service_status"`
	// IDs are scraped as well, whether or not discovery is on.
	IDs []string `yaml:"ids"`
}

// DiscoverEnabled reports whether the account's VPSes are listed; an unset
// discover means true.
func (v VPS) DiscoverEnabled() bool {
	return v.Discover == nil || *v.Discover
}

// Scrape holds the settings shared by every scrape.
type Scrape struct {
	// Timeout is the upper bound of one scrape.
	Timeout time.Duration `yaml:"timeout"`
	// TimeoutOffset is subtracted from Prometheus'
	// X-Prometheus-Scrape-Timeout-Seconds header.
	TimeoutOffset time.Duration `yaml:"timeout_offset"`
	// Concurrency is the number of parallel VPS calls per account.
	Concurrency int `yaml:"concurrency"`
	// CacheTTL is how long an API read is reused; 0 reads on every scrape.
	CacheTTL time.Duration `yaml:"cache_ttl"`
	// MaxStale is how long the last good data is served when a read fails.
	MaxStale time.Duration `yaml:"max_stale"`
	// MaxRequestsPerSecond is a per-account token bucket; 0 is unlimited.
	MaxRequestsPerSecond float64 `yaml:"max_requests_per_second"`
	// MaxBackoff is the longest rate-limit wait window honoured.
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// MarshalYAML writes the durations in Prometheus notation ("30s", "10m"),
// the notation Parse reads, so that a marshalled Config parses back to the
// same value.
func (s Scrape) MarshalYAML() (any, error) {
	return struct {
		Timeout              string  `yaml:"timeout"`
		TimeoutOffset        string  `yaml:"timeout_offset"`
		Concurrency          int     `yaml:"concurrency"`
		CacheTTL             string  `yaml:"cache_ttl"`
		MaxStale             string  `yaml:"max_stale"`
		MaxRequestsPerSecond float64 `yaml:"max_requests_per_second"`
	}{
		Timeout:              model.Duration(s.Timeout).String(),
		TimeoutOffset:        model.Duration(s.TimeoutOffset).String(),
		Concurrency:          s.Concurrency,
		CacheTTL:             model.Duration(s.CacheTTL).String(),
		MaxStale:             model.Duration(s.MaxStale).String(),
		MaxRequestsPerSecond: s.MaxRequestsPerSecond,
	}, nil
}

// Account returns the account with the given name.
func (c *Config) Account(name string) (*Account, bool) {
	for i := range c.Accounts {
		if c.Accounts[i].Name == name {
			return &c.Accounts[i], true
		}
	}
	return nil, false
}

// fileConfig is the shape Parse decodes. Accounts decode straight into the
// exported type; the scrape section keeps its raw nodes so that a missing
// key can be told from an explicit zero and every conversion error can name
// its key. Only the leaves have custom unmarshalling, so the decoder's
// KnownFields check still covers every mapping.
type fileConfig struct {
	Accounts []Account  `yaml:"accounts"`
	Scrape   fileScrape `yaml:"scrape"`
}

type fileScrape struct {
	Timeout              rawValue `yaml:"timeout"`
	TimeoutOffset        rawValue `yaml:"timeout_offset"`
	Concurrency          rawValue `yaml:"concurrency"`
	CacheTTL             rawValue `yaml:"cache_ttl"`
	MaxStale             rawValue `yaml:"max_stale"`
	MaxRequestsPerSecond rawValue `yaml:"max_requests_per_second"`
	MaxBackoff           rawValue `yaml:"max_backoff"`
}

// rawValue keeps the node of one value. It stays nil when the key is
// missing or null, which means "use the default".
type rawValue struct{ node *yaml.Node }

func (r *rawValue) UnmarshalYAML(n *yaml.Node) error {
	r.node = n
	return nil
}

// typeNames maps the internal types yaml errors mention to exported ones.
var typeNames = strings.NewReplacer(
	"config.fileConfig", "config.Config",
	"config.fileScrape", "config.Scrape",
)

// Parse decodes one YAML document strictly, applies defaults and validates
// the result. It does not read tokens: see Load and ResolveTokens.
func Parse(data []byte) (*Config, error) {
	var fc fileConfig
	if err := decodeSingleDocument(data, &fc); err != nil {
		return nil, err
	}
	cfg := &Config{Accounts: fc.Accounts, Scrape: DefaultScrape}
	// A scrape key that does not convert keeps its default, so validation
	// still runs and every problem of the file is reported at once.
	convErr := fc.Scrape.apply("scrape", &cfg.Scrape)
	cfg.applyDefaults()
	if err := errors.Join(convErr, cfg.Validate()); err != nil {
		return nil, err
	}
	return cfg, nil
}

func decodeSingleDocument(data []byte, out *fileConfig) (err error) {
	// yaml.v3 turns its own failures into errors but lets any other panic
	// through; a malformed file must never take the exporter down.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: internal error while decoding: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			// Empty file or only comments: no accounts, which Validate
			// reports.
			return nil
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			msgs := make([]string, len(te.Errors))
			for i, m := range te.Errors {
				msgs[i] = typeNames.Replace(m)
			}
			return &yaml.TypeError{Errors: msgs}
		}
		return err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return fmt.Errorf("multiple YAML documents are not supported: %w", err)
	default:
		return fmt.Errorf("multiple YAML documents are not supported: a second document starts at line %d", next.Line)
	}
}

// apply converts the keys that are present into s, leaving the others at
// the value s already has.
func (f *fileScrape) apply(path string, s *Scrape) error {
	errs := []error{
		durationValue(path+".timeout", f.Timeout, &s.Timeout),
		durationValue(path+".timeout_offset", f.TimeoutOffset, &s.TimeoutOffset),
		intValue(path+".concurrency", f.Concurrency, &s.Concurrency),
		durationValue(path+".cache_ttl", f.CacheTTL, &s.CacheTTL),
		durationValue(path+".max_stale", f.MaxStale, &s.MaxStale),
		floatValue(path+".max_requests_per_second", f.MaxRequestsPerSecond, &s.MaxRequestsPerSecond),
		durationValue(path+".max_backoff", f.MaxBackoff, &s.MaxBackoff),
	}
	return errors.Join(errs...)
}

// scalar returns the scalar node of r, following an alias, or an error
// naming path when the value is a mapping or a sequence.
func (r rawValue) scalar(path, want string) (*yaml.Node, error) {
	n := r.node
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return nil, nil
	}
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("%s: line %d: must be %s", path, n.Line, want)
	}
	return n, nil
}

const durationHelp = "a duration such as 500ms, 30s, 10m or 1h"

// durationValue parses Prometheus duration notation (units ms, s, m, h, d,
// w, y from largest to smallest, e.g. 1h30m). A leading minus is accepted
// so that validation can say "must not be negative" instead of "invalid".
func durationValue(path string, r rawValue, dst *time.Duration) error {
	n, err := r.scalar(path, durationHelp)
	if n == nil {
		return err
	}
	d, err := model.ParseDurationAllowNegative(n.Value)
	if err != nil {
		return fmt.Errorf("%s: line %d: invalid duration %q: must be %s", path, n.Line, n.Value, durationHelp)
	}
	*dst = time.Duration(d)
	return nil
}

func intValue(path string, r rawValue, dst *int) error {
	n, err := r.scalar(path, "an integer")
	if n == nil {
		return err
	}
	// The tag check matters: yaml.v3 would truncate 2.5 into an int.
	var v int
	if n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		return fmt.Errorf("%s: line %d: must be an integer, got %q", path, n.Line, n.Value)
	}
	*dst = v
	return nil
}

func floatValue(path string, r rawValue, dst *float64) error {
	n, err := r.scalar(path, "a number")
	if n == nil {
		return err
	}
	var v float64
	if tag := n.ShortTag(); (tag != "!!int" && tag != "!!float") || n.Decode(&v) != nil {
		return fmt.Errorf("%s: line %d: must be a number, got %q", path, n.Line, n.Value)
	}
	*dst = v
	return nil
}

// applyDefaults fills in the account keys that were left out.
func (c *Config) applyDefaults() {
	for i := range c.Accounts {
		a := &c.Accounts[i]
		if a.APIURL == "" {
			a.APIURL = DefaultAPIURL
		}
		if a.VPS.Discover == nil {
			t := true
			a.VPS.Discover = &t
		}
		if a.VPS.ServiceStatus == nil {
			a.VPS.ServiceStatus = []string{DefaultServiceStatus}
		}
	}
}

// Load reads the file at path, parses it (see Parse) and reads every
// account's token (see ResolveTokens). A relative token_file is taken
// relative to the directory of the config file, as Prometheus does, and is
// stored joined with it. getenv looks up token_env variables; nil means
// os.Getenv. Errors are prefixed with the file's path.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config file: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("config file %q: %w", path, err)
	}
	dir := filepath.Dir(path)
	for i := range cfg.Accounts {
		a := &cfg.Accounts[i]
		if a.TokenFile != "" && !filepath.IsAbs(a.TokenFile) {
			a.TokenFile = filepath.Join(dir, a.TokenFile)
		}
	}
	if err := cfg.ResolveTokens(getenv); err != nil {
		return nil, fmt.Errorf("config file %q: %w", path, err)
	}
	return cfg, nil
}

// ZeroConfig is the configuration used when no config file is given: one
// account named "default" talking to apiURL (DefaultAPIURL when empty),
// whose token is read from tokenFile when it is non-empty and from the
// environment variable HOSTUP_API_TOKEN otherwise, with DefaultScrape. It is
// validated like a parsed file and its token is resolved. getenv nil means
// os.Getenv.
func ZeroConfig(apiURL, tokenFile string, getenv func(string) string) (*Config, error) {
	a := Account{Name: ZeroConfigAccountName, APIURL: apiURL, TokenFile: tokenFile}
	if tokenFile == "" {
		a.TokenEnv = DefaultTokenEnv
	}
	cfg := &Config{Accounts: []Account{a}, Scrape: DefaultScrape}
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.ResolveTokens(getenv); err != nil {
		return nil, err
	}
	return cfg, nil
}
