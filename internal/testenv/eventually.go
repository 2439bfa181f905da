package testenv

import (
	"testing"
	"time"
)

// Eventually calls cond every tick until it returns nil, and fails the test with cond's last
// error when timeout passes first. It is the one way tests wait for the system: no fixed
// sleeps.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := 50 * time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %v", timeout, err)
			return
		}
		time.Sleep(tick)
		tick = min(2*tick, time.Second)
	}
}
