// Package deploy holds the checks of hostup_exporter's deployment files:
// the Kubernetes base in kubernetes/ (rendered with kustomize and decoded
// strictly with the upstream Kubernetes and Prometheus Operator types) and
// the Compose stack in ../examples/compose. It is a module of its own so
// that those dependencies stay out of the exporter's go.mod.
//
//	make kubernetes-test compose-test
package deploy
