// Command prometheusrule writes deploy/kubernetes/prometheusrule.yaml from
// alerts/hostup.rules.yml: `make kubernetes-rules`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hostup-exporter/hostup_exporter/deploy/internal/promrule"
)

func main() {
	in := flag.String("in", "../alerts/hostup.rules.yml", "Prometheus rules `file` to read")
	out := flag.String("out", "kubernetes/prometheusrule.yaml", "PrometheusRule `file` to write")
	flag.Parse()
	rules, err := os.ReadFile(*in)
	if err == nil {
		var manifest []byte
		manifest, err = promrule.Generate(rules, promrule.Name, promrule.Labels())
		if err == nil {
			err = os.WriteFile(*out, manifest, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "prometheusrule: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s from %s\n", *out, *in)
}
