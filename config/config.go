// Package config loads and validates hostup_exporter's configuration file.
//
// It follows prometheus/blackbox_exporter's config package. The exported
// types Config, Account, VPS and Scrape are the one shape of the
// configuration: their yaml tags are the file format, both ways. The file
// is decoded strictly (an unknown or misspelt key is an error, with its
// line); Scrape.UnmarshalYAML sets DefaultScrape before decoding over it,
// so a missing or null key keeps its default and an explicit value
// overrides it; durations are read and written in Prometheus notation
// (500ms, 30s, 10m, 1h, 1d; see Duration), so a marshalled Config parses
// back to the same value. A scrape option is a field of Scrape with its
// yaml tag, its default in DefaultScrape, its check in Scrape.validate and
// its entry in config.example.yml; nothing else.
//
// Load (with a file) and ZeroConfig (without) are the whole verdict, the
// same for --config.check, start-up and reload: they decode, apply
// defaults, validate and read the tokens, and they apply the API client's
// own rules to api_url and the token (hostup.ValidateBaseURL and
// hostup.ValidateToken), so a configuration they return is never refused
// by hostup.NewClient. Decode a file with Parse or Load, not with
// yaml.Unmarshal, which neither validates nor sets the account defaults.
//
// Errors list every problem of the file at once, one a line, each starting
// with the YAML path of its key and, for a problem in the YAML itself, its
// line:
//
//	accounts[0].vps.discover: line 5: cannot read "maybe" as a boolean (true or false)
//	accounts[0].vps: line 7: unknown field "foo"
//	scrape.concurrency: must be between 1 and 256, got 0
//
// API tokens never live in the file. Each account names a token_file or a
// token_env; Load (or ResolveTokens) reads it into Account.Token, whose type
// Secret renders as "<secret>" however it is printed or marshalled. No error
// ever contains a token. A SafeConfig holds the current configuration so
// that a reload can swap it atomically.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"
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
	// MaxBackoff is the longest rate-limit wait the exporter honours,
	// whatever Retry-After or X-RateLimit-Reset asks for.
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// UnmarshalYAML sets the defaults, then decodes the keys the file sets over
// them (blackbox_exporter's pattern), so that a missing or null key keeps
// its default and an explicit value, zero included, overrides it.
// Durations are read in Prometheus notation (see Duration) and integers
// only from YAML integers, through a view of Scrape built by reflection:
// adding a field to Scrape needs no code here.
func (s *Scrape) UnmarshalYAML(unmarshal func(any) error) error {
	*s = DefaultScrape
	view := durationView(reflect.ValueOf(s).Elem())
	// The obsolete-style unmarshal keeps the decoder's KnownFields check and
	// collects type errors instead of stopping at the first.
	err := unmarshal(view.Interface())
	copyFields(reflect.ValueOf(s).Elem(), view.Elem())
	return err
}

// MarshalYAML writes the durations in Prometheus notation ("30s", "10m"),
// the notation UnmarshalYAML reads, so that a marshalled Config parses back
// to the same value.
func (s Scrape) MarshalYAML() (any, error) {
	return durationView(reflect.ValueOf(s)).Interface(), nil
}

// setDefaults fills in the account keys that are unset (left out or null).
// Parse calls it after decoding rather than from an Account.UnmarshalYAML:
// yaml.v3 drops a list element whose unmarshaler fails, which would turn
// one bad key into "at least one account is required".
func (a *Account) setDefaults() {
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

// Account returns the account with the given name.
func (c *Config) Account(name string) (*Account, bool) {
	for i := range c.Accounts {
		if c.Accounts[i].Name == name {
			return &c.Accounts[i], true
		}
	}
	return nil, false
}

// Parse decodes one YAML document strictly, applies defaults and validates
// the result, reporting every problem of the file at once, one a line, each
// with the YAML path of its key and, where the problem is in the YAML
// itself, its line. It does not read tokens: see Load and ResolveTokens.
func Parse(data []byte) (*Config, error) {
	cfg := &Config{Scrape: DefaultScrape}
	problems, err := decodeStrict(data, cfg)
	if err != nil {
		// A syntax error or a second document: nothing to validate.
		return nil, err
	}
	for i := range cfg.Accounts {
		cfg.Accounts[i].setDefaults()
	}
	// A value that does not decode is left at its default (or zero), so
	// validation still runs and every problem of the file is reported at
	// once; what validation says about a value already reported is left
	// out ("accounts[0].name: is required" after "cannot read a list as a
	// string").
	var errs []error
	var bad []string
	for _, p := range problems {
		errs = append(errs, errors.New(p.msg))
		if p.path != "" {
			bad = append(bad, p.path)
		}
	}
	for _, err := range unjoin(cfg.Validate()) {
		if !underAny(err.Error(), bad) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return cfg, nil
}

// unjoin returns the errors joined in err.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// underAny reports whether msg is about one of paths or a key below it.
func underAny(msg string, paths []string) bool {
	for _, p := range paths {
		if rest, ok := strings.CutPrefix(msg, p); ok && rest != "" && strings.ContainsRune(":.[", rune(rest[0])) {
			return true
		}
	}
	return false
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
	a.setDefaults()
	cfg := &Config{Accounts: []Account{a}, Scrape: DefaultScrape}
	if err := cfg.Validate(); err != nil {
		return nil, zeroConfigError(err)
	}
	if err := cfg.ResolveTokens(getenv); err != nil {
		return nil, zeroConfigError(err)
	}
	return cfg, nil
}

// zeroConfigFields names, in zero-config mode, where each value came from:
// the user wrote flags and a variable, not accounts[0].
var zeroConfigFields = strings.NewReplacer(
	"accounts[0].api_url: ", "--hostup.api-url: ",
	"accounts[0].token_file: ", "--hostup.token-file: ",
	"accounts[0].token_env: ", "$"+DefaultTokenEnv+": ",
)

func zeroConfigError(err error) error {
	return errors.New(zeroConfigFields.Replace(err.Error()))
}
