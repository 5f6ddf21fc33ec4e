// Command hostup-fake-api serves the fake HostUp v2 API of package
// hostuptest on a loopback address, for `make demo` and manual testing.
//
// Its first line of standard output is "listening on http://HOST:PORT", so a
// script can start it with -listen 127.0.0.1:0 and read where it went.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run serves until ctx is done and returns the exit code: 0 after a clean
// stop, 2 for bad flags, 1 when serving cannot start.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hostup-fake-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "loopback `address` to listen on (port 0: any free port)")
	vps := fs.Int("vps", 25, "number of VPSes in the demo account")
	latency := fs.Duration("latency", 0, "delay added to every response, e.g. 20ms")
	pageSize := fs.Int("page-size", 0, "cap on the VPS list's page size, 1..100 (0: honour ?limit=, default 20)")
	tokenFile := fs.String("token-file", "", "`file` holding the API key clients must send as a Bearer token (default: no auth)")
	docs := fs.Bool("docs", false, "serve the API documentation's examples instead of the demo account")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "hostup-fake-api: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "hostup-fake-api: "+format+"\n", a...)
		return 2
	}
	switch {
	case *vps < 0:
		return usage("-vps %d: want 0 or more", *vps)
	case *latency < 0:
		return usage("-latency %v: want 0 or more", *latency)
	case *pageSize < 0 || *pageSize > 100:
		return usage("-page-size %d: want 1..100, or 0 for no cap", *pageSize)
	}
	if err := checkLoopback(*listen); err != nil {
		return usage("-listen: %v", err)
	}

	acct := hostuptest.DemoAccount(*vps)
	if *docs {
		acct = hostuptest.DocsAccount()
	}
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return usage("-token-file: %v", err)
		}
		acct.Token = strings.TrimSpace(string(b))
		if acct.Token == "" {
			return usage("-token-file %s: file is empty", *tokenFile)
		}
	}

	var opts []hostuptest.Option
	if *latency > 0 {
		opts = append(opts, hostuptest.WithLatency(*latency))
	}
	if *pageSize > 0 {
		opts = append(opts, hostuptest.WithPageSize(*pageSize))
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "hostup-fake-api: %v\n", err)
		return 1
	}
	// "localhost" could resolve to anything; check what was really bound.
	if addr, ok := ln.Addr().(*net.TCPAddr); !ok || !addr.IP.IsLoopback() {
		ln.Close()
		return usage("-listen %s: bound %s, which is not a loopback address", *listen, ln.Addr())
	}

	// httptest.Server is made to have its Listener swapped before Start.
	srv := hostuptest.NewUnstartedServer(acct, opts...)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	fmt.Fprintf(stdout, "listening on %s\n", srv.URL)
	what := fmt.Sprintf("demo account with %d VPSes", *vps)
	if *docs {
		what = "the API docs' examples"
	}
	fmt.Fprintf(stderr, "hostup-fake-api: serving %s (auth: %t, latency: %v)\n", what, acct.Token != "", *latency)

	<-ctx.Done()
	start := time.Now()
	srv.Close()
	fmt.Fprintf(stderr, "hostup-fake-api: stopped in %v\n", time.Since(start).Round(time.Millisecond))
	return 0
}

// checkLoopback refuses any listen address that is not on a loopback
// interface: the fake API has no business on a network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		if host == "" {
			host = "all interfaces"
		}
		return fmt.Errorf("%s is not a loopback address (use 127.0.0.1 or [::1])", host)
	}
	return nil
}
