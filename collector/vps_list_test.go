package collector

import (
	"encoding/json"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
	"github.com/hostup-exporter/hostup_exporter/hostup/hostuptest"
)

// inventoryMetrics come from the list's resources and operatingSystem, which
// the docs account leaves null.
var inventoryMetrics = []string{"hostup_vps_cpu_cores", "hostup_vps_memory_bytes", "hostup_vps_disk_bytes", "hostup_vps_os_info"}

func rawJSON(s string) *json.RawMessage {
	r := json.RawMessage(s)
	return &r
}

func f64(v float64) *float64 { return &v }

// The inventory comes from the list: memory and disk in bytes (GB × 2^30),
// a null field gives no series, and the operating system's name is found
// in whatever shape the undocumented object has.
func TestInventoryFromTheList(t *testing.T) {
	acct := hostuptest.DocsAccount()
	base := acct.VPS[0]
	sized := base
	sized.ID, sized.Name = "vps_sized", "sized"
	sized.Resources = &hostup.Resources{CPUCores: f64(2), MemoryGB: f64(4), StorageGB: f64(80)}
	sized.OperatingSystem = rawJSON(`{"id": 7, "name": "Debian 12", "family": "linux"}`)
	partial := base
	partial.ID, partial.Name = "vps_partial", "partial"
	partial.Resources = &hostup.Resources{CPUCores: f64(1), MemoryGB: f64(0.5)}
	partial.OperatingSystem = rawJSON(`{"name": null, "family": "windows"}`)
	nameless := base
	nameless.ID, nameless.Name = "vps_nameless", "nameless"
	nameless.OperatingSystem = rawJSON(`{"id": 3, "name": ""}`)
	plain := base
	plain.ID, plain.Name = "vps_plain", "plain"
	plain.OperatingSystem = rawJSON(`"Ubuntu 24.04"`)
	acct.VPS = append(acct.VPS, sized, partial, nameless, plain)

	compareText(t, gatherSnapshot(t, snapshotOf(acct)), `
# HELP hostup_vps_cpu_cores CPU cores of the VPS (GET /api/v2/vps data[].resources.cpuCores).
# TYPE hostup_vps_cpu_cores gauge
hostup_vps_cpu_cores{account="production",vps_id="vps_partial",vps_name="partial"} 1
hostup_vps_cpu_cores{account="production",vps_id="vps_sized",vps_name="sized"} 2
# HELP hostup_vps_disk_bytes Disk of the VPS in bytes (GET /api/v2/vps data[].resources.storageGb × 2^30, binary units as for memory).
# TYPE hostup_vps_disk_bytes gauge
hostup_vps_disk_bytes{account="production",vps_id="vps_sized",vps_name="sized"} 8.589934592e+10
# HELP hostup_vps_memory_bytes Memory of the VPS in bytes (GET /api/v2/vps data[].resources.memoryGb × 2^30: the API does not say which GB it means, and VPS memory is sized in binary units).
# TYPE hostup_vps_memory_bytes gauge
hostup_vps_memory_bytes{account="production",vps_id="vps_partial",vps_name="partial"} 5.36870912e+08
hostup_vps_memory_bytes{account="production",vps_id="vps_sized",vps_name="sized"} 4.294967296e+09
# HELP hostup_vps_os_info Operating system of the VPS (GET /api/v2/vps data[].operatingSystem, its name-like field); always 1, absent when the API gives none.
# TYPE hostup_vps_os_info gauge
hostup_vps_os_info{account="production",os="Debian 12",vps_id="vps_sized",vps_name="sized"} 1
hostup_vps_os_info{account="production",os="Ubuntu 24.04",vps_id="vps_plain",vps_name="plain"} 1
hostup_vps_os_info{account="production",os="windows",vps_id="vps_partial",vps_name="partial"} 1
`, inventoryMetrics...)
}

func TestOSName(t *testing.T) {
	for _, tc := range []struct{ name, raw, want string }{
		{"null object", "", ""},
		{"JSON null", `null`, ""},
		{"name", `{"name": "Debian 12"}`, "Debian 12"},
		{"name before family", `{"family": "linux", "name": "AlmaLinux 9"}`, "AlmaLinux 9"},
		{"display name", `{"id": 1, "displayName": "Rocky 9"}`, "Rocky 9"},
		{"name not a string", `{"name": {"en": "x"}, "slug": "debian-12"}`, "debian-12"},
		{"blank name", `{"name": "  ", "family": "linux"}`, "linux"},
		{"plain string", `"FreeBSD 14"`, "FreeBSD 14"},
		{"no name-like field", `{"id": 3}`, ""},
		{"array", `["debian"]`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var raw *json.RawMessage
			if tc.raw != "" {
				raw = rawJSON(tc.raw)
			}
			if got := OSName(raw); got != tc.want {
				t.Errorf("OSName(%s) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}
