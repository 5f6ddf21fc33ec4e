// Command hostup-loadtest measures hostup_exporter under load: for each
// account size N it starts the fake HostUp API in process (DemoAccount(N),
// a fixed latency per response, pages of 100), runs the real exporter binary
// as a subprocess against it, scrapes /metrics the way Prometheus does and
// reports scrape time against the floor the API's latency allows, exporter
// CPU per VPS, peak RSS, answer size, API calls per scrape, and whether
// memory and goroutines stay flat over many scrapes.
//
//	go run ./cmd/hostup-loadtest -exporter ./hostup_exporter
//
// It prints a markdown table and the targets met or missed, and exits 1 when
// a target is missed, 2 when the run itself failed. Every loop is bounded,
// every request has a timeout, and the exporter is killed on the way out
// whatever happens (and by the kernel should this process die first).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hostup-loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p params
	fs.StringVar(&p.exporter, "exporter", "./hostup_exporter", "path of the exporter `binary` to run")
	sizes := fs.String("n", "100,1000,5000", "comma-separated account `sizes` (VPSes)")
	fs.DurationVar(&p.latency, "latency", 20*time.Millisecond, "latency the fake API adds to every response")
	fs.IntVar(&p.concurrency, "concurrency", 16, "exporter's scrape.concurrency")
	fs.IntVar(&p.scrapes, "scrapes", 20, "measured scrapes per size, at least")
	fs.DurationVar(&p.minMeasure, "min-measure", 10*time.Second, "measure each size for at least this long, scraping beyond -scrapes if need be")
	fs.IntVar(&p.warmup, "warmup", 2, "scrapes per size before measuring")
	fs.IntVar(&p.soak, "soak", 200, "total scrapes after which goroutines and RSS are compared with those after 20 (0: no soak)")
	fs.IntVar(&p.soakMaxN, "soak-max-n", 1000, "largest size that gets the soak (it costs soak x scrape time)")
	jsonOut := fs.String("json", "", "also write the results as JSON to this `file` (- for standard output)")
	maxTime := fs.Duration("max-duration", time.Hour, "give up after this long in total")
	fs.BoolVar(&p.churn, "churn", false, "change every VPS's network body between scrapes, so the exporter decodes all of them every time (worst case)")
	fs.BoolVar(&p.verbose, "v", false, "log every scrape to standard error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ns, err := parseSizes(*sizes)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "hostup-loadtest: -n:", err)
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "hostup-loadtest: unexpected argument %q\n", fs.Arg(0))
		return 2
	case p.latency < 0 || p.minMeasure < 0 || p.concurrency < 1 || p.concurrency > 256 || p.scrapes < 1 || p.warmup < 0 || p.soak < 0:
		fmt.Fprintln(stderr, "hostup-loadtest: want -latency >= 0, -min-measure >= 0, -concurrency 1..256, -scrapes >= 1, -warmup >= 0, -soak >= 0")
		return 2
	}
	if _, err := os.Stat(p.exporter); err != nil {
		fmt.Fprintf(stderr, "hostup-loadtest: exporter binary: %v (run make build)\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *maxTime)
	defer cancel()

	fmt.Fprintf(stdout, "hostup-loadtest: exporter %s, latency %v, concurrency %d, %d warm-up + at least %d measured scrapes over at least %v, soak %d (N <= %d), churn %t, %d CPUs, GOGC=%s GOMEMLIMIT=%s\n\n",
		p.exporter, p.latency, p.concurrency, p.warmup, p.scrapes, p.minMeasure, p.soak, p.soakMaxN, p.churn, runtime.NumCPU(), envOr("GOGC", "default"), envOr("GOMEMLIMIT", "default"))
	var results []result
	for _, n := range ns {
		fmt.Fprintf(stderr, "N=%d: running...\n", n)
		start := time.Now()
		r, err := runSize(ctx, p, n)
		if err != nil {
			fmt.Fprintf(stderr, "hostup-loadtest: N=%d: %v\n", n, err)
			return 2
		}
		fmt.Fprintf(stderr, "N=%d: done in %v\n", n, time.Since(start).Round(time.Second))
		results = append(results, r)
	}

	writeTable(stdout, results)
	fmt.Fprintln(stdout)
	checks := evaluate(p, results)
	failed := writeChecks(stdout, checks)
	if *jsonOut != "" {
		if err := writeJSON(*jsonOut, stdout, p, results, checks); err != nil {
			fmt.Fprintln(stderr, "hostup-loadtest: -json:", err)
			return 2
		}
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "\n%d target(s) missed\n", failed)
		return 1
	}
	return 0
}

func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 100000 {
			return nil, fmt.Errorf("bad size %q: want 1..100000", f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func writeJSON(path string, stdout io.Writer, p params, rs []result, cs []check) error {
	out := struct {
		LatencySeconds float64  `json:"latency_seconds"`
		Concurrency    int      `json:"concurrency"`
		CPUs           int      `json:"cpus"`
		Results        []result `json:"results"`
		Checks         []check  `json:"checks"`
	}{p.latency.Seconds(), p.concurrency, runtime.NumCPU(), rs, cs}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
