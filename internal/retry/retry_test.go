package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestForever(t *testing.T) {
	t.Parallel()
	calls, waits := 0, 0
	err := Forever(context.Background(), func() error {
		if calls++; calls < 3 {
			return errors.New("transient")
		}
		return nil
	}, func(error, time.Duration) { waits++ })
	if err != nil || calls != 3 || waits != 2 {
		t.Fatalf("err %v after %d calls and %d waits, want nil after 3 and 2", err, calls, waits)
	}
	bad := errors.New("bad row")
	calls = 0
	if err := Forever(context.Background(), func() error { calls++; return Permanent(bad) }, nil); !errors.Is(err, bad) || calls != 1 {
		t.Fatalf("permanent: %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := Forever(ctx, func() error { return errors.New("down") }, nil); err == nil {
		t.Fatal("a context that ended did not stop the retries")
	}
}
