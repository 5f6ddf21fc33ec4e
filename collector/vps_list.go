package collector

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// The inventory: what GET /api/v2/vps says of each VPS's size and operating
// system. It comes with the list every scrape reads anyway, so it costs no
// API call.
var (
	vpsCPUCores = newGauge("vps_cpu_cores",
		"CPU cores of the VPS (GET /api/v2/vps data[].resources.cpuCores).",
		"account", "vps_id", "vps_name")
	vpsMemoryBytes = newGauge("vps_memory_bytes",
		"Memory of the VPS in bytes (GET /api/v2/vps data[].resources.memoryGb × 2^30: the API does not say which GB it means, and VPS memory is sized in binary units).",
		"account", "vps_id", "vps_name")
	vpsDiskBytes = newGauge("vps_disk_bytes",
		"Disk of the VPS in bytes (GET /api/v2/vps data[].resources.storageGb × 2^30, binary units as for memory).",
		"account", "vps_id", "vps_name")
	vpsOSInfo = newGauge("vps_os_info",
		"Operating system of the VPS (GET /api/v2/vps data[].operatingSystem, its name-like field); always 1, absent when the API gives none.",
		"account", "vps_id", "vps_name", "os")
)

// gib is the factor from the API's memoryGb and storageGb to bytes.
const gib = 1 << 30

func (e *emitter) emitInventory(account string, v *hostup.VPS) {
	if r := v.Resources; r != nil {
		e.emitOptional(vpsCPUCores, r.CPUCores, account, v.ID, v.Name)
		e.emitOptional(vpsMemoryBytes, timesGiB(r.MemoryGB), account, v.ID, v.Name)
		e.emitOptional(vpsDiskBytes, timesGiB(r.StorageGB), account, v.ID, v.Name)
	}
	if os := OSName(v.OperatingSystem); os != "" {
		e.emit(vpsOSInfo, 1, account, v.ID, v.Name, os)
	}
}

func timesGiB(gb *float64) *float64 {
	if gb == nil {
		return nil
	}
	b := *gb * gib
	return &b
}

// osNameKeys are the fields of operatingSystem that may name it, most
// telling first. The object's shape is not documented.
var osNameKeys = []string{"name", "displayName", "display_name", "title", "label", "distribution", "distro", "family", "slug", "type"}

// maxOSName bounds the operating system's name as a label value.
const maxOSName = 128

// OSName is the name of a VPS's operating system, from the list's
// operatingSystem: a string as it is, or an object's first non-empty string
// field among osNameKeys; empty when null or when no such field is found.
// Service discovery labels targets with it too.
func OSName(raw *json.RawMessage) string {
	if raw == nil {
		return ""
	}
	var s string
	if json.Unmarshal(*raw, &s) == nil {
		return clipLabel(s)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(*raw, &obj) != nil {
		return ""
	}
	for _, k := range osNameKeys {
		if v, ok := obj[k]; ok && json.Unmarshal(v, &s) == nil {
			if s = clipLabel(s); s != "" {
				return s
			}
		}
	}
	return ""
}

func clipLabel(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= maxOSName {
		return s
	}
	return string([]rune(s)[:maxOSName])
}
