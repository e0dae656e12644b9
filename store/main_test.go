package store

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// childEnv names the role a re-executed test binary plays (see crash_test.go
// and lock_test.go); childDirEnv its data directory.
const (
	childEnv    = "DRIFTDB_STORE_TEST_CHILD"
	childDirEnv = "DRIFTDB_STORE_TEST_DIR"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		goleak.VerifyTestMain(m)
	case "crash":
		crashChild(os.Getenv(childDirEnv))
	case "lock":
		lockChild(os.Getenv(childDirEnv))
	default:
		fmt.Fprintln(os.Stderr, "unknown child role")
		os.Exit(2)
	}
}
