package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log/level"

	"github.com/hostup-exporter/hostup_exporter/account"
	"github.com/hostup-exporter/hostup_exporter/collector"
	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/internal/compress"
)

// DefaultSDPort is the port of /sd's targets when ?port= is not given:
// node_exporter's.
const DefaultSDPort = 9100

// sdMetaPrefix starts every label /sd gives; Prometheus drops __meta_*
// labels after relabelling, so the user picks what to keep.
const sdMetaPrefix = "__meta_hostup_"

// TargetGroup is one entry of Prometheus' HTTP service discovery answer.
type TargetGroup struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// SD returns the /sd handler: Prometheus HTTP service discovery
// (http_sd_configs) of every listed VPS that has a primary IP, one target
// group each, whatever its service status (users filter by relabelling).
//
// It reads the accounts' VPS lists through account.List, so it never makes
// a network call, shares reads in flight with scrapes and reuses a recent
// list. When any account picked has no list to give, the answer is a 503:
// Prometheus then keeps the targets it had, instead of dropping that
// account's targets.
func (h *Handlers) SD() http.Handler {
	return compress.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: use GET", http.StatusMethodNotAllowed)
			return
		}
		q := r.URL.Query()
		port := DefaultSDPort
		if v := q.Get("port"); v != "" {
			p, err := strconv.Atoi(v)
			if err != nil || p < 1 || p > 65535 {
				// The value is not echoed: it could be anything.
				http.Error(w, "invalid parameter port: want a number from 1 to 65535", http.StatusBadRequest)
				return
			}
			port = p
		}
		accounts := h.Accounts.All()
		if q.Has("account") {
			name := q.Get("account")
			a, ok := h.Accounts.Get(name)
			if !ok {
				http.Error(w, "unknown account "+strconv.Quote(html.EscapeString(name)), http.StatusBadRequest)
				return
			}
			accounts = []*account.Account{a}
		}

		ctx, cancel := context.WithTimeout(r.Context(), h.Config.Get().Scrape.Timeout)
		defer cancel()
		lists, err := readLists(ctx, accounts)
		if err != nil {
			// Every Prometheus asks every refresh interval: a line a
			// minute says it.
			if now, last := time.Now().UnixNano(), h.sdWarned.Load(); now-last > int64(time.Minute) && h.sdWarned.CompareAndSwap(last, now) {
				level.Warn(h.Logger).Log("msg", "service discovery has no VPS list to give; answering 503 so Prometheus keeps its targets", "err", err)
			}
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		groups := make([]TargetGroup, 0)
		for i, a := range accounts {
			groups = appendTargetGroups(groups, a.Name(), lists[i].VPS, port)
		}
		body, err := json.Marshal(groups)
		if err != nil {
			http.Error(w, "encoding the targets: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(body, '\n'))
	}))
}

// readLists reads the accounts' lists concurrently; the error names every
// account that has none.
func readLists(ctx context.Context, accounts []*account.Account) ([]account.VPSList, error) {
	lists := make([]account.VPSList, len(accounts))
	errs := make([]error, len(accounts))
	var wg sync.WaitGroup
	for i, a := range accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := a.List(ctx)
			if err != nil {
				err = fmt.Errorf("account %q: %w", a.Name(), err)
			}
			lists[i], errs[i] = l, err
		}()
	}
	wg.Wait()
	return lists, errors.Join(errs...)
}

// appendTargetGroups adds one group per VPS of list with a primary IP.
func appendTargetGroups(groups []TargetGroup, acct string, list []hostup.VPS, port int) []TargetGroup {
	p := strconv.Itoa(port)
	for i := range list {
		v := &list[i]
		if v.PrimaryIP == nil || strings.TrimSpace(*v.PrimaryIP) == "" {
			continue
		}
		ip := strings.TrimSpace(*v.PrimaryIP)
		labels := map[string]string{
			sdMetaPrefix + "account":        acct,
			sdMetaPrefix + "vps_id":         v.ID,
			sdMetaPrefix + "vps_name":       v.Name,
			sdMetaPrefix + "service_status": v.ServiceStatus,
			sdMetaPrefix + "power_state":    deref(v.PowerState),
			sdMetaPrefix + "primary_ip":     ip,
		}
		if res := v.Resources; res != nil {
			setNumber(labels, "cpu_cores", res.CPUCores)
			setNumber(labels, "memory_gb", res.MemoryGB)
			setNumber(labels, "storage_gb", res.StorageGB)
		}
		if os := collector.OSName(v.OperatingSystem); os != "" {
			labels[sdMetaPrefix+"os"] = os
		}
		// JoinHostPort puts an IPv6 address in brackets.
		groups = append(groups, TargetGroup{Targets: []string{net.JoinHostPort(ip, p)}, Labels: labels})
	}
	return groups
}

func setNumber(labels map[string]string, name string, v *float64) {
	if v != nil {
		labels[sdMetaPrefix+name] = strconv.FormatFloat(*v, 'f', -1, 64)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
