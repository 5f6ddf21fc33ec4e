package hostup_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

func TestActionsDecodeGenerically(t *testing.T) {
	tests := []struct {
		name string
		json string
		want hostup.Actions
	}{
		{
			name: "gate without code",
			json: `{"canChangeIp": {"allowed": true, "reason": null}}`,
			want: hostup.Actions{"canChangeIp": {Allowed: true}},
		},
		{
			name: "blocked gate with reason and code",
			json: `{"canAddIpv4": {"allowed": false, "reason": "An order is pending.", "code": "pending_order"}}`,
			want: hostup.Actions{"canAddIpv4": {Allowed: false, Reason: str("An order is pending."), Code: str("pending_order")}},
		},
		{
			name: "gate HostUp adds later is kept with its code",
			json: `{"canTeleport": {"allowed": false, "reason": "Not in this region.", "code": "region_unsupported", "since": "2027-01-01"}}`,
			want: hostup.Actions{"canTeleport": {Allowed: false, Reason: str("Not in this region."), Code: str("region_unsupported")}},
		},
		{
			name: "missing reason and code stay nil",
			json: `{"canDelete": {"allowed": true}}`,
			want: hostup.Actions{"canDelete": {Allowed: true}},
		},
		{
			name: "null gate is skipped",
			json: `{"canDelete": null, "canRelease": {"allowed": true, "reason": null}}`,
			want: hostup.Actions{"canRelease": {Allowed: true}},
		},
		{
			name: "gate that is not an object is skipped",
			json: `{"canDelete": true, "canMove": "yes", "canCopy": [1], "canRelease": {"allowed": false, "reason": "busy"}}`,
			want: hostup.Actions{"canRelease": {Allowed: false, Reason: str("busy")}},
		},
		{
			name: "gate whose allowed is missing or not a boolean is skipped",
			json: `{"canA": {"reason": "x"}, "canB": {"allowed": "true"}, "canC": {"allowed": null}, "canD": {"allowed": false}}`,
			want: hostup.Actions{"canD": {Allowed: false}},
		},
		{
			name: "reason or code of the wrong type stays nil",
			json: `{"canA": {"allowed": false, "reason": 42, "code": {"id": 1}}}`,
			want: hostup.Actions{"canA": {Allowed: false}},
		},
		{
			name: "empty object gives an empty map",
			json: `{}`,
			want: hostup.Actions{},
		},
		{
			name: "empty array, how PHP serialises an empty object, gives an empty map",
			json: `[]`,
			want: hostup.Actions{},
		},
		{
			name: "null gives a nil map",
			json: `null`,
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got hostup.Actions
			if err := json.Unmarshal([]byte(tt.json), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("got %s (nil %t), want %s", pretty(got), got == nil, pretty(tt.want))
			}
		})
	}
}

func TestActionsThatAreNotAnObjectFailTheDecode(t *testing.T) {
	for _, in := range []string{`"none"`, `42`, `[{"allowed": true}]`} {
		var a hostup.Actions
		if err := json.Unmarshal([]byte(in), &a); err == nil {
			t.Errorf("actions %s decoded to %v without error", in, a)
		}
	}
}

func TestUnknownGateWithCodeArrivesThroughTheClient(t *testing.T) {
	body := `{"interfaces": [], "actions": {
		"canAddIpv4": {"allowed": false, "reason": "An order is pending.", "code": "pending_order"},
		"canTeleport": {"allowed": true, "reason": null, "code": null}}}`
	api := newFakeAPI(t, jsonBody(http.StatusOK, body))
	n, err := newTestClient(t, api).VPSNetwork(t.Context(), "vps_1")
	if err != nil {
		t.Fatal(err)
	}
	want := hostup.Actions{
		"canAddIpv4":  {Allowed: false, Reason: str("An order is pending."), Code: str("pending_order")},
		"canTeleport": {Allowed: true},
	}
	if !reflect.DeepEqual(n.Actions, want) {
		t.Errorf("actions %s, want %s", pretty(n.Actions), pretty(want))
	}
}
