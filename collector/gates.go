package collector

import (
	"sort"

	"github.com/hostup-exporter/hostup_exporter/hostup"
)

// emitGates exports every gate of an actions object, whatever its name, so a
// gate HostUp adds later appears without a code change. Gates are emitted in
// name order to keep the exposition stable. prefix holds the labels that come
// before action, code and reason.
func (e *emitter) emitGates(d typedDesc, actions hostup.Actions, prefix ...string) {
	if len(actions) == 0 {
		return
	}
	names := make([]string, 0, len(actions))
	for name := range actions {
		names = append(names, name)
	}
	sort.Strings(names)
	labels := make([]string, len(prefix)+3)
	copy(labels, prefix)
	for _, name := range names {
		gate := actions[name]
		labels[len(prefix)] = name
		labels[len(prefix)+1] = str(gate.Code)
		// The reason is only meaningful while blocked; an allowed gate with a
		// leftover reason would otherwise split its series when the text changes.
		reason := ""
		if !gate.Allowed {
			reason = str(gate.Reason)
		}
		labels[len(prefix)+2] = reason
		e.emit(d, boolToFloat(gate.Allowed), labels...)
	}
}
