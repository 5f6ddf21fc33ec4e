package deploy

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const composeDir = "../examples/compose"

// The parts of a Compose file these tests read.
type composeFile struct {
	Services map[string]composeService `json:"services"`
	Volumes  map[string]any            `json:"volumes"`
}

type composeService struct {
	Profiles    []string          `json:"profiles"`
	Image       string            `json:"image"`
	Command     []string          `json:"command"`
	User        string            `json:"user"`
	ReadOnly    bool              `json:"read_only"`
	CapDrop     []string          `json:"cap_drop"`
	NetworkMode string            `json:"network_mode"`
	Volumes     []string          `json:"volumes"`
	Environment map[string]string `json:"environment"`
	Networks    map[string]struct {
		Aliases []string `json:"aliases"`
	} `json:"networks"`
}

// mount is a bind mount: a path of this repository seen at dst.
type mount struct{ src, dst string }

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(composeDir, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(text, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return f
}

// binds returns the service's bind mounts, failing on one that is not
// read-only or on a named volume the file does not declare.
func (f composeFile) binds(t *testing.T, name string) []mount {
	t.Helper()
	var ms []mount
	for _, v := range f.Services[name].Volumes {
		parts := strings.Split(v, ":")
		if !strings.HasPrefix(parts[0], ".") && !strings.HasPrefix(parts[0], "/") {
			if _, ok := f.Volumes[parts[0]]; !ok {
				t.Errorf("%s: volume %s is not declared", name, parts[0])
			}
			continue
		}
		if len(parts) != 3 || parts[2] != "ro" {
			t.Errorf("%s: bind mount %s is not read-only (:ro)", name, v)
		}
		ms = append(ms, mount{src: filepath.Join(composeDir, parts[0]), dst: parts[1]})
	}
	return ms
}

// hostPath is where the container's path p comes from: the mount at p or
// at the nearest of its parent directories.
func hostPath(ms []mount, p string) (string, bool) {
	best := -1
	for i, m := range ms {
		rel, ok := strings.CutPrefix(p, m.dst)
		if ok && (rel == "" || strings.HasPrefix(rel, "/")) && (best < 0 || len(m.dst) > len(ms[best].dst)) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return ms[best].src + strings.TrimPrefix(p, ms[best].dst), true
}

// flagValue returns the value of --name=value (or -name value) in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func TestComposeMountsExist(t *testing.T) {
	f := loadCompose(t)
	if len(f.Services) == 0 {
		t.Fatal("no services")
	}
	for name := range f.Services {
		for _, m := range f.binds(t, name) {
			if _, err := os.Stat(m.src); err != nil {
				t.Errorf("%s: mounts %s, which does not exist", name, m.src)
			}
		}
	}
}

// exporterConfig is the part of hostup_exporter's config read here.
type exporterConfig struct {
	Accounts []struct {
		Name      string `json:"name"`
		APIURL    string `json:"api_url"`
		TokenFile string `json:"token_file"`
	} `json:"accounts"`
}

func TestComposeExporters(t *testing.T) {
	f := loadCompose(t)
	for _, tc := range []struct {
		service, profile string
		tokenInRepo      bool // the demo's made-up key is; a real one never
	}{
		{service: "hostup-exporter", profile: "hostup"},
		{service: "hostup-exporter-demo", profile: "demo", tokenInRepo: true},
	} {
		t.Run(tc.service, func(t *testing.T) {
			s, ok := f.Services[tc.service]
			if !ok {
				t.Fatal("no such service")
			}
			if !slices.Equal(s.Profiles, []string{tc.profile}) {
				t.Errorf("profiles %v, want [%s]", s.Profiles, tc.profile)
			}
			if s.Image != "hostup_exporter:latest" {
				t.Errorf("image %s, want hostup_exporter:latest (what make docker tags)", s.Image)
			}
			checkLockedDown(t, s)
			if tc.service != "hostup-exporter" && !slices.Contains(s.Networks["default"].Aliases, "hostup-exporter") {
				t.Error("not reachable as hostup-exporter, the name Prometheus scrapes")
			}
			ms := f.binds(t, tc.service)
			configPath := flagValue(s.Command, "--config.file")
			src, ok := hostPath(ms, configPath)
			if !ok {
				t.Fatalf("--config.file=%s is not mounted", configPath)
			}
			text, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			var cfg exporterConfig
			if err := yaml.Unmarshal(text, &cfg); err != nil || len(cfg.Accounts) == 0 {
				t.Fatalf("%s: no accounts (%v)", src, err)
			}
			checkExporterConfig(t, src, text)
			for _, a := range cfg.Accounts {
				token := a.TokenFile
				if !path.IsAbs(token) {
					token = path.Join(path.Dir(configPath), token)
				}
				tokenSrc, ok := hostPath(ms, token)
				if !ok {
					t.Errorf("account %s: token_file %s is not mounted", a.Name, token)
					continue
				}
				if _, err := os.Stat(tokenSrc); tc.tokenInRepo && err != nil {
					t.Errorf("account %s: %v", a.Name, err)
				}
			}
		})
	}
}

// TestComposeDemo: the fake API shares the demo exporter's network
// namespace, on the loopback address and with the key the exporter uses.
func TestComposeDemo(t *testing.T) {
	f := loadCompose(t)
	fake, exp := f.Services["hostup-fake-api"], f.Services["hostup-exporter-demo"]
	if !slices.Equal(fake.Profiles, []string{"demo"}) || fake.Image != "hostup-fake-api:latest" {
		t.Errorf("hostup-fake-api: profiles %v, image %s; want [demo], hostup-fake-api:latest (make docker-fake-api)", fake.Profiles, fake.Image)
	}
	checkLockedDown(t, fake)
	if fake.NetworkMode != "service:hostup-exporter-demo" {
		t.Errorf("hostup-fake-api: network_mode %q, want the demo exporter's", fake.NetworkMode)
	}
	configPath := flagValue(exp.Command, "--config.file")
	expMounts := f.binds(t, "hostup-exporter-demo")
	src, _ := hostPath(expMounts, configPath)
	text, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var cfg exporterConfig
	if err := yaml.Unmarshal(text, &cfg); err != nil || len(cfg.Accounts) != 1 {
		t.Fatalf("%s: want one account (%v)", src, err)
	}
	u, err := url.Parse(cfg.Accounts[0].APIURL)
	if err != nil || u.Host != flagValue(fake.Command, "-listen") {
		t.Errorf("demo api_url %s, but the fake API listens on %s", cfg.Accounts[0].APIURL, flagValue(fake.Command, "-listen"))
	}
	fakeToken, _ := hostPath(f.binds(t, "hostup-fake-api"), flagValue(fake.Command, "-token-file"))
	expToken, _ := hostPath(expMounts, path.Join(path.Dir(configPath), cfg.Accounts[0].TokenFile))
	if fakeToken == "" || fakeToken != expToken {
		t.Errorf("the fake API reads its key from %q, the exporter from %q", fakeToken, expToken)
	}
}

func checkLockedDown(t *testing.T, s composeService) {
	t.Helper()
	if s.User != "65532:65532" || !s.ReadOnly || !slices.Equal(s.CapDrop, []string{"ALL"}) {
		t.Errorf("user %q, read_only %t, cap_drop %v; want 65532:65532, true, [ALL]", s.User, s.ReadOnly, s.CapDrop)
	}
}

// stage lays out a service's bind mounts in a temporary directory as the
// container sees them, so that tools can check its config with every
// relative path resolving as it would in the container.
func stage(t *testing.T, ms []mount) string {
	t.Helper()
	root := t.TempDir()
	for _, m := range ms {
		body, err := os.ReadFile(m.src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, m.dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestComposePrometheus(t *testing.T) {
	f := loadCompose(t)
	s := f.Services["prometheus"]
	ms := f.binds(t, "prometheus")
	configPath := flagValue(s.Command, "--config.file")
	src, ok := hostPath(ms, configPath)
	if !ok {
		t.Fatalf("--config.file=%s is not mounted", configPath)
	}
	if _, ok := hostPath(ms, "/etc/prometheus/rules/hostup.rules.yml"); !ok {
		t.Error("the shipped rules are not mounted")
	}

	var cfg struct {
		RuleFiles []string `json:"rule_files"`
		Alerting  struct {
			Alertmanagers []struct {
				StaticConfigs []struct {
					Targets []string `json:"targets"`
				} `json:"static_configs"`
			} `json:"alertmanagers"`
		} `json:"alerting"`
		ScrapeConfigs []struct {
			JobName       string `json:"job_name"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	readYAML(t, src, &cfg)
	// Every host Prometheus talks to is a service, or an alias of one.
	names := map[string]bool{"localhost": true}
	for name, svc := range f.Services {
		names[name] = true
		for _, n := range svc.Networks {
			for _, a := range n.Aliases {
				names[a] = true
			}
		}
	}
	var targets []string
	for _, am := range cfg.Alerting.Alertmanagers {
		for _, sc := range am.StaticConfigs {
			targets = append(targets, sc.Targets...)
		}
	}
	hostup := false
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
			hostup = hostup || slices.Contains(st.Targets, "hostup-exporter:9977")
		}
	}
	for _, target := range targets {
		if host, _, _ := strings.Cut(target, ":"); !names[host] {
			t.Errorf("target %s is no service of the Compose file", target)
		}
	}
	if !hostup {
		t.Error("no job scrapes hostup-exporter:9977")
	}

	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("HOSTUP_REQUIRE_PROMETHEUS") == "1" {
			t.Fatal("promtool not found (make tools installs it)")
		}
		t.Skip("promtool not installed")
	}
	root := stage(t, ms)
	out, err := exec.Command(promtool, "check", "config", filepath.Join(root, configPath)).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "hostup.rules.yml") {
		t.Errorf("promtool checked no rules file:\n%s", out)
	}
}

func TestComposeAlertmanager(t *testing.T) {
	f := loadCompose(t)
	s := f.Services["alertmanager"]
	src, ok := hostPath(f.binds(t, "alertmanager"), flagValue(s.Command, "--config.file"))
	if !ok {
		t.Fatal("--config.file is not mounted")
	}
	type receiver struct {
		Name string `json:"name"`
	}
	var cfg struct {
		Route struct {
			Receiver string `json:"receiver"`
		} `json:"route"`
		Receivers []receiver `json:"receivers"`
	}
	readYAML(t, src, &cfg)
	if !slices.Contains(cfg.Receivers, receiver{cfg.Route.Receiver}) {
		t.Errorf("route receiver %q is not among the receivers", cfg.Route.Receiver)
	}
	if amtool, err := exec.LookPath("amtool"); err == nil {
		if out, err := exec.Command(amtool, "check-config", src).CombinedOutput(); err != nil {
			t.Errorf("amtool check-config: %v\n%s", err, out)
		}
	}
}

func TestComposeGrafana(t *testing.T) {
	f := loadCompose(t)
	g := f.Services["grafana"]
	ms := f.binds(t, "grafana")

	dsPath, ok := hostPath(ms, "/etc/grafana/provisioning/datasources/prometheus.yml")
	if !ok {
		t.Fatal("no data source provisioned")
	}
	var ds struct {
		APIVersion  int `json:"apiVersion"`
		Datasources []struct {
			UID       string `json:"uid"`
			Type      string `json:"type"`
			URL       string `json:"url"`
			IsDefault bool   `json:"isDefault"`
		} `json:"datasources"`
	}
	readYAML(t, dsPath, &ds)
	if ds.APIVersion != 1 || len(ds.Datasources) != 1 {
		t.Fatalf("%s: apiVersion %d, %d data sources; want 1, 1", dsPath, ds.APIVersion, len(ds.Datasources))
	}
	d := ds.Datasources[0]
	if d.Type != "prometheus" || d.URL != "http://prometheus:9090" || !d.IsDefault {
		t.Errorf("data source %+v: want the default, of type prometheus at http://prometheus:9090", d)
	}

	provPath, ok := hostPath(ms, "/etc/grafana/provisioning/dashboards/hostup.yml")
	if !ok {
		t.Fatal("no dashboard provider provisioned")
	}
	var prov struct {
		APIVersion int `json:"apiVersion"`
		Providers  []struct {
			Type    string `json:"type"`
			Options struct {
				Path string `json:"path"`
			} `json:"options"`
		} `json:"providers"`
	}
	readYAML(t, provPath, &prov)
	if prov.APIVersion != 1 || len(prov.Providers) != 1 || prov.Providers[0].Type != "file" {
		t.Fatalf("%s: want apiVersion 1 and one file provider", provPath)
	}
	// The provider's folder holds the shipped dashboard, and it is the home
	// dashboard.
	want, err := filepath.Abs("../dashboards/hostup-overview.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		path.Join(prov.Providers[0].Options.Path, "hostup-overview.json"),
		g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"],
	} {
		src, ok := hostPath(ms, p)
		if abs, _ := filepath.Abs(src); !ok || abs != want {
			t.Errorf("%s in the container is %q, want the shipped %s", p, src, want)
		}
	}

	// The dashboard picks its data source through a variable, which takes
	// the default (provisioned) Prometheus.
	text, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	type variable struct {
		Name  string `json:"name"`
		Type  string `json:"type"`
		Query any    `json:"query"`
	}
	var dash struct {
		Templating struct {
			List []variable `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(text, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	if !slices.Contains(dash.Templating.List, variable{"datasource", "datasource", "prometheus"}) {
		t.Error(`the dashboard has no "datasource" variable of Prometheus data sources`)
	}
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(text, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// TestComposeConfig has the Compose tool itself validate the file, with
// each profile, where one is installed: the docker compose plugin or
// docker-compose.
func TestComposeConfig(t *testing.T) {
	var tool []string
	if docker, err := exec.LookPath("docker"); err == nil && exec.Command(docker, "compose", "version").Run() == nil {
		tool = []string{docker, "compose"}
	} else if dc, err := exec.LookPath("docker-compose"); err == nil {
		tool = []string{dc}
	} else {
		t.Skip("no Compose tool installed (docker compose or docker-compose)")
	}
	for _, profile := range []string{"demo", "hostup"} {
		args := append(tool[1:], "--project-directory", composeDir, "-f", filepath.Join(composeDir, "docker-compose.yml"), "--profile", profile, "config", "-q")
		if out, err := exec.Command(tool[0], args...).CombinedOutput(); err != nil {
			t.Errorf("%s (profile %s): %v\n%s", strings.Join(tool, " "), profile, err, out)
		}
	}
}
