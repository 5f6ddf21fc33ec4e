package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// checkExporterConfig has the exporter itself (--config.check, its strict
// parse and validation) read a config shipped for a deployment. The token
// files it names exist only in a container, so a copy of the config points
// them at made-up keys in a temporary directory. The binary is
// $HOSTUP_EXPORTER_BIN (the Makefile passes what make build made), else
// ../hostup_exporter; without either the check is skipped.
func checkExporterConfig(t *testing.T, name string, text []byte) {
	t.Helper()
	bin := os.Getenv("HOSTUP_EXPORTER_BIN")
	if bin == "" {
		bin = "../hostup_exporter"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("no exporter binary: run make build, or set HOSTUP_EXPORTER_BIN")
		}
	}
	var cfg exporterConfig
	if err := yaml.Unmarshal(text, &cfg); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	dir := t.TempDir()
	body := string(text)
	for i, a := range cfg.Accounts {
		token := a.TokenFile
		if !filepath.IsAbs(token) {
			token = filepath.Join(dir, token)
		} else {
			token = filepath.Join(dir, fmt.Sprintf("token-%d", i))
			body = strings.ReplaceAll(body, "token_file: "+a.TokenFile+"\n", "token_file: "+token+"\n")
		}
		if err := os.WriteFile(token, []byte("made-up-key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--config.check", "--config.file="+config).CombinedOutput(); err != nil {
		t.Errorf("%s: hostup_exporter --config.check: %v\n%s", name, err, out)
	}
}
