// Command hostup_exporter exports HostUp cloud API state (routed IPv6, VPS
// IP quotas, IP-change quota, interfaces, private subnets and action gates)
// as Prometheus metrics.
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/apicheck"
	"github.com/hostup-exporter/hostup_exporter/collector"
	"github.com/hostup-exporter/hostup_exporter/config"
	"github.com/hostup-exporter/hostup_exporter/server"
)

const exporterName = "hostup_exporter"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	hup := server.NotifyHUP()
	app := kingpin.New(exporterName, "Prometheus exporter for the HostUp cloud API.")
	var (
		configFile   = app.Flag("config.file", "Path to the YAML configuration file. Without it, one account named \"default\" is read with the token from --hostup.token-file or $HOSTUP_API_TOKEN.").String()
		configCheck  = app.Flag("config.check", "Validate the configuration (and read its token sources), then exit.").Bool()
		apiCheck     = app.Flag("api.check", "Check each account's API key against the API (one call per read: routed IPv6, the first VPS-list page, one VPS's network), print what worked and what a scrape will cost, then exit: 0 when every read worked.").Bool()
		apiURL       = app.Flag("hostup.api-url", "HostUp API base URL, in zero-config mode.").Default(config.DefaultAPIURL).String()
		tokenFile    = app.Flag("hostup.token-file", "File holding the HostUp API key, in zero-config mode (else $HOSTUP_API_TOKEN).").String()
		metricsPath  = app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String()
		maxRequests  = app.Flag("web.max-requests", "Maximum number of parallel scrape requests; 0 disables the limit.").Default("40").Int()
		maxProcs     = app.Flag("runtime.gomaxprocs", "The target number of CPUs Go will run on (GOMAXPROCS).").Envar("GOMAXPROCS").Default("1").Int()
		toolkitFlags = kingpinflag.AddFlags(app, ":9977")
		logLevel     = app.Flag("log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]").Default("info").Enum("debug", "info", "warn", "error")
		logFormat    = app.Flag("log.format", "Output format of log messages. One of: [logfmt, json]").Default("logfmt").Enum("logfmt", "json")
	)
	app.Version(version.Print(exporterName))
	app.HelpFlag.Short('h')
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", exporterName, err)
		return 2
	}

	logger, slogger := newLogger(os.Stderr, *logFormat, *logLevel)
	if *maxProcs < 1 {
		level.Error(logger).Log("msg", "invalid --runtime.gomaxprocs", "err", fmt.Sprintf("%d: want 1 or more", *maxProcs))
		return 1
	}
	// One by default, as node_exporter does: the exporter waits on the API
	// far more than it computes, and with more Ps each scrape paid for
	// waking idle ones (BENCHMARKS.md, step 12).
	runtime.GOMAXPROCS(*maxProcs)
	level.Debug(logger).Log("msg", "Go MAXPROCS", "procs", runtime.GOMAXPROCS(0))
	if err := checkTelemetryPath(*metricsPath); err != nil {
		level.Error(logger).Log("msg", "invalid --web.telemetry-path", "err", err)
		return 1
	}
	if *apiCheck && *configCheck {
		level.Error(logger).Log("msg", "--api.check and --config.check are two different checks: give one (--api.check calls the API, --config.check does not)")
		return 2
	}
	if *configFile != "" {
		// The zero-config flags say nothing once a file is given.
		for _, f := range []string{"hostup.api-url", "hostup.token-file"} {
			if flagSet(args, f) {
				level.Warn(logger).Log("msg", "--"+f+" is ignored with --config.file: the file's accounts say where and with which key")
			}
		}
	}
	load := func() (*config.Config, error) {
		if *configFile != "" {
			return config.Load(*configFile, os.Getenv)
		}
		return config.ZeroConfig(*apiURL, *tokenFile, os.Getenv)
	}

	cfg, err := load()
	if err != nil {
		server.LogConfigError(logger, "invalid configuration", err)
		return 1
	}
	if *apiCheck {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		defer stop()
		return apicheck.Run(ctx, cfg, os.Stdout, exporterName+"/"+version.Version)
	}
	if *configCheck {
		level.Info(logger).Log("msg", "configuration is valid", "accounts", len(cfg.Accounts))
		return 0
	}

	level.Info(logger).Log("msg", "starting "+exporterName, "version", version.Info())
	level.Info(logger).Log("msg", "build context", "build_context", version.BuildContext())

	// The API-call metrics are the process's: registered once, in the
	// exporter's own registry (/metrics) and alone in api (/probe filters
	// them by account).
	apiMetrics := collector.NewAPIMetrics()
	accounts := account.NewSet(account.Env{
		Logger:    logger,
		UserAgent: exporterName + "/" + version.Version,
		Observer:  apiMetrics,
	})
	defer accounts.Close()
	apply := func(cfg *config.Config) error {
		before := accounts.All()
		if err := accounts.Apply(cfg); err != nil {
			return err
		}
		for _, a := range before {
			if _, ok := cfg.Account(a.Name()); !ok {
				apiMetrics.Forget(a.Name())
			}
		}
		return nil
	}
	if err := apply(cfg); err != nil {
		server.LogConfigError(logger, "invalid configuration", err)
		return 1
	}
	safeConfig := config.NewSafeConfig(cfg)

	self := server.SelfRegistry(exporterName, apiMetrics)
	api := prometheus.NewRegistry()
	api.MustRegister(apiMetrics)
	reloader := server.NewReloader(self, load, apply, safeConfig, logger)
	handlers := &server.Handlers{
		Accounts:            accounts,
		Config:              safeConfig,
		Self:                self,
		API:                 api,
		Logger:              logger,
		MaxRequestsInFlight: *maxRequests,
	}

	mux := http.NewServeMux()
	mux.Handle(*metricsPath, handlers.Metrics())
	mux.Handle("/probe", handlers.Probe())
	mux.Handle("/sd", handlers.SD())
	mux.Handle("/-/reload", reloader.Handler())
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "Healthy") })
	mux.Handle("/exporter-metrics", promhttp.HandlerFor(self, promhttp.HandlerOpts{}))
	if *metricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "HostUp Exporter",
			Description: "Prometheus exporter for the HostUp cloud API",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: *metricsPath, Text: "Metrics (all accounts)"},
				{Address: "/exporter-metrics", Text: "Exporter's own metrics"},
				{Address: "/sd", Text: "Service discovery of the VPSes (Prometheus http_sd_configs)"},
			},
			// /probe?account=NAME, for whatever the config names now: a
			// link made at startup would go stale with a reload.
			Form: web.LandingForm{
				Action: "/probe",
				Inputs: []web.LandingFormInput{
					{Label: "Account", Type: "text", Name: "account", Placeholder: "name in the config"},
				},
			},
			// No /debug/pprof here: its links would be dead.
			Profiling: "false",
		})
		if err != nil {
			level.Error(logger).Log("err", err)
			return 1
		}
		mux.Handle("/", landing)
	}

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	stop := make(chan struct{})
	go reloader.WatchSignals(hup, stop)
	defer close(stop)

	// On SIGINT or SIGTERM, stop listening and let scrapes in flight finish
	// (up to 10s) before the accounts are closed.
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		level.Info(logger).Log("msg", "shutting down")
		shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = srv.Shutdown(shutdown)
	}()

	if err := web.ListenAndServe(srv, toolkitFlags, slogger); err != nil && !errors.Is(err, http.ErrServerClosed) {
		level.Error(logger).Log("msg", "HTTP server failed", "err", err)
		return 1
	}
	<-drained
	return 0
}

// reservedPaths are served by the exporter itself; the metrics path must
// not take one of them.
var reservedPaths = []string{"/", "/probe", "/-/reload", "/-/healthy", "/exporter-metrics", "/sd"}

func checkTelemetryPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must start with /", p)
	}
	if slices.Contains(reservedPaths[1:], p) {
		return fmt.Errorf("%q is taken by another endpoint of the exporter", p)
	}
	return nil
}

// flagSet reports whether the command line gave --name (as --name value or
// --name=value).
func flagSet(args []string, name string) bool {
	for _, a := range args {
		if a == "--"+name || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}
