package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runToExit runs the exporter with args on a free port, expecting it to exit
// by itself, and returns its exit code, its stderr and the address it was
// given.
func runToExit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	addr := freeAddr(t)
	p := startProc(t, "hostup_exporter", exporterBin, append([]string{"--web.listen-address=" + addr}, args...), childEnv())
	code := p.wait(t, 10*time.Second)
	return code, p.stderr.String(), addr
}

// requireNoListener checks that a run that exited never served: it did not
// log toolkit's "Listening on" and left its port free.
func requireNoListener(t *testing.T, stderr, addr string) {
	t.Helper()
	if strings.Contains(stderr, "Listening on") {
		t.Errorf("the exporter started listening although its config is invalid; stderr:\n%s", stderr)
	}
	if !portFree(addr) {
		t.Errorf("port %s is taken after the exporter exited", addr)
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.token", "tok-e2e-config-a\n")
	writeFile(t, dir, "b.token", "tok-e2e-config-b\n")
	writeFile(t, dir, "bearer.token", "Bearer tok-e2e-config-c\n")

	t.Run("valid", func(t *testing.T) {
		cfg := writeFile(t, dir, "valid.yml", `accounts:
  - name: a
    api_url: http://127.0.0.1:1
    token_file: a.token
  - name: b
    api_url: http://127.0.0.1:1
    token_file: b.token
    vps:
      service_status: [active, suspended]
scrape:
  timeout: 10s
  max_stale: 5m
`)
		code, stderr, addr := runToExit(t, "--config.file", cfg, "--config.check")
		if code != 0 {
			t.Fatalf("--config.check on a valid file: exit %d, want 0; stderr:\n%s", code, stderr)
		}
		if !strings.Contains(stderr, "configuration is valid") {
			t.Errorf("--config.check does not say the file is valid; stderr:\n%s", stderr)
		}
		requireNoListener(t, stderr, addr)
	})

	bad := []struct {
		name   string
		config string
		// want are substrings stderr must contain: the key at fault.
		want []string
	}{
		{"unknown field", `accounts:
  - name: a
    api_url: http://127.0.0.1:1
    token_file: a.token
    tokne_file: b.token
`, []string{"tokne_file"}},
		{"duplicate account name", `accounts:
  - name: a
    token_file: a.token
  - name: a
    token_file: b.token
`, []string{"accounts[1].name", "duplicate"}},
		{"missing token source", `accounts:
  - name: a
`, []string{"accounts[0]", "token_file", "token_env"}},
		{"both token sources", `accounts:
  - name: a
    token_file: a.token
    token_env: HOSTUP_E2E_TOKEN
`, []string{"accounts[0]", "token_file", "token_env"}},
		{"bad duration", `accounts:
  - name: a
    token_file: a.token
scrape:
  timeout: 30 parsecs
`, []string{"scrape.timeout", "30 parsecs"}},
		// Once accepted by --config.check and refused at start-up.
		{"token file holding Bearer", `accounts:
  - name: a
    api_url: http://127.0.0.1:1
    token_file: bearer.token
`, []string{"accounts[0].token_file", "starts with", "put only the API key in the file"}},
		{"api_url ending in api v2", `accounts:
  - name: a
    api_url: http://127.0.0.1:1/api/v2
    token_file: a.token
`, []string{"accounts[0].api_url", "must not include /api/v2"}},
		{"wrong type", `accounts:
  - name: a
    token_file: a.token
    vps:
      discover: maybe
`, []string{"accounts[0].vps.discover", "line 5", "as a boolean"}},
		{"token file missing", `accounts:
  - name: a
    token_file: does-not-exist.token
`, []string{"accounts[0].token_file", "does-not-exist.token"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".yml", tc.config)
			for _, mode := range []struct {
				name string
				args []string
			}{
				{"--config.check", []string{"--config.file", cfg, "--config.check"}},
				{"startup", []string{"--config.file", cfg}},
			} {
				code, stderr, addr := runToExit(t, mode.args...)
				if code == 0 {
					t.Errorf("%s with a config with a %s: exit 0, want non-zero; stderr:\n%s", mode.name, tc.name, stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(stderr, w) {
						t.Errorf("%s with a config with a %s: stderr does not name %q:\n%s", mode.name, tc.name, w, stderr)
					}
				}
				if strings.Contains(stderr, "tok-e2e-config") {
					t.Errorf("%s shows a token:\n%s", mode.name, stderr)
				}
				if strings.Contains(stderr, "configuration is valid") {
					t.Errorf("%s says an invalid configuration is valid:\n%s", mode.name, stderr)
				}
				requireNoListener(t, stderr, addr)
			}
		})
	}

	t.Run("zero-config without a token", func(t *testing.T) {
		missing := filepath.Join(dir, "no-such.token")
		code, stderr, addr := runToExit(t, "--hostup.api-url", "http://127.0.0.1:1", "--hostup.token-file", missing)
		if code == 0 || !strings.Contains(stderr, "no-such.token") {
			t.Errorf("zero-config with a missing token file: exit %d, want non-zero and the file named; stderr:\n%s", code, stderr)
		}
		requireNoListener(t, stderr, addr)
		// Neither a file nor $HOSTUP_API_TOKEN (childEnv drops it).
		code, stderr, addr = runToExit(t, "--hostup.api-url", "http://127.0.0.1:1")
		if code == 0 || !strings.Contains(stderr, "HOSTUP_API_TOKEN") {
			t.Errorf("zero-config with no token at all: exit %d, want non-zero and HOSTUP_API_TOKEN named; stderr:\n%s", code, stderr)
		}
		requireNoListener(t, stderr, addr)
	})
}
