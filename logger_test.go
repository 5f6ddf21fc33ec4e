package main

import (
	"strings"
	"testing"

	"github.com/go-kit/log/level"

	"github.com/hostup-exporter/hostup_exporter/internal/syncbuf"
)

// Every line has its timestamp under one key, ts, in UTC: the exporter's
// own lines and exporter-toolkit's, which come through the slog bridge.
func TestOneTimestampKey(t *testing.T) {
	for _, format := range []string{"logfmt", "json"} {
		var buf syncbuf.Buffer
		logger, bridge := newLogger(&buf, format, "info")
		level.Info(logger).Log("msg", "ours")
		bridge.Info("toolkit's", "address", "127.0.0.1:9977")
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s: %d lines: %q", format, len(lines), lines)
		}
		for _, line := range lines {
			if !strings.Contains(line, "ts") || strings.Contains(line, "time") || !strings.Contains(line, "Z") {
				t.Errorf("%s: %s: want the timestamp as ts, in UTC, and no time key", format, line)
			}
		}
	}
}
