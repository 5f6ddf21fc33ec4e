package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// The token every good case uses; no error may contain it.
const entryToken = "hk_live_4f2a9c7e1b"

// entryCases are config files as an operator writes them. --config.check,
// start-up and reload all call Load (main.go's load), so Load's verdict is
// the verdict of all three; the cases that a zero-config run can express
// are run through ZeroConfig as well.
var entryCases = []struct {
	name   string
	config string            // TOKENDIR is replaced by the token directory
	files  map[string]string // token files, in TOKENDIR
	env    map[string]string
	// want are the lines the error must contain; none means valid.
	want []string
	// zero, when set, is the same situation in zero-config mode:
	// ZeroConfig(zero.apiURL, TOKENDIR/zero.tokenFile).
	zero *struct{ apiURL, tokenFile string }
}{
	{
		name:   "token file and defaults",
		config: "accounts:\n  - name: prod\n    token_file: TOKENDIR/tok\n",
		files:  map[string]string{"tok": entryToken + "\n"},
		zero:   &struct{ apiURL, tokenFile string }{"", "tok"},
	},
	{
		name:   "every key set, token from the environment",
		config: "accounts:\n  - name: prod\n    api_url: http://127.0.0.1:8080/hostup/\n    token_env: PROD_TOKEN\n    vps:\n      discover: false\n      ids: [a1]\nscrape:\n  timeout: 10s\n  timeout_offset: 0s\n  concurrency: 4\n  cache_ttl: 1m\n  max_stale: 1d\n  max_requests_per_second: 2.5\n  max_backoff: 1h\n",
		env:    map[string]string{"PROD_TOKEN": entryToken},
	},
	{
		name:   "api_url with a path prefix",
		config: "accounts:\n  - name: prod\n    api_url: https://proxy.example/hostup\n    token_file: TOKENDIR/tok\n",
		files:  map[string]string{"tok": entryToken},
		zero:   &struct{ apiURL, tokenFile string }{"https://proxy.example/hostup", "tok"},
	},
	{
		name:   "token file holding Bearer and the key",
		config: "accounts:\n  - name: prod\n    token_file: TOKENDIR/tok\n",
		files:  map[string]string{"tok": "Bearer " + entryToken + "\n"},
		want:   []string{`accounts[0].token_file: account "prod": the token in token file "TOKENDIR/tok" starts with "Bearer ": put only the API key in the file (the exporter adds "Bearer ")`},
		zero:   &struct{ apiURL, tokenFile string }{"", "tok"},
	},
	{
		name:   "token variable holding bearer and the key",
		config: "accounts:\n  - name: prod\n    token_env: PROD_TOKEN\n",
		env:    map[string]string{"PROD_TOKEN": "bearer " + entryToken},
		want:   []string{`accounts[0].token_env: account "prod": the token in environment variable PROD_TOKEN starts with "Bearer ": set the variable to only the API key (the exporter adds "Bearer ")`},
	},
	{
		name:   "token with a space inside",
		config: "accounts:\n  - name: prod\n    token_file: TOKENDIR/tok\n",
		files:  map[string]string{"tok": entryToken + " " + entryToken},
		want:   []string{`accounts[0].token_file: account "prod": the token in token file "TOKENDIR/tok" contains whitespace: put only the API key in the file`},
		zero:   &struct{ apiURL, tokenFile string }{"", "tok"},
	},
	{
		name:   "api_url ending in /api/v2",
		config: "accounts:\n  - name: prod\n    api_url: https://cloud.hostup.se/api/v2\n    token_file: TOKENDIR/tok\n",
		files:  map[string]string{"tok": entryToken},
		want:   []string{`accounts[0].api_url: base URL "https://cloud.hostup.se/api/v2" must not include /api/v2; the client adds it`},
		zero:   &struct{ apiURL, tokenFile string }{"https://cloud.hostup.se/api/v2", "tok"},
	},
	{
		name:   "unknown key",
		config: "accounts:\n  - name: prod\n    token_file: TOKENDIR/tok\n    vps:\n      discovery: false\n",
		files:  map[string]string{"tok": entryToken},
		want:   []string{`accounts[0].vps: line 5: unknown field "discovery"`},
	},
	{
		name:   "bad duration",
		config: "accounts:\n  - name: prod\n    token_file: TOKENDIR/tok\nscrape:\n  max_backoff: 15 minutes\n",
		files:  map[string]string{"tok": entryToken},
		want:   []string{`scrape.max_backoff: line 5: invalid duration "15 minutes": must be a duration such as 500ms, 30s, 10m or 1h`},
	},
	{
		name:   "wrong type",
		config: "accounts:\n  - name: prod\n    token_file: TOKENDIR/tok\n    vps:\n      discover: maybe\nscrape:\n  concurrency: lots\n",
		files:  map[string]string{"tok": entryToken},
		want: []string{
			`accounts[0].vps.discover: line 5: cannot read "maybe" as a boolean (true or false)`,
			`scrape.concurrency: line 7: cannot read "lots" as an integer`,
		},
	},
	{
		name:   "duplicate account",
		config: "accounts:\n  - name: prod\n    token_file: TOKENDIR/tok\n  - name: prod\n    token_env: OTHER\n",
		files:  map[string]string{"tok": entryToken},
		env:    map[string]string{"OTHER": entryToken},
		want:   []string{`accounts[1].name: duplicate account name "prod" (already used by accounts[0])`},
	},
}

func writeTokenFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEntryPointsGiveOneVerdict: each file gets the same verdict and the
// same message, a line naming the YAML path, whichever way it is read.
func TestEntryPointsGiveOneVerdict(t *testing.T) {
	for _, tc := range entryCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTokenFiles(t, dir, tc.files)
			path := filepath.Join(dir, "config.yml")
			if err := os.WriteFile(path, []byte(strings.ReplaceAll(tc.config, "TOKENDIR", dir)), 0o600); err != nil {
				t.Fatal(err)
			}
			getenv := func(k string) string { return tc.env[k] }
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = strings.ReplaceAll(w, "TOKENDIR", dir)
			}

			check := func(entry string, c *Config, err error, want []string) {
				t.Helper()
				if len(want) == 0 {
					if err != nil {
						t.Fatalf("%s: %v", entry, err)
					}
					checkClientAccepts(t, c)
					return
				}
				if err == nil {
					t.Fatalf("%s accepted the configuration, want %q", entry, want)
				}
				if c != nil {
					t.Errorf("%s returned a config with its error", entry)
				}
				lines := strings.Split(err.Error(), "\n")
				for _, w := range want {
					found := false
					for _, l := range lines {
						found = found || strings.HasSuffix(l, w)
					}
					if !found {
						t.Errorf("%s: no line ends with\n  %s\ngot:\n%v", entry, w, err)
					}
				}
				if strings.Contains(err.Error(), entryToken) {
					t.Errorf("%s: the error shows the token: %v", entry, err)
				}
			}
			c, err := Load(path, getenv)
			check("Load", c, err, want)
			if tc.zero != nil {
				tokenFile := ""
				if tc.zero.tokenFile != "" {
					tokenFile = filepath.Join(dir, tc.zero.tokenFile)
				}
				c, err := ZeroConfig(tc.zero.apiURL, tokenFile, getenv)
				// The same lines, for the account ZeroConfig names,
				// each at the flag or variable it came from.
				zeroWant := make([]string, len(want))
				for i, w := range want {
					zeroWant[i] = zeroConfigFields.Replace(strings.ReplaceAll(w, `account "prod"`, `account "default"`))
				}
				check("ZeroConfig", c, err, zeroWant)
			}
		})
	}
}

// checkClientAccepts: every account of a config Load or ZeroConfig accepts
// makes a client, so nothing is refused after the configuration is taken.
func checkClientAccepts(t *testing.T, c *Config) {
	t.Helper()
	for i, a := range c.Accounts {
		if _, err := hostup.NewClient(a.APIURL, a.Token.Reveal()); err != nil {
			t.Errorf("accounts[%d]: the configuration is accepted but hostup.NewClient refuses it: %v", i, err)
		}
	}
}

// TestConfigRefusesWhatTheClientRefuses runs URLs and token file contents
// through both config and hostup.NewClient: config accepts exactly the URLs
// the client does, and refuses every token the client refuses.
func TestConfigRefusesWhatTheClientRefuses(t *testing.T) {
	urls := []string{
		"https://cloud.hostup.se",
		"https://cloud.hostup.se/",
		"http://127.0.0.1:8080/prefix/",
		"https://cloud.hostup.se/api/v2",
		"https://cloud.hostup.se/api/v2/",
		"https://cloud.hostup.se/x/api/v2",
		"ftp://cloud.hostup.se",
		"cloud.hostup.se",
		"/relative",
		"https:///api",
		"https:cloud.hostup.se",
		"https://me:hunter2@cloud.hostup.se",
		"https://cloud.hostup.se/?x=1",
		"https://cloud.hostup.se/?",
		"https://cloud.hostup.se/#top",
		"https://cloud hostup.se",
		"https://cloud.hostup.se:port",
		"http://[::1",
	}
	for _, u := range urls {
		t.Run("api_url "+u, func(t *testing.T) {
			_, clientErr := hostup.NewClient(u, entryToken)
			c, err := Parse([]byte(minimal + "    api_url: '" + u + "'\n"))
			if (clientErr == nil) != (err == nil) {
				t.Errorf("config says %v, hostup.NewClient says %v", err, clientErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "accounts[0].api_url: ") {
				t.Errorf("error does not name accounts[0].api_url: %v", err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the URL's password: %v", err)
			}
			if err == nil {
				if _, err := hostup.NewClient(c.Accounts[0].APIURL, entryToken); err != nil {
					t.Errorf("config accepts api_url %q, hostup.NewClient refuses it: %v", c.Accounts[0].APIURL, err)
				}
			}
		})
	}

	// A token file holds the token plus perhaps surrounding whitespace,
	// which config trims; the client gets the trimmed token.
	tokens := []string{
		entryToken,
		entryToken + "\n",
		"  " + entryToken + "\r\n",
		"Bearer " + entryToken,
		"bearer " + entryToken,
		"BEARER\t" + entryToken,
		entryToken + " " + entryToken,
		entryToken + "\t" + entryToken,
		entryToken + "\x7f",
		entryToken + "\x00",
		entryToken + "\n" + entryToken,
		"\u00a0" + entryToken,
		"",
		" \n",
	}
	dir := t.TempDir()
	for i, tok := range tokens {
		t.Run("token "+strings.ReplaceAll(strings.ReplaceAll(tok, entryToken, "KEY"), "\n", `\n`), func(t *testing.T) {
			file := filepath.Join(dir, "tok"+string(rune('a'+i)))
			if err := os.WriteFile(file, []byte(tok), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := ZeroConfig("", file, nil)
			_, clientErr := hostup.NewClient(DefaultAPIURL, strings.TrimSpace(tok))
			if clientErr != nil && err == nil {
				t.Errorf("hostup.NewClient refuses the token (%v), config accepts it", clientErr)
			}
			if err == nil {
				checkClientAccepts(t, c)
			} else if strings.Contains(err.Error(), entryToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

// TestRoundTripEveryKey: a config with every key set marshals to YAML that
// parses back to the same config, and shows its durations as written.
func TestRoundTripEveryKey(t *testing.T) {
	in := "accounts:\n  - name: prod\n    api_url: http://127.0.0.1:8080/hostup/\n    token_env: PROD_TOKEN\n    vps:\n      discover: false\n      service_status: [active, suspended]\n      ids: [a1, b2]\n  - name: staging\n    token_file: /run/secrets/staging\nscrape:\n  timeout: 1h30m\n  timeout_offset: 250ms\n  concurrency: 4\n  cache_ttl: 1m\n  max_stale: 1d\n  max_requests_per_second: 2.5\n  max_backoff: 2w\n"
	c, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"timeout: 1h30m\n", "timeout_offset: 250ms\n", "cache_ttl: 1m\n", "max_stale: 1d\n", "max_backoff: 2w\n", "concurrency: 4\n", "max_requests_per_second: 2.5\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("marshalled config lacks %q:\n%s", want, out)
		}
	}
	back, err := Parse(out)
	if err != nil {
		t.Fatalf("marshalled config does not parse: %v\n%s", err, out)
	}
	// normalize: YAML writes nil and empty lists alike.
	if !reflect.DeepEqual(normalize(back), normalize(c)) {
		t.Errorf("round trip changed the config:\n got %+v\nwant %+v\nmarshalled:\n%s", back, c, out)
	}
}

// TestDecodeErrorsOnePerLine: every problem of a file is one line of the
// error, starting with its YAML path (for a value used through an alias,
// the anchor's, naming the alias); a value reported as unreadable is not
// reported again by validation.
func TestDecodeErrorsOnePerLine(t *testing.T) {
	in := `accounts:
  - name: [prod]
    token_env: T
    vps: {discover: yes please, ids: [a, {b: c}]}
  - production
  - name: ok
    token_env: T
    tokne_env: U
scrape:
  <<: &common {timeout: 30 parsecs}
  concurrency: 2.5
  max_stale: *common
`
	_, err := Parse([]byte(in))
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`accounts[0].name: line 2: cannot read a list as a string`,
		`accounts[0].vps.discover: line 4: cannot read "yes please" as a boolean (true or false)`,
		`accounts[0].vps.ids[1]: line 4: cannot read a mapping as a string`,
		`accounts[1]: line 5: cannot read "production" as a mapping`,
		`accounts[2]: line 8: unknown field "tokne_env"`,
		`scrape.concurrency: line 11: cannot read "2.5" as an integer`,
		`scrape: line 10: must be a duration such as 500ms, 30s, 10m or 1h (this value is also used through an alias at scrape.max_stale (line 12))`,
		`scrape.timeout: line 10: invalid duration "30 parsecs": must be a duration such as 500ms, 30s, 10m or 1h`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDuration(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // marshalled back; empty means an error
	}{
		{"500ms", "500ms"}, {"30s", "30s"}, {"10m", "10m"}, {"1h", "1h"}, {"1d", "1d"},
		{"1h30m", "1h30m"}, {"2w", "2w"}, {"0s", "0s"}, {"0", "0s"}, {"-5s", "-5s"},
		{"1.5s", ""}, {"30", ""}, {"1m1h", ""}, {"soon", ""}, {"", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			var d Duration
			err := yaml.Unmarshal([]byte("'"+tt.in+"'"), &d)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("%q read as %v, want an error", tt.in, time.Duration(d))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := yaml.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("%q marshals as %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
