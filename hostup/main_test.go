package hostup

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: a response body not
// closed or a timer not stopped shows up here.
func TestMain(m *testing.M) {
	code := m.Run()
	// Idle keep-alive connections of the shared transport are not a leak.
	defaultTransport.CloseIdleConnections()
	if code == 0 && !fuzzing() {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}
