package testenv

import (
	"errors"
	"testing"
	"time"
)

type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Helper()               {}
func (f *fatalRecorder) Fatalf(string, ...any) { f.failed = true }

func TestEventually(t *testing.T) {
	n := 0
	Eventually(t, 5*time.Second, func() error {
		if n++; n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if n != 3 {
		t.Fatalf("cond called %d times, want 3", n)
	}
	f := &fatalRecorder{}
	Eventually(f, 100*time.Millisecond, func() error { return errors.New("never") })
	if !f.failed {
		t.Fatal("a condition that never holds did not fail the test")
	}
}
