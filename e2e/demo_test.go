package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoScript runs scripts/demo.sh as `make demo` does, in one-shot
// mode. The script cds to its parent directory and runs ./hostup-fake-api
// and ./hostup_exporter from there; so that the repository root is left
// alone, it runs from a scratch tree whose scripts/demo.sh is a symlink to
// the real script (dirname "$0" is then the scratch tree's scripts/) beside
// links to the binaries TestMain built.
func TestDemoScript(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("demo.sh needs %s: %v", tool, err)
		}
	}
	tree := t.TempDir()
	if err := os.Mkdir(filepath.Join(tree, "scripts"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		filepath.Join(tree, "scripts", "demo.sh"): filepath.Join(repoRoot, "scripts", "demo.sh"),
		filepath.Join(tree, "hostup_exporter"):    exporterBin,
		filepath.Join(tree, "hostup-fake-api"):    fakeAPIBin,
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]

	bash, _ := exec.LookPath("bash")
	p := startProcGroup(t, "demo.sh", bash,
		[]string{filepath.Join(tree, "scripts", "demo.sh"), "5", port},
		childEnv("DEMO_ONESHOT=1"), true)
	code := p.wait(t, 60*time.Second)
	out, errOut := p.stdout.String(), p.stderr.String()
	if code != 0 {
		t.Fatalf("demo.sh 5 %s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", port, code, out, errOut)
	}

	upLine := regexp.MustCompile(`(?m)^hostup_up\{account="default"\} 1$`)
	if !upLine.MatchString(out) {
		t.Errorf("demo output has no `hostup_up{account=\"default\"} 1` line:\n%s", out)
	}
	if !strings.Contains(out, "Simulated HostUp API (5 VPSes)") || !strings.Contains(out, "http://127.0.0.1:"+port+"/metrics") {
		t.Errorf("demo output does not say what it started:\n%s", out)
	}
	count := regexp.MustCompile(`(?m)^([0-9]+) hostup_\* series in all\.$`).FindStringSubmatch(out)
	if count == nil || count[1] == "0" {
		t.Errorf("demo output does not count its hostup_* series (or counts 0):\n%s", out)
	}

	// The script's trap stops both servers: nothing of its process group
	// is left, and the port is free again.
	if !waitFor(5*time.Second, func() bool { return syscall.Kill(-p.cmd.Process.Pid, 0) == syscall.ESRCH }) {
		t.Errorf("processes of the demo's process group are still running after it exited")
	}
	if !waitFor(5*time.Second, func() bool { return portFree(addr) }) {
		t.Errorf("port %s is still taken after the demo exited", addr)
	}
}
