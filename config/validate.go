package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode"

	"github.com/prometheus/common/model"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

var (
	// accountNameRE: the name is a label value and a query parameter, so it
	// is kept to characters that need no escaping in either.
	accountNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	envNameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate checks the whole configuration and reports every problem found,
// each prefixed with the YAML path of its key (e.g. "accounts[1].name: ...",
// "scrape.concurrency: ..."), joined with errors.Join. It expects defaults
// to be applied, as Parse and ZeroConfig do, and does not read tokens.
func (c *Config) Validate() error {
	if c == nil {
		return errors.New("config is nil")
	}
	var errs []error
	if len(c.Accounts) == 0 {
		errs = append(errs, errors.New("accounts: at least one account is required"))
	}
	firstUse := make(map[string]int, len(c.Accounts))
	for i := range c.Accounts {
		a := &c.Accounts[i]
		path := fmt.Sprintf("accounts[%d]", i)
		errs = append(errs, a.validate(path)...)
		if a.Name == "" {
			continue
		}
		if j, dup := firstUse[a.Name]; dup {
			errs = append(errs, fmt.Errorf("%s.name: duplicate account name %q (already used by accounts[%d])", path, a.Name, j))
		} else {
			firstUse[a.Name] = i
		}
	}
	errs = append(errs, c.Scrape.validate("scrape")...)
	return errors.Join(errs...)
}

func (a *Account) validate(path string) []error {
	var errs []error
	switch {
	case a.Name == "":
		errs = append(errs, fmt.Errorf("%s.name: is required", path))
	case !accountNameRE.MatchString(a.Name):
		errs = append(errs, fmt.Errorf("%s.name: invalid account name %q: must be 1 to 64 characters from [A-Za-z0-9_.-]", path, a.Name))
	}
	if err := validateAPIURL(a.APIURL); err != nil {
		errs = append(errs, fmt.Errorf("%s.api_url: %w", path, err))
	}
	errs = append(errs, a.validateTokenSource(path)...)
	errs = append(errs, a.VPS.validate(path+".vps")...)
	return errs
}

func (a *Account) validateTokenSource(path string) []error {
	switch {
	case a.TokenFile == "" && a.TokenEnv == "":
		return []error{fmt.Errorf("%s: exactly one of token_file or token_env is required", path)}
	case a.TokenFile != "" && a.TokenEnv != "":
		return []error{fmt.Errorf("%s: token_file and token_env are mutually exclusive", path)}
	case a.TokenFile != "" && strings.TrimSpace(a.TokenFile) == "":
		return []error{fmt.Errorf("%s.token_file: must not be blank", path)}
	case a.TokenFile != "" && strings.ContainsRune(a.TokenFile, 0):
		return []error{fmt.Errorf("%s.token_file: must not contain a NUL byte", path)}
	case a.TokenEnv != "" && !envNameRE.MatchString(a.TokenEnv):
		return []error{fmt.Errorf("%s.token_env: invalid environment variable name %q: must match [A-Za-z_][A-Za-z0-9_]*", path, a.TokenEnv)}
	}
	return nil
}

// validateAPIURL applies the rule of hostup.NewClient (see
// hostup.ValidateBaseURL), so that an api_url that validates is never
// refused when the client is built. Its messages show the URL only in its
// redacted form, as it could hold a password.
func validateAPIURL(raw string) error {
	if raw == "" {
		return errors.New("must not be empty")
	}
	if err := hostup.ValidateBaseURL(raw); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "hostup: "))
	}
	return nil
}

func (v *VPS) validate(path string) []error {
	var errs []error
	if v.DiscoverEnabled() && len(v.ServiceStatus) == 0 {
		errs = append(errs, fmt.Errorf("%s.service_status: must not be empty when discover is true (leave it out for the default [%s])", path, DefaultServiceStatus))
	}
	for i, s := range v.ServiceStatus {
		if err := checkListValue(s); err != nil {
			errs = append(errs, fmt.Errorf("%s.service_status[%d]: %w", path, i, err))
		}
	}
	firstUse := make(map[string]int, len(v.IDs))
	for i, id := range v.IDs {
		if err := checkListValue(id); err != nil {
			errs = append(errs, fmt.Errorf("%s.ids[%d]: %w", path, i, err))
			continue
		}
		if j, dup := firstUse[id]; dup {
			errs = append(errs, fmt.Errorf("%s.ids[%d]: duplicate VPS id %q (already at ids[%d])", path, i, id, j))
		} else {
			firstUse[id] = i
		}
	}
	return errs
}

// checkListValue checks one entry of service_status or ids.
func checkListValue(s string) error {
	switch {
	case s == "":
		return errors.New("must not be empty")
	case strings.TrimSpace(s) != s:
		return fmt.Errorf("must not have leading or trailing whitespace, got %q", s)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("must not contain control characters, got %q", s)
	}
	return nil
}

func (s *Scrape) validate(path string) []error {
	var errs []error
	if s.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("%s.timeout: must be greater than 0, got %s", path, model.Duration(s.Timeout)))
	}
	if s.TimeoutOffset < 0 {
		errs = append(errs, fmt.Errorf("%s.timeout_offset: must not be negative, got %s", path, model.Duration(s.TimeoutOffset)))
	}
	if s.Concurrency < MinConcurrency || s.Concurrency > MaxConcurrency {
		errs = append(errs, fmt.Errorf("%s.concurrency: must be between %d and %d, got %d", path, MinConcurrency, MaxConcurrency, s.Concurrency))
	}
	if s.CacheTTL < 0 {
		errs = append(errs, fmt.Errorf("%s.cache_ttl: must not be negative, got %s", path, model.Duration(s.CacheTTL)))
	}
	if s.MaxBackoff <= 0 {
		errs = append(errs, fmt.Errorf("%s.max_backoff: must be greater than 0, got %s", path, model.Duration(s.MaxBackoff)))
	}
	if s.MaxStale < 0 {
		errs = append(errs, fmt.Errorf("%s.max_stale: must not be negative, got %s", path, model.Duration(s.MaxStale)))
	}
	switch r := s.MaxRequestsPerSecond; {
	case math.IsNaN(r) || math.IsInf(r, 0):
		errs = append(errs, fmt.Errorf("%s.max_requests_per_second: must be a finite number (0 means unlimited), got %v", path, r))
	case r < 0:
		errs = append(errs, fmt.Errorf("%s.max_requests_per_second: must not be negative (0 means unlimited), got %v", path, r))
	}
	return errs
}
