package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"reflect"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/hostup-exporter/hostup_exporter/deploy/internal/promrule"
	"github.com/hostup-exporter/hostup_exporter/deploy/internal/strictyaml"
)

const (
	kustomizeDir = "kubernetes"
	rulesFile    = "../alerts/hostup.rules.yml"
	imageUID     = 65532 // the Dockerfile's USER
)

// base is the rendered Kubernetes base, each object decoded into its
// upstream type.
type base struct {
	configMaps      []corev1.ConfigMap
	deployments     []appsv1.Deployment
	services        []corev1.Service
	serviceMonitors []monitoringv1.ServiceMonitor
	prometheusRules []monitoringv1.PrometheusRule
}

func decodeBase(t *testing.T, rendered []byte) base {
	t.Helper()
	var b base
	for i, doc := range bytes.Split(rendered, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		var err error
		switch head.APIVersion + " " + head.Kind {
		case "v1 ConfigMap":
			err = decodeAppend(doc, &b.configMaps)
		case "apps/v1 Deployment":
			err = decodeAppend(doc, &b.deployments)
		case "v1 Service":
			err = decodeAppend(doc, &b.services)
		case "monitoring.coreos.com/v1 ServiceMonitor":
			err = decodeAppend(doc, &b.serviceMonitors)
		case "monitoring.coreos.com/v1 PrometheusRule":
			err = decodeAppend(doc, &b.prometheusRules)
		default:
			t.Fatalf("document %d: unexpected %s %s", i, head.APIVersion, head.Kind)
		}
		if err != nil {
			t.Fatalf("document %d (%s): %v", i, head.Kind, err)
		}
	}
	one := func(kind string, n int) {
		if n != 1 {
			t.Fatalf("%d %s objects, want 1", n, kind)
		}
	}
	one("ConfigMap", len(b.configMaps))
	one("Deployment", len(b.deployments))
	one("Service", len(b.services))
	one("ServiceMonitor", len(b.serviceMonitors))
	one("PrometheusRule", len(b.prometheusRules))
	return b
}

// decodeAppend decodes doc strictly into a T and appends it to list.
func decodeAppend[T any](doc []byte, list *[]T) error {
	var obj T
	err := strictyaml.Unmarshal(doc, &obj)
	*list = append(*list, obj)
	return err
}

// renderKrusty renders the base with the kustomize library, offline.
func renderKrusty(t *testing.T) []byte {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), kustomizeDir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", kustomizeDir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestKubernetesBase(t *testing.T) {
	b := decodeBase(t, renderKrusty(t))
	cm, dep, svc, sm := b.configMaps[0], b.deployments[0], b.services[0], b.serviceMonitors[0]
	pod := dep.Spec.Template.Spec

	t.Run("pod runs as the image's non-root user", func(t *testing.T) {
		sc := pod.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Error("runAsNonRoot is not true")
		}
		if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != imageUID {
			t.Errorf("runAsUser is not %d", imageUID)
		}
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Error("the service account token is mounted; the exporter needs no Kubernetes API")
		}
	})

	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]

	t.Run("container is locked down", func(t *testing.T) {
		sc := c.SecurityContext
		switch {
		case sc == nil:
			t.Fatal("no securityContext")
		case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Error("readOnlyRootFilesystem is not true")
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Error("allowPrivilegeEscalation is not false")
		case sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}):
			t.Error("capabilities do not drop ALL")
		}
	})

	t.Run("resource requests and limits", func(t *testing.T) {
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
			if req.IsZero() || lim.IsZero() {
				t.Errorf("%s: request %v, limit %v; want both", r, &req, &lim)
			} else if req.Cmp(lim) > 0 {
				t.Errorf("%s: request %v above limit %v", r, &req, &lim)
			}
		}
	})

	var port corev1.ContainerPort
	for _, p := range c.Ports {
		if p.ContainerPort == 9977 {
			port = p
		}
	}
	if port.Name == "" {
		t.Fatal("no named container port 9977")
	}
	if !containsArg(c.Args, "--web.listen-address=:9977") {
		t.Errorf("args %q do not listen on :9977", c.Args)
	}

	t.Run("probes on /-/healthy", func(t *testing.T) {
		for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			if p == nil || p.HTTPGet == nil {
				t.Errorf("%s: no HTTP probe", name)
				continue
			}
			if p.HTTPGet.Path != "/-/healthy" || p.HTTPGet.Port != intstr.FromString(port.Name) {
				t.Errorf("%s probe: GET %s on %s, want /-/healthy on %s", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), port.Name)
			}
		}
	})

	t.Run("config from the ConfigMap, token from the Secret", func(t *testing.T) {
		mounts := map[string]corev1.VolumeMount{}
		for _, m := range c.VolumeMounts {
			if !m.ReadOnly {
				t.Errorf("volume %s is mounted writable", m.Name)
			}
			mounts[m.Name] = m
		}
		var configDir, tokenFile string
		for _, v := range pod.Volumes {
			m, ok := mounts[v.Name]
			if !ok {
				t.Errorf("volume %s is not mounted", v.Name)
				continue
			}
			switch {
			case v.ConfigMap != nil:
				if v.ConfigMap.Name != cm.Name {
					t.Errorf("volume %s: ConfigMap %s, but the base has %s", v.Name, v.ConfigMap.Name, cm.Name)
				}
				configDir = m.MountPath
			case v.Secret != nil:
				if len(v.Secret.Items) != 1 {
					t.Fatalf("Secret volume %s: %d items, want the token alone", v.Name, len(v.Secret.Items))
				}
				tokenFile = path.Join(m.MountPath, v.Secret.Items[0].Path)
			}
		}
		var configArg string
		for _, a := range c.Args {
			if f, ok := strings.CutPrefix(a, "--config.file="); ok {
				configArg = f
			}
		}
		text, ok := cm.Data[path.Base(configArg)]
		if configDir == "" || path.Dir(configArg) != configDir || !ok {
			t.Fatalf("--config.file=%s is not a key of the ConfigMap mounted at %s", configArg, configDir)
		}
		var cfg exporterConfig
		if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
			t.Fatalf("config: %v", err)
		}
		checkExporterConfig(t, "ConfigMap "+cm.Name, []byte(text))
		if len(cfg.Accounts) == 0 || cfg.Accounts[0].TokenFile != tokenFile {
			t.Errorf("config accounts %+v: want token_file %s, the Secret's mounted key", cfg.Accounts, tokenFile)
		}
	})

	t.Run("Service selects the pod, ServiceMonitor the Service", func(t *testing.T) {
		podLabels := labels.Set(dep.Spec.Template.Labels)
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
			t.Errorf("Service selector %v does not match pod labels %v", svc.Spec.Selector, podLabels)
		}
		var svcPort string
		for _, p := range svc.Spec.Ports {
			if p.TargetPort == intstr.FromString(port.Name) || p.TargetPort == intstr.FromInt32(port.ContainerPort) {
				svcPort = p.Name
			}
		}
		if svcPort == "" {
			t.Fatalf("no Service port targets container port %s", port.Name)
		}
		if !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) {
			t.Errorf("ServiceMonitor selector %v does not match Service labels %v", sm.Spec.Selector.MatchLabels, svc.Labels)
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svcPort || sm.Spec.Endpoints[0].Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoints %+v, want /metrics on port %s", sm.Spec.Endpoints, svcPort)
		}
	})
}

func containsArg(args []string, want string) bool {
	for _, a := range args {
		if a == want {
			return true
		}
	}
	return false
}

// TestKubernetesPrometheusRuleMatchesRulesFile fails when
// alerts/hostup.rules.yml changed and `make kubernetes-rules` was not run.
func TestKubernetesPrometheusRuleMatchesRulesFile(t *testing.T) {
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := promrule.Generate(rules, promrule.Name, promrule.Labels())
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path.Join(kustomizeDir, "prometheusrule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s/prometheusrule.yaml differs from what %s generates: run make kubernetes-rules", kustomizeDir, rulesFile)
	}

	// And the rendered object holds every rule of the file.
	var file monitoringv1.PrometheusRuleSpec
	if err := yaml.Unmarshal(rules, &file); err != nil {
		t.Fatal(err)
	}
	b := decodeBase(t, renderKrusty(t))
	if !reflect.DeepEqual(b.prometheusRules[0].Spec, file) {
		t.Error("the rendered PrometheusRule's groups differ from the rules file")
	}
}

// TestKubernetesKubectlKustomize renders the base with `kubectl kustomize`
// too, when kubectl is installed, and wants the same objects.
func TestKubernetesKubectlKustomize(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed; the base was rendered with the kustomize library alone")
	}
	out, err := exec.Command(kubectl, "kustomize", kustomizeDir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	got, want := decodeBase(t, out), decodeBase(t, renderKrusty(t))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kubectl kustomize and the kustomize library render different objects:\n%s", fmt.Sprintf("%+v\n%+v", got, want))
	}
}
