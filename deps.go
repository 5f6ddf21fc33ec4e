// Placeholder that pins the module's dependencies until main.go exists.
package main

import (
	_ "github.com/alecthomas/kingpin/v2"
	_ "github.com/go-kit/log"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/exporter-toolkit/web"
	_ "github.com/tjhop/slog-gokit"
	_ "go.uber.org/goleak"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
)

func main() {}
