package e2e

import (
	"strings"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// GOMAXPROCS is 1 unless --runtime.gomaxprocs or $GOMAXPROCS says otherwise,
// as node_exporter has it; the exporter's own go_sched_gomaxprocs_threads
// shows what it runs with. A value below 1 is refused at startup.
func TestGOMAXPROCS(t *testing.T) {
	srv := newFake(t, withToken(hostuptest.DocsAccount(), "tok-e2e-gomaxprocs"))
	tokenFile := writeFile(t, t.TempDir(), "token", "tok-e2e-gomaxprocs\n")
	base := []string{"--hostup.api-url", srv.URL, "--hostup.token-file", tokenFile}

	for _, tc := range []struct {
		name string
		args []string
		env  []string
		want float64
	}{
		{"default", nil, []string{"GOMAXPROCS="}, 1},
		{"flag", []string{"--runtime.gomaxprocs=2"}, []string{"GOMAXPROCS="}, 2},
		{"environment", nil, []string{"GOMAXPROCS=2"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startExporterOpts(t, exporterOpts{args: append(base, tc.args...), env: tc.env})
			m, _ := e.metrics()
			if got, ok := m.value("go_sched_gomaxprocs_threads", nil); !ok || got != tc.want {
				t.Errorf("go_sched_gomaxprocs_threads = %v (present %v), want %v", got, ok, tc.want)
			}
		})
	}

	t.Run("zero is refused", func(t *testing.T) {
		code, stderr, addr := runToExit(t, append(base, "--runtime.gomaxprocs=0")...)
		if code != 1 || !strings.Contains(stderr, "--runtime.gomaxprocs") {
			t.Errorf("--runtime.gomaxprocs=0: exit %d, want 1 with the flag named; stderr:\n%s", code, stderr)
		}
		requireNoListener(t, stderr, addr)
	})
}
