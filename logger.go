package main

import (
	"log/slog"
	"os"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	sloggokit "github.com/tjhop/slog-gokit"
)

// newLogger builds the go-kit logger from --log.format and --log.level, and
// its slog bridge for exporter-toolkit. The bridge gets the logger without
// our ts and caller keys: slog records carry their own time and caller.
func newLogger(format, lvl string) (log.Logger, *slog.Logger) {
	var logger log.Logger
	if format == "json" {
		logger = log.NewJSONLogger(log.NewSyncWriter(os.Stderr))
	} else {
		logger = log.NewLogfmtLogger(log.NewSyncWriter(os.Stderr))
	}
	var allow level.Option
	switch lvl {
	case "debug":
		allow = level.AllowDebug()
	case "warn":
		allow = level.AllowWarn()
	case "error":
		allow = level.AllowError()
	default:
		allow = level.AllowInfo()
	}
	logger = level.NewFilter(logger, allow)
	// Levels are left to the go-kit filter.
	bridge := slog.New(sloggokit.NewGoKitHandler(logger, slog.LevelDebug))
	return log.With(logger, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller), bridge
}
