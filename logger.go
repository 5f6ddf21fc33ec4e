package main

import (
	"io"
	"log/slog"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	sloggokit "github.com/tjhop/slog-gokit"
)

// newLogger builds the go-kit logger from --log.format and --log.level, and
// its slog bridge for exporter-toolkit. The bridge gets the logger without
// our ts and caller keys: slog records carry their own time and caller.
func newLogger(w io.Writer, format, lvl string) (log.Logger, *slog.Logger) {
	var logger log.Logger
	if format == "json" {
		logger = log.NewJSONLogger(log.NewSyncWriter(w))
	} else {
		logger = log.NewLogfmtLogger(log.NewSyncWriter(w))
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
	// Levels are left to the go-kit filter. slog records carry their time as
	// "time": renamed to our "ts", in UTC, so that every line of the log has
	// its timestamp under one key whatever wrote it.
	bridge := slog.New(sloggokit.NewGoKitHandler(renameTime{logger}, slog.LevelDebug))
	return log.With(logger, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller), bridge
}

// renameTime is a go-kit logger that writes slog's "time" key as "ts", in
// UTC, as the exporter's own lines have it.
type renameTime struct{ next log.Logger }

func (r renameTime) Log(keyvals ...interface{}) error {
	for i := 0; i+1 < len(keyvals); i += 2 {
		if keyvals[i] == slog.TimeKey {
			keyvals[i] = "ts"
			if t, ok := keyvals[i+1].(time.Time); ok {
				keyvals[i+1] = t.UTC()
			}
			break
		}
	}
	return r.next.Log(keyvals...)
}
