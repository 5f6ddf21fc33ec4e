package server

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hostup-exporter/hostup_exporter/config"
)

// Reloader re-reads the configuration and token files and applies them.
// A config that fails to load or apply leaves the running one in place.
type Reloader struct {
	Load   func() (*config.Config, error)
	Apply  func(*config.Config) error
	Config *config.SafeConfig
	Logger log.Logger

	mu        sync.Mutex
	success   prometheus.Gauge
	timestamp prometheus.Gauge
}

// NewReloader returns a reloader, registered on reg for its status metrics.
func NewReloader(reg prometheus.Registerer, load func() (*config.Config, error), apply func(*config.Config) error, sc *config.SafeConfig, logger log.Logger) *Reloader {
	r := &Reloader{
		Load: load, Apply: apply, Config: sc, Logger: logger,
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hostup_config_last_reload_successful",
			Help: "Whether the last configuration reload attempt was successful.",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hostup_config_last_reload_success_timestamp_seconds",
			Help: "Timestamp of the last successful configuration reload.",
		}),
	}
	reg.MustRegister(r)
	r.success.Set(1)
	r.timestamp.SetToCurrentTime()
	return r
}

// Describe implements prometheus.Collector: the reload status metrics.
func (r *Reloader) Describe(ch chan<- *prometheus.Desc) {
	r.success.Describe(ch)
	r.timestamp.Describe(ch)
}

// Collect implements prometheus.Collector.
func (r *Reloader) Collect(ch chan<- prometheus.Metric) {
	r.success.Collect(ch)
	r.timestamp.Collect(ch)
}

// Reload loads and applies the configuration.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := r.Load()
	if err == nil {
		err = r.Apply(cfg)
	}
	if err != nil {
		r.success.Set(0)
		LogConfigError(r.Logger, "reloading configuration failed; the previous configuration stays in use", err)
		return err
	}
	r.Config.Set(cfg)
	r.success.Set(1)
	r.timestamp.SetToCurrentTime()
	level.Info(r.Logger).Log("msg", "configuration reloaded")
	return nil
}

// Handler serves POST /-/reload.
func (r *Reloader) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost && req.Method != http.MethodPut {
			w.Header().Set("Allow", "POST, PUT")
			http.Error(w, "use POST to reload the configuration", http.StatusMethodNotAllowed)
			return
		}
		if err := r.Reload(); err != nil {
			http.Error(w, fmt.Sprintf("failed to reload config: %s", err), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "configuration reloaded")
	})
}

// NotifyHUP subscribes to SIGHUP. Call it first thing at startup: until a
// process subscribes, SIGHUP's default action kills it.
func NotifyHUP() chan os.Signal {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup
}

// WatchSignals reloads on every signal from hup until stop is closed, then
// unsubscribes hup.
func (r *Reloader) WatchSignals(hup chan os.Signal, stop <-chan struct{}) {
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			_ = r.Reload()
		case <-stop:
			return
		}
	}
}

// LogConfigError logs a configuration error at error, one problem a line:
// config reports every problem of a file at once, one per line, and a
// logfmt value would fold them into one line of \n escapes. The file that
// config.Load names before the first problem is given to every line.
func LogConfigError(logger log.Logger, msg string, err error) {
	lines := strings.Split(err.Error(), "\n")
	var kv []interface{}
	if rest, ok := strings.CutPrefix(lines[0], "config file "); ok {
		if file, problem, ok := strings.Cut(rest, ": "); ok {
			if unq, err := strconv.Unquote(file); err == nil {
				file = unq
			}
			kv, lines[0] = []interface{}{"file", file}, problem
		}
	}
	for _, line := range lines {
		if strings.TrimSpace(line) != "" {
			level.Error(logger).Log(append(append([]interface{}{"msg", msg}, kv...), "err", line)...)
		}
	}
}
