package message

import (
	"os"
	"testing"
	"time"
)

// TestMain lengthens the time budget: on a loaded machine (or -race) the
// clock could otherwise stop a render before the step and byte limits the
// tests check, or even a small one. Tests of the clock set their own.
func TestMain(m *testing.M) {
	renderBudget = time.Minute
	os.Exit(m.Run())
}
