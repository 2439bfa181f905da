package stream

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestQueueCapacityIsBoundedByBytes(t *testing.T) {
	for _, tc := range []struct {
		name                        string
		batch, readAhead, maxRecord int
		want                        int
	}{
		{"defaults: three of the largest records", 2000, 4 << 20, 1048588, 3},
		{"small records: at most a batch", 2000, 4 << 20, 1 << 10, 2000},
		{"records larger than the read-ahead: one", 2000, 1 << 20, 4 << 20, 1},
		{"bytes allow 64", 2000, 4 << 20, 64 << 10, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &worker{cfg: Config{BatchSize: tc.batch, ReadAheadBytes: tc.readAhead, MaxRecordBytes: tc.maxRecord}}
			if got := w.queueCapacity(); got != tc.want {
				t.Fatalf("queue capacity %d, want %d", got, tc.want)
			}
		})
	}
}

func TestBatchesStayWithinBatchBytesAndTheSharedBudget(t *testing.T) {
	rec := func(n int) kafka.Message { return kafka.Message{Key: []byte("k"), Value: make([]byte, n-1)} }
	budget := NewBudget(1000)
	a := &worker{cfg: Config{BatchBytes: 600, Budget: budget}}
	b := &worker{cfg: Config{BatchBytes: 600, Budget: budget}}

	// a opens a batch with 300 bytes and adds 300 more; the next 100 would pass BatchBytes.
	a.batchBytes, a.held = 300, mustAcquire(t, budget, 300)
	for _, tc := range []struct {
		w    *worker
		n    int
		fits bool
	}{
		{a, 300, true},  // a: 600 of 600
		{a, 100, false}, // a: BatchBytes reached
		{b, 300, true},  // b: 300, budget 900 of 1000
		{b, 200, false}, // b: under BatchBytes, but the budget has only 100 left
		{b, 100, true},  // b: 400, budget full
	} {
		if got := tc.w.fits(rec(tc.n)); got != tc.fits {
			t.Fatalf("fits(%d bytes) = %v, want %v (batch %d, held %d)", tc.n, got, tc.fits, tc.w.batchBytes, tc.w.held)
		}
	}
	if _, ok := budget.tryAcquire(1); ok {
		t.Fatal("the budget should be spent")
	}
	a.release()
	if _, ok := budget.tryAcquire(600); !ok {
		t.Fatal("a's release should return its 600 bytes")
	}
	budget.release(600)
	b.release()
	if a.batchBytes != 0 || b.held != 0 {
		t.Fatal("release must reset the batch's bytes")
	}
	// A record larger than the whole budget takes all of it and is still handed.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	held, err := budget.acquire(ctx, 5000)
	if err != nil || held != 1000 {
		t.Fatalf("acquire(5000) = %d, %v; want the whole budget", held, err)
	}
	// While it is held, another worker's first record waits until its context ends.
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := budget.acquire(short, 10); err == nil {
		t.Fatal("a spent budget must make the next batch wait")
	}
	budget.release(held)
}

func mustAcquire(t *testing.T, b *Budget, n int64) int64 {
	t.Helper()
	held, ok := b.tryAcquire(n)
	if !ok {
		t.Fatalf("cannot take %d bytes", n)
	}
	return held
}
