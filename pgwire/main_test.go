package pgwire

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "emfile" {
		os.Exit(emfileChild())
	}
	goleak.VerifyTestMain(m)
}
