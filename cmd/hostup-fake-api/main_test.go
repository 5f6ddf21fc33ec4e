package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hostup-exporter/hostup_exporter/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start runs the binary's run with args and returns the URL from its first
// stdout line and a stop function that returns the exit code.
func start(t *testing.T, args ...string) (url string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	stderr := &syncbuf.Buffer{}
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, args, outW, stderr)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no first line (%v); stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, outR) // drains until run returns
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		cancel()
		t.Fatalf("first line = %q", line)
	}
	return url, func() int {
		cancel()
		select {
		case c := <-code:
			http.DefaultClient.CloseIdleConnections()
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("run did not return after the signal")
			return -1
		}
	}
}

func fetch(t *testing.T, url, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body
}

func TestServesTheDemoAccount(t *testing.T) {
	url, stop := start(t, "-listen", "127.0.0.1:0", "-vps", "7", "-page-size", "5", "-latency", "1ms")
	status, body := fetch(t, url+"/api/v2/vps?limit=100", "")
	var page struct {
		Data       []json.RawMessage
		HasMore    bool
		NextCursor *string
	}
	if err := json.Unmarshal(body, &page); err != nil || status != http.StatusOK {
		t.Fatalf("%d %s (%v)", status, body, err)
	}
	if len(page.Data) != 5 || !page.HasMore {
		t.Errorf("first page: %d VPSes, hasMore %t; want 5 (-page-size) and more", len(page.Data), page.HasMore)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit code %d after the signal", code)
	}
}

func TestServesTheDocsWithAToken(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("k3y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, stop := start(t, "-docs", "-token-file", tokenFile)
	defer stop()
	if status, _ := fetch(t, url+"/api/v2/routed-ipv6", ""); status != http.StatusUnauthorized {
		t.Errorf("without the token: %d", status)
	}
	status, body := fetch(t, url+"/api/v2/vps", "k3y")
	if status != http.StatusOK || !strings.Contains(string(body), `"vps_01hxa3b4c5d6e7f8g9h0j1k2m5"`) {
		t.Errorf("with the token: %d %s", status, body)
	}
}

func TestRefusesBadFlags(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"all interfaces", []string{"-listen", "0.0.0.0:0"}, "not a loopback address"},
		{"no host", []string{"-listen", ":0"}, "not a loopback address"},
		{"IPv6 any", []string{"-listen", "[::]:0"}, "not a loopback address"},
		{"a public address", []string{"-listen", "192.0.2.1:0"}, "not a loopback address"},
		{"a host name", []string{"-listen", "example.com:0"}, "not a loopback address"},
		{"no port", []string{"-listen", "127.0.0.1"}, "missing port"},
		{"negative VPS count", []string{"-vps", "-1"}, "-vps"},
		{"page size over 100", []string{"-page-size", "101"}, "-page-size"},
		{"missing token file", []string{"-token-file", "/nonexistent/token"}, "-token-file"},
		{"empty token file", []string{"-token-file", empty}, "empty"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"stray argument", []string{"serve"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantErr)
			}
		})
	}
}
