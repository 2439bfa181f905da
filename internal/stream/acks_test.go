package stream

import (
	"context"
	"errors"
	"testing"
	"time"
)

type tk struct {
	done chan struct{}
	err  error
}

func (t *tk) Done() <-chan struct{} { return t.done }
func (t *tk) Err() error            { return t.err }

func newTk() *tk { return &tk{done: make(chan struct{})} }

func TestAcksCommitOnlyTheContiguousPrefix(t *testing.T) {
	t.Parallel()
	a := NewAcks(10)
	t1, t2, t3 := newTk(), newTk(), newTk()
	a.Add(t1, 20)
	a.Add(t2, 30)
	a.Add(t3, 40)
	close(t2.done) // the second completes first: nothing may be committed yet
	if got := a.Poll(); got != 10 {
		t.Fatalf("committed %d past a pending delivery", got)
	}
	close(t1.done)
	if got := a.Poll(); got != 30 {
		t.Fatalf("got %d, want 30", got)
	}
	t3.err = errors.New("insert failed")
	close(t3.done)
	if got := a.Poll(); got != 30 {
		t.Fatalf("committed %d past a failed delivery", got)
	}
}

func TestAcksWaitUntilIsBackPressure(t *testing.T) {
	t.Parallel()
	a := NewAcks(0)
	t1 := newTk()
	a.Add(t1, 5)
	a.Add(newTk(), 6)
	go func() { time.Sleep(20 * time.Millisecond); close(t1.done) }()
	if err := a.WaitUntil(context.Background(), 1); err != nil || a.Pending() != 1 {
		t.Fatalf("err %v pending %d", err, a.Pending())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := a.WaitUntil(ctx, 0); err == nil {
		t.Fatal("WaitUntil returned while a delivery is pending")
	}
}
