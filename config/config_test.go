package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"gopkg.in/yaml.v3"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// minimal is the smallest valid file; cases append to it.
const minimal = `accounts:
  - name: production
    token_env: HOSTUP_API_TOKEN
`

func boolPtr(b bool) *bool { return &b }

// wantErrs checks that err is non-nil and contains every fragment.
func wantErrs(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error does not contain %q:\n%v", f, err)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr []string // fragments; empty means success
		check   func(t *testing.T, c *Config)
	}{
		{
			name: "valid minimal",
			in:   minimal,
			check: func(t *testing.T, c *Config) {
				if len(c.Accounts) != 1 || c.Accounts[0].Name != "production" || c.Accounts[0].TokenEnv != "HOSTUP_API_TOKEN" {
					t.Errorf("accounts = %+v", c.Accounts)
				}
				if c.Accounts[0].Token != "" {
					t.Error("Parse must not resolve tokens")
				}
			},
		},
		{
			name: "defaults applied",
			in:   minimal,
			check: func(t *testing.T, c *Config) {
				a := c.Accounts[0]
				if a.APIURL != DefaultAPIURL {
					t.Errorf("api_url = %q, want %q", a.APIURL, DefaultAPIURL)
				}
				if a.VPS.Discover == nil || !*a.VPS.Discover || !a.VPS.DiscoverEnabled() {
					t.Errorf("discover = %v, want true", a.VPS.Discover)
				}
				if !reflect.DeepEqual(a.VPS.ServiceStatus, []string{"active"}) {
					t.Errorf("service_status = %q, want [active]", a.VPS.ServiceStatus)
				}
				if len(a.VPS.IDs) != 0 {
					t.Errorf("ids = %q, want none", a.VPS.IDs)
				}
				want := Scrape{
					Timeout:       30 * time.Second,
					TimeoutOffset: 500 * time.Millisecond,
					Concurrency:   8,
					MaxStale:      10 * time.Minute,
					MaxBackoff:    15 * time.Minute,
				}
				if c.Scrape != want {
					t.Errorf("scrape = %+v, want %+v", c.Scrape, want)
				}
			},
		},
		{
			name: "defaults for keys left out of a partial scrape section",
			in:   minimal + "scrape:\n  concurrency: 3\n",
			check: func(t *testing.T, c *Config) {
				want := DefaultScrape
				want.Concurrency = 3
				if c.Scrape != want {
					t.Errorf("scrape = %+v, want %+v", c.Scrape, want)
				}
			},
		},
		{
			name: "null scrape section and null keys keep defaults",
			in:   minimal + "scrape:\n  timeout: ~\n  max_stale:\n",
			check: func(t *testing.T, c *Config) {
				if c.Scrape != DefaultScrape {
					t.Errorf("scrape = %+v, want %+v", c.Scrape, DefaultScrape)
				}
			},
		},
		{
			name: "explicit zeros are kept, not replaced by defaults",
			in:   minimal + "scrape:\n  timeout_offset: 0s\n  cache_ttl: 0\n  max_stale: 0s\n  max_requests_per_second: 0\n",
			check: func(t *testing.T, c *Config) {
				if c.Scrape.TimeoutOffset != 0 || c.Scrape.MaxStale != 0 || c.Scrape.CacheTTL != 0 {
					t.Errorf("scrape = %+v, want zero offset, ttl and max_stale", c.Scrape)
				}
			},
		},
		{
			name: "every field set",
			in: `accounts:
  - name: prod_1.eu-north
    api_url: http://localhost:8080/hostup/
    token_file: /run/secrets/hostup
    vps:
      discover: false
      service_status: [active, provisioning]
      ids: [123, "abc-def", 0123]
scrape:
  timeout: 1h30m
  timeout_offset: 250ms
  concurrency: 256
  cache_ttl: 1d
  max_stale: 2w
  max_requests_per_second: 2.5
  max_backoff: 1h
`,
			check: func(t *testing.T, c *Config) {
				want := &Config{
					Accounts: []Account{{
						Name:      "prod_1.eu-north",
						APIURL:    "http://localhost:8080/hostup/",
						TokenFile: "/run/secrets/hostup",
						VPS: VPS{
							Discover:      boolPtr(false),
							ServiceStatus: []string{"active", "provisioning"},
							IDs:           []string{"123", "abc-def", "0123"},
						},
					}},
					Scrape: Scrape{
						Timeout:              90 * time.Minute,
						TimeoutOffset:        250 * time.Millisecond,
						Concurrency:          256,
						CacheTTL:             24 * time.Hour,
						MaxStale:             14 * 24 * time.Hour,
						MaxRequestsPerSecond: 2.5,
						MaxBackoff:           time.Hour,
					},
				}
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "top-level extension keys are unknown fields",
			in:   "x-common: &t 45s\n" + minimal,
			wantErr: []string{
				`line 1: unknown top-level field "x-common"`,
			},
		},
		{
			name: "alias to a duration",
			in:   minimal + "scrape:\n  timeout: &t 45s\n  cache_ttl: *t\n",
			check: func(t *testing.T, c *Config) {
				if c.Scrape.Timeout != 45*time.Second || c.Scrape.CacheTTL != 45*time.Second {
					t.Errorf("scrape = %+v", c.Scrape)
				}
			},
		},
		{
			name: "open enum service_status",
			in:   "accounts:\n  - name: a\n    token_env: T\n    vps:\n      service_status: [SomethingNew]\n",
			check: func(t *testing.T, c *Config) {
				if got := c.Accounts[0].VPS.ServiceStatus; !reflect.DeepEqual(got, []string{"SomethingNew"}) {
					t.Errorf("service_status = %q", got)
				}
			},
		},
		{
			name: "empty service_status allowed with discovery off",
			in:   "accounts:\n  - name: a\n    token_env: T\n    vps:\n      discover: false\n      service_status: []\n      ids: [\"1\"]\n",
		},
		{
			name: "null list entries are dropped by the YAML decoder",
			in:   minimal + "    vps:\n      ids: [~, \"7\"]\n",
			check: func(t *testing.T, c *Config) {
				if got := c.Accounts[0].VPS.IDs; !reflect.DeepEqual(got, []string{"7"}) {
					t.Errorf("ids = %q, want [7]", got)
				}
			},
		},
		{
			name: "name of 64 characters",
			in:   "accounts:\n  - name: " + strings.Repeat("a", 64) + "\n    token_env: T\n",
		},
		{
			name: "several accounts",
			in:   minimal + "  - name: staging\n    token_file: tok\n",
			check: func(t *testing.T, c *Config) {
				if a, ok := c.Account("staging"); !ok || a.TokenFile != "tok" {
					t.Errorf("Account(staging) = %+v, %v", a, ok)
				}
				if a, ok := c.Account("production"); !ok || a != &c.Accounts[0] {
					t.Errorf("Account(production) = %p, %v; want &Accounts[0]", a, ok)
				}
				if _, ok := c.Account("nope"); ok {
					t.Error("Account(nope) found")
				}
			},
		},

		// Structure errors from the YAML decoder.
		{name: "unknown top-level field", in: minimal + "scrap:\n  timeout: 1s\n", wantErr: []string{`line 4: unknown top-level field "scrap"`}},
		{name: "unknown account field", in: "accounts:\n  - name: a\n    tokenfile: /x\n", wantErr: []string{`accounts[0]: line 3: unknown field "tokenfile"`}},
		{name: "token inline in the file is not a field", in: minimal + "    token: abc\n", wantErr: []string{`accounts[0]: line 4: unknown field "token"`}},
		{name: "unknown vps field", in: minimal + "    vps:\n      discovery: true\n", wantErr: []string{`accounts[0].vps: line 5: unknown field "discovery"`}},
		{name: "unknown scrape field", in: minimal + "scrape:\n  timout: 1s\n", wantErr: []string{`scrape: line 5: unknown field "timout"`}},
		{name: "unknown field through a merge key", in: minimal + "scrape:\n  <<: {timeout: 1s, bogus: 1}\n", wantErr: []string{`scrape: line 5: unknown field "bogus"`}},
		{name: "duplicate key", in: minimal + "scrape:\n  timeout: 1s\n  timeout: 2s\n", wantErr: []string{"scrape.timeout: line 6: duplicate key: already defined at line 5"}},
		{name: "wrong type for name", in: "accounts:\n  - name: [a]\n    token_env: T\n", wantErr: []string{"accounts[0].name: line 2: cannot read a list as a string"}},
		{name: "not a mapping", in: "hello\n", wantErr: []string{`line 1: cannot read "hello" as a mapping`}},
		{name: "syntax error", in: "accounts:\n  - name: a\n   token_env: [\n", wantErr: []string{"yaml: line"}},
		{name: "multiple documents", in: minimal + "---\n" + minimal, wantErr: []string{"multiple YAML documents are not supported", "line 4"}},
		{name: "trailing document separator", in: minimal + "---\n", wantErr: []string{"multiple YAML documents are not supported"}},
		{name: "broken second document", in: minimal + "---\n[\n", wantErr: []string{"multiple YAML documents are not supported"}},

		// No accounts.
		{name: "empty file", in: "", wantErr: []string{"accounts: at least one account is required"}},
		{name: "only comments", in: "# nothing here\n", wantErr: []string{"accounts: at least one account is required"}},
		{name: "empty document", in: "---\n", wantErr: []string{"accounts: at least one account is required"}},
		{name: "null document", in: "null\n", wantErr: []string{"accounts: at least one account is required"}},
		{name: "empty account list", in: "accounts: []\n", wantErr: []string{"accounts: at least one account is required"}},
		{name: "scrape only", in: "scrape:\n  timeout: 1s\n", wantErr: []string{"accounts: at least one account is required"}},

		// Account names.
		{name: "duplicate name", in: minimal + "  - name: production\n    token_env: OTHER\n", wantErr: []string{`accounts[1].name: duplicate account name "production"`}},
		{name: "missing name", in: "accounts:\n  - token_env: T\n", wantErr: []string{"accounts[0].name: is required"}},
		{name: "empty name", in: "accounts:\n  - name: \"\"\n    token_env: T\n", wantErr: []string{"accounts[0].name: is required"}},
		{name: "name with a space", in: "accounts:\n  - name: my account\n    token_env: T\n", wantErr: []string{`accounts[0].name: invalid account name "my account"`}},
		{name: "name with query characters", in: "accounts:\n  - name: a&b=c\n    token_env: T\n", wantErr: []string{`accounts[0].name: invalid account name "a&b=c"`}},
		{name: "name too long", in: "accounts:\n  - name: " + strings.Repeat("a", 65) + "\n    token_env: T\n", wantErr: []string{"accounts[0].name: invalid account name"}},
		{name: "account that is not a mapping", in: "accounts:\n  - production\n", wantErr: []string{`accounts[0]: line 2: cannot read "production" as a mapping`}},

		// Token sources.
		{name: "missing token source", in: "accounts:\n  - name: a\n", wantErr: []string{"accounts[0]: exactly one of token_file or token_env is required"}},
		{name: "both token sources", in: "accounts:\n  - name: a\n    token_file: /x\n    token_env: T\n", wantErr: []string{"accounts[0]: token_file and token_env are mutually exclusive"}},
		{name: "invalid token_env name", in: "accounts:\n  - name: a\n    token_env: MY-TOKEN\n", wantErr: []string{`accounts[0].token_env: invalid environment variable name "MY-TOKEN"`}},
		{name: "blank token_file", in: "accounts:\n  - name: a\n    token_file: \"  \"\n", wantErr: []string{"accounts[0].token_file: must not be blank"}},

		// API URL.
		{name: "bad URL scheme", in: minimal + "    api_url: ftp://cloud.hostup.se\n", wantErr: []string{"accounts[0].api_url: base URL must be an absolute http or https URL, not ftp"}},
		{name: "relative URL", in: minimal + "    api_url: cloud.hostup.se\n", wantErr: []string{"accounts[0].api_url: base URL must be an absolute http or https URL"}},
		{name: "URL without host", in: minimal + "    api_url: https:///api\n", wantErr: []string{`accounts[0].api_url: base URL "https:///api" has no host`}},
		{name: "opaque URL", in: minimal + "    api_url: https:cloud.hostup.se\n", wantErr: []string{`accounts[0].api_url: base URL "https:cloud.hostup.se" has no host`}},
		{name: "URL with query", in: minimal + "    api_url: https://cloud.hostup.se/?x=1\n", wantErr: []string{"accounts[0].api_url: base URL", "must not have a query or fragment"}},
		{name: "URL with empty query", in: minimal + "    api_url: https://cloud.hostup.se/?\n", wantErr: []string{"accounts[0].api_url: base URL", "must not have a query or fragment"}},
		{name: "URL with fragment", in: minimal + "    api_url: https://cloud.hostup.se/#top\n", wantErr: []string{"accounts[0].api_url: base URL", "must not have a query or fragment"}},
		{name: "URL with userinfo", in: minimal + "    api_url: https://me:hunter2@cloud.hostup.se\n", wantErr: []string{`accounts[0].api_url: base URL "https://me:xxxxx@cloud.hostup.se" must not carry user info`}},
		{name: "unparsable URL", in: minimal + "    api_url: https://cloud hostup.se\n", wantErr: []string{`accounts[0].api_url: invalid base URL: invalid character " " in host name`}},

		// Durations.
		{name: "duration without unit", in: minimal + "scrape:\n  timeout: 30\n", wantErr: []string{`scrape.timeout: line 5: invalid duration "30"`}},
		{name: "duration garbage", in: minimal + "scrape:\n  max_stale: soon\n", wantErr: []string{`scrape.max_stale: line 5: invalid duration "soon"`}},
		{name: "fractional duration", in: minimal + "scrape:\n  timeout: 1.5s\n", wantErr: []string{`scrape.timeout: line 5: invalid duration "1.5s"`}},
		{name: "duration units out of order", in: minimal + "scrape:\n  timeout: 1m1h\n", wantErr: []string{`scrape.timeout: line 5: invalid duration "1m1h"`}},
		{name: "duration overflow", in: minimal + "scrape:\n  timeout: 1000y\n", wantErr: []string{`scrape.timeout: line 5: invalid duration "1000y"`}},
		{name: "duration as a list", in: minimal + "scrape:\n  timeout: [1s]\n", wantErr: []string{"scrape.timeout: line 5: must be a duration"}},
		{name: "zero timeout", in: minimal + "scrape:\n  timeout: 0s\n", wantErr: []string{"scrape.timeout: must be greater than 0"}},
		{name: "negative timeout", in: minimal + "scrape:\n  timeout: -5s\n", wantErr: []string{"scrape.timeout: must be greater than 0, got -5s"}},
		{name: "negative timeout_offset", in: minimal + "scrape:\n  timeout_offset: -1s\n", wantErr: []string{"scrape.timeout_offset: must not be negative"}},
		{name: "negative cache_ttl", in: minimal + "scrape:\n  cache_ttl: -1m\n", wantErr: []string{"scrape.cache_ttl: must not be negative, got -1m"}},
		{name: "negative max_stale", in: minimal + "scrape:\n  max_stale: -10m\n", wantErr: []string{"scrape.max_stale: must not be negative"}},
		{name: "zero max_backoff", in: minimal + "scrape:\n  max_backoff: 0s\n", wantErr: []string{"scrape.max_backoff: must be greater than 0, got 0s"}},
		{name: "negative max_backoff", in: minimal + "scrape:\n  max_backoff: -1m\n", wantErr: []string{"scrape.max_backoff: must be greater than 0, got -1m"}},
		{name: "max_backoff without unit", in: minimal + "scrape:\n  max_backoff: 900\n", wantErr: []string{`scrape.max_backoff: line 5: invalid duration "900"`}},

		// Concurrency and rate.
		{name: "zero concurrency", in: minimal + "scrape:\n  concurrency: 0\n", wantErr: []string{"scrape.concurrency: must be between 1 and 256"}},
		{name: "too much concurrency", in: minimal + "scrape:\n  concurrency: 257\n", wantErr: []string{"scrape.concurrency: must be between 1 and 256"}},
		{name: "negative concurrency", in: minimal + "scrape:\n  concurrency: -1\n", wantErr: []string{"scrape.concurrency: must be between 1 and 256"}},
		{name: "concurrency not an integer", in: minimal + "scrape:\n  concurrency: 2.5\n", wantErr: []string{`scrape.concurrency: line 5: cannot read "2.5" as an integer`}},
		{name: "concurrency as a string", in: minimal + "scrape:\n  concurrency: many\n", wantErr: []string{`scrape.concurrency: line 5: cannot read "many" as an integer`}},
		{name: "concurrency quoted", in: minimal + "scrape:\n  concurrency: \"8\"\n", wantErr: []string{`scrape.concurrency: line 5: cannot read "8" as an integer`}},
		{name: "rate quoted", in: minimal + "scrape:\n  max_requests_per_second: \"2\"\n", wantErr: []string{`scrape.max_requests_per_second: line 5: cannot read "2" as a number`}},
		{name: "negative rate", in: minimal + "scrape:\n  max_requests_per_second: -1\n", wantErr: []string{"scrape.max_requests_per_second: must not be negative"}},
		{name: "NaN rate", in: minimal + "scrape:\n  max_requests_per_second: .nan\n", wantErr: []string{"scrape.max_requests_per_second: must be a finite number"}},
		{name: "infinite rate", in: minimal + "scrape:\n  max_requests_per_second: .inf\n", wantErr: []string{"scrape.max_requests_per_second: must be a finite number"}},
		{name: "rate not a number", in: minimal + "scrape:\n  max_requests_per_second: fast\n", wantErr: []string{`scrape.max_requests_per_second: line 5: cannot read "fast" as a number`}},

		// VPS selection.
		{name: "empty VPS id", in: minimal + "    vps:\n      ids: [\"1\", \"\"]\n", wantErr: []string{"accounts[0].vps.ids[1]: must not be empty"}},
		{name: "duplicate VPS id", in: minimal + "    vps:\n      ids: [\"1\", \"2\", \"1\"]\n", wantErr: []string{`accounts[0].vps.ids[2]: duplicate VPS id "1"`}},
		{name: "VPS id with whitespace", in: minimal + "    vps:\n      ids: [\" 1\"]\n", wantErr: []string{"accounts[0].vps.ids[0]: must not have leading or trailing whitespace"}},
		{name: "empty service status", in: minimal + "    vps:\n      service_status: [active, \"\"]\n", wantErr: []string{"accounts[0].vps.service_status[1]: must not be empty"}},
		{name: "empty service_status list with discovery on", in: minimal + "    vps:\n      service_status: []\n", wantErr: []string{"accounts[0].vps.service_status: must not be empty when discover is true"}},

		{
			name: "every problem is reported",
			in:   "accounts:\n  - name: a b\n    api_url: ftp://x\n  - name: ok\n    token_env: T\nscrape:\n  concurrency: 0\n  cache_ttl: -1s\n  timeout: 30\n",
			wantErr: []string{
				`scrape.timeout: line 9: invalid duration "30"`,
				`accounts[0].name: invalid account name "a b"`,
				"accounts[0].api_url: base URL must be an absolute http or https URL",
				"accounts[0]: exactly one of token_file or token_env is required",
				"scrape.concurrency: must be between 1 and 256",
				"scrape.cache_ttl: must not be negative",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.in))
			if len(tt.wantErr) > 0 {
				wantErrs(t, err, tt.wantErr...)
				if c != nil {
					t.Errorf("got a config with the error: %+v", c)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("parsed config does not validate again: %v", err)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestParseUserinfoPasswordNotEchoed(t *testing.T) {
	_, err := Parse([]byte(minimal + "    api_url: https://me:hunter2@cloud.hostup.se\n"))
	wantErrs(t, err, "must not carry user info")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error echoes the URL password: %v", err)
	}
}

func TestValidateUnparsedConfig(t *testing.T) {
	// A Config built in code without defaults is refused with paths, not
	// accepted with zero values.
	c := &Config{Accounts: []Account{{Name: "a", TokenEnv: "T"}}}
	wantErrs(t, c.Validate(),
		"accounts[0].api_url: must not be empty",
		"accounts[0].vps.service_status: must not be empty when discover is true",
		"scrape.timeout: must be greater than 0",
		"scrape.concurrency: must be between 1 and 256",
	)
	var nilCfg *Config
	wantErrs(t, nilCfg.Validate(), "config is nil")
}

func TestDiscoverEnabled(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    VPS
		want bool
	}{
		{"unset means true", VPS{}, true},
		{"true", VPS{Discover: boolPtr(true)}, true},
		{"false", VPS{Discover: boolPtr(false)}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.DiscoverEnabled(); got != tt.want {
				t.Errorf("DiscoverEnabled() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestMarshalRoundTrip: a parsed config marshals to YAML that parses back
// to the same config, with durations in Prometheus notation.
func TestMarshalRoundTrip(t *testing.T) {
	c, err := Parse([]byte(minimal + "scrape:\n  timeout: 1h30m\n  max_stale: 1d\n  timeout_offset: 0s\n"))
	if err != nil {
		t.Fatal(err)
	}
	c.Accounts[0].Token = "s3cr3t-token-value"
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"timeout: 1h30m", "max_stale: 1d", "timeout_offset: 0s", "api_url: https://cloud.hostup.se"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("marshalled config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "s3cr3t") {
		t.Errorf("marshalled config contains the token:\n%s", out)
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("parsing marshalled config: %v\n%s", err, out)
	}
	c.Accounts[0].Token = ""
	if !reflect.DeepEqual(normalize(back), normalize(c)) {
		t.Errorf("round trip changed the config:\n got %+v\nwant %+v", back, c)
	}
}

// normalize makes empty slices nil: YAML writes both as [] and reads [] back
// as an empty slice.
func normalize(c *Config) *Config {
	n := *c
	n.Accounts = append([]Account(nil), c.Accounts...)
	for i := range n.Accounts {
		v := &n.Accounts[i].VPS
		if len(v.IDs) == 0 {
			v.IDs = nil
		}
		if len(v.ServiceStatus) == 0 {
			v.ServiceStatus = nil
		}
	}
	return &n
}

func TestExampleConfig(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "config.example.yml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data)
	if err != nil {
		t.Fatalf("config.example.yml does not parse: %v", err)
	}
	if len(c.Accounts) != 2 {
		t.Fatalf("want 2 accounts, got %d", len(c.Accounts))
	}
	var files, envs int
	for _, a := range c.Accounts {
		if a.TokenFile != "" {
			files++
		}
		if a.TokenEnv != "" {
			envs++
		}
	}
	if files != 1 || envs != 1 {
		t.Errorf("want one token_file account and one token_env account, got %d and %d", files, envs)
	}
	if c.Scrape != DefaultScrape {
		t.Errorf("example scrape section %+v differs from the defaults %+v it claims to show", c.Scrape, DefaultScrape)
	}

	// Every key of the file format is documented in the example.
	for _, typ := range []reflect.Type{reflect.TypeOf(Config{}), reflect.TypeOf(Account{}), reflect.TypeOf(VPS{}), reflect.TypeOf(Scrape{})} {
		for i := range typ.NumField() {
			key, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
			if key == "" || key == "-" {
				continue
			}
			if !strings.Contains(string(data), key+":") {
				t.Errorf("config.example.yml does not document %s (%s.%s)", key, typ.Name(), typ.Field(i).Name)
			}
		}
	}
}

func TestLoad(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a"
	tests := []struct {
		name    string
		config  string            // written to dir/config.yml
		files   map[string]string // written to dir/<name>
		env     map[string]string
		wantErr []string
		want    map[string]string // account name -> token
	}{
		{
			name:   "token file with trailing newline",
			config: "accounts:\n  - name: a\n    token_file: TOKENDIR/tok\n",
			files:  map[string]string{"tok": token + "\n"},
			want:   map[string]string{"a": token},
		},
		{
			name:   "token file with surrounding whitespace and CRLF",
			config: "accounts:\n  - name: a\n    token_file: TOKENDIR/tok\n",
			files:  map[string]string{"tok": "  " + token + "\r\n"},
			want:   map[string]string{"a": token},
		},
		{
			name:   "relative token file is relative to the config file",
			config: "accounts:\n  - name: a\n    token_file: secrets/tok\n",
			files:  map[string]string{"secrets/tok": token},
			want:   map[string]string{"a": token},
		},
		{
			name:   "token from environment",
			config: "accounts:\n  - name: a\n    token_env: MY_TOKEN\n",
			env:    map[string]string{"MY_TOKEN": " " + token + "\n"},
			want:   map[string]string{"a": token},
		},
		{
			name:   "two accounts, one of each",
			config: "accounts:\n  - name: a\n    token_file: TOKENDIR/tok\n  - name: b\n    token_env: B_TOKEN\n",
			files:  map[string]string{"tok": "file-token"},
			env:    map[string]string{"B_TOKEN": "env-token"},
			want:   map[string]string{"a": "file-token", "b": "env-token"},
		},
		{
			name:    "token file missing",
			config:  "accounts:\n  - name: production\n    token_file: TOKENDIR/nope\n",
			wantErr: []string{`accounts[0].token_file: account "production"`, "nope", "no such file or directory"},
		},
		{
			name:    "token file empty",
			config:  "accounts:\n  - name: production\n    token_file: TOKENDIR/tok\n",
			files:   map[string]string{"tok": ""},
			wantErr: []string{`accounts[0].token_file: account "production": token file`, "is empty"},
		},
		{
			name:    "token file only whitespace",
			config:  "accounts:\n  - name: production\n    token_file: TOKENDIR/tok\n",
			files:   map[string]string{"tok": " \n\n"},
			wantErr: []string{`accounts[0].token_file: account "production": token file`, "is empty"},
		},
		{
			name:    "token file is a directory",
			config:  "accounts:\n  - name: production\n    token_file: TOKENDIR/dir\n",
			files:   map[string]string{"dir/x": "x"},
			wantErr: []string{`accounts[0].token_file: account "production"`, "is a directory"},
		},
		{
			name:    "token file with two lines",
			config:  "accounts:\n  - name: production\n    token_file: TOKENDIR/tok\n",
			files:   map[string]string{"tok": token + "\n" + token + "\n"},
			wantErr: []string{`accounts[0].token_file: account "production": token in token file`, "contains control characters"},
		},
		{
			name:    "token file too large",
			config:  "accounts:\n  - name: production\n    token_file: TOKENDIR/tok\n",
			files:   map[string]string{"tok": strings.Repeat(token, 10000)},
			wantErr: []string{`accounts[0].token_file: account "production"`, "is larger than 65536 bytes"},
		},
		{
			name:    "token file holding a whole Authorization value",
			config:  "accounts:\n  - name: prod\n    token_file: TOKENDIR/x\n",
			files:   map[string]string{"x": "Bearer " + token + "\n"},
			wantErr: []string{`accounts[0].token_file: account "prod": the token in token file "`, `x" starts with "Bearer ": put only the API key in the file (the exporter adds "Bearer ")`},
		},
		{
			name:    "token variable starting with lower-case bearer",
			config:  "accounts:\n  - name: prod\n    token_env: PROD_TOKEN\n",
			env:     map[string]string{"PROD_TOKEN": "bearer " + token},
			wantErr: []string{`accounts[0].token_env: account "prod": the token in environment variable PROD_TOKEN starts with "Bearer ": set the variable to only the API key (the exporter adds "Bearer ")`},
		},
		{
			name:    "token with a space inside",
			config:  "accounts:\n  - name: prod\n    token_file: TOKENDIR/x\n",
			files:   map[string]string{"x": token + " " + token},
			wantErr: []string{`accounts[0].token_file: account "prod": the token in token file "`, `x" contains whitespace: put only the API key in the file`},
		},
		{
			name:   "token that merely begins with the letters bearer",
			config: "accounts:\n  - name: a\n    token_env: T\n",
			env:    map[string]string{"T": "bearerish-" + token},
			want:   map[string]string{"a": "bearerish-" + token},
		},
		{
			name:    "env unset",
			config:  "accounts:\n  - name: production\n    token_env: HOSTUP_PROD_TOKEN\n",
			wantErr: []string{`accounts[0].token_env: account "production": environment variable HOSTUP_PROD_TOKEN is unset or empty`},
		},
		{
			name:    "env empty",
			config:  "accounts:\n  - name: production\n    token_env: HOSTUP_PROD_TOKEN\n",
			env:     map[string]string{"HOSTUP_PROD_TOKEN": "  \n"},
			wantErr: []string{"environment variable HOSTUP_PROD_TOKEN is unset or empty"},
		},
		{
			name:    "one good and one bad account resolve nothing",
			config:  "accounts:\n  - name: a\n    token_env: A\n  - name: b\n    token_env: B\n",
			env:     map[string]string{"A": token},
			wantErr: []string{`accounts[1].token_env: account "b"`},
		},
		{
			name:    "parse error names the file and line",
			config:  "accounts:\n  - name: a\n    token_env: A\n    colour: blue\n",
			wantErr: []string{"config.yml", `accounts[0]: line 4: unknown field "colour"`},
		},
		{
			name:    "validation error names the file",
			config:  "accounts:\n  - name: a\n",
			wantErr: []string{"config.yml", "accounts[0]: exactly one of token_file or token_env is required"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, "config.yml")
			if err := os.WriteFile(path, []byte(strings.ReplaceAll(tt.config, "TOKENDIR", dir)), 0o600); err != nil {
				t.Fatal(err)
			}
			getenv := func(k string) string { return tt.env[k] }

			c, err := Load(path, getenv)
			if len(tt.wantErr) > 0 {
				wantErrs(t, err, tt.wantErr...)
				if c != nil {
					t.Errorf("got a config with the error")
				}
				if strings.Contains(err.Error(), token) {
					t.Errorf("error contains token content: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for name, want := range tt.want {
				a, ok := c.Account(name)
				if !ok {
					t.Fatalf("no account %q", name)
				}
				if got := a.Token.Reveal(); got != want {
					t.Errorf("account %q token = %q, want %q", name, got, want)
				}
				if a.TokenFile != "" && !filepath.IsAbs(a.TokenFile) {
					t.Errorf("token_file %q was not made absolute", a.TokenFile)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yml")
	_, err := Load(path, nil)
	wantErrs(t, err, "reading config file", path)
}

// TestTokenNeverInErrors drives every token error path with a recognisable
// token and checks that neither the error nor a printed config shows it.
func TestTokenNeverInErrors(t *testing.T) {
	const token = "hostup_live_7a1c2e9b4f"
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	multiLine := write("multi", token+"\n"+token)
	tooBig := write("big", strings.Repeat(token, maxTokenFileSize/len(token)+1))
	withNUL := write("nul", token+"\x00")
	good := write("good", token)

	accounts := []Account{
		{Name: "multi", TokenFile: multiLine},
		{Name: "big", TokenFile: tooBig},
		{Name: "nul", TokenFile: withNUL},
		{Name: "good", TokenFile: good},
		{Name: "env_ctrl", TokenEnv: "CTRL"},
		{Name: "both", TokenFile: good, TokenEnv: "GOOD"},
	}
	c := &Config{Accounts: accounts, Scrape: DefaultScrape}
	getenv := func(k string) string {
		switch k {
		case "CTRL":
			return token + "\x1b[0m" + token
		case "GOOD":
			return token
		}
		return ""
	}
	err := c.ResolveTokens(getenv)
	wantErrs(t, err,
		"accounts[0].token_file", "accounts[1].token_file", "accounts[2].token_file",
		"accounts[4].token_env", "accounts[5]: token_file and token_env are mutually exclusive")
	if strings.Contains(err.Error(), token) {
		t.Fatalf("error contains the token:\n%v", err)
	}
	for i, a := range c.Accounts {
		if a.Token != "" {
			t.Errorf("accounts[%d] got a token although ResolveTokens failed", i)
		}
	}

	// Successful resolution, then every way a config gets printed.
	c.Accounts = []Account{{Name: "good", TokenFile: good}}
	if err := c.ResolveTokens(getenv); err != nil {
		t.Fatal(err)
	}
	if c.Accounts[0].Token.Reveal() != token {
		t.Fatal("token not resolved")
	}
	assertNoToken(t, token, c)
}

func TestZeroConfig(t *testing.T) {
	const token = "zero-config-token"
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		apiURL    string
		tokenFile string
		env       map[string]string
		wantErr   []string
		wantURL   string
		wantFile  string
		wantEnv   string
	}{
		{name: "token from file", tokenFile: tokenFile, wantURL: DefaultAPIURL, wantFile: tokenFile},
		{name: "token from HOSTUP_API_TOKEN", env: map[string]string{"HOSTUP_API_TOKEN": token + "\n"}, wantURL: DefaultAPIURL, wantEnv: DefaultTokenEnv},
		{name: "file wins over environment", tokenFile: tokenFile, env: map[string]string{"HOSTUP_API_TOKEN": "other"}, wantURL: DefaultAPIURL, wantFile: tokenFile},
		{name: "custom API URL", apiURL: "http://127.0.0.1:9999", env: map[string]string{"HOSTUP_API_TOKEN": token}, wantURL: "http://127.0.0.1:9999", wantEnv: DefaultTokenEnv},
		{name: "environment unset", wantErr: []string{"environment variable HOSTUP_API_TOKEN is unset or empty", `account "default"`}},
		{name: "token file missing", tokenFile: filepath.Join(dir, "nope"), wantErr: []string{"--hostup.token-file: ", "nope"}},
		{name: "bad API URL", apiURL: "cloud.hostup.se", env: map[string]string{"HOSTUP_API_TOKEN": token}, wantErr: []string{"--hostup.api-url: base URL must be an absolute http or https URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ZeroConfig(tt.apiURL, tt.tokenFile, func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				wantErrs(t, err, tt.wantErr...)
				return
			}
			if err != nil {
				t.Fatalf("ZeroConfig: %v", err)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("zero config does not validate: %v", err)
			}
			if len(c.Accounts) != 1 {
				t.Fatalf("want one account, got %d", len(c.Accounts))
			}
			a := c.Accounts[0]
			if a.Name != ZeroConfigAccountName || a.APIURL != tt.wantURL || a.TokenFile != tt.wantFile || a.TokenEnv != tt.wantEnv {
				t.Errorf("account = %+v", a)
			}
			if a.Token.Reveal() != token {
				t.Errorf("token = %q, want %q", a.Token.Reveal(), token)
			}
			if !a.VPS.DiscoverEnabled() || !reflect.DeepEqual(a.VPS.ServiceStatus, []string{"active"}) {
				t.Errorf("vps = %+v, want discovery of active VPSes", a.VPS)
			}
			if c.Scrape != DefaultScrape {
				t.Errorf("scrape = %+v, want defaults", c.Scrape)
			}
		})
	}
}
