package clickhouse

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// fakeConn is a ClickHouse that fails on demand: only PrepareBatch is used by the batcher.
type fakeConn struct {
	driver.Conn
	mu       sync.Mutex
	failures []error // returned by the next Send calls, in order
	bad      int     // a row value the server refuses for good
	stored   []int
	sends    int
}

type fakeBatch struct {
	driver.Batch
	c    *fakeConn
	rows []int
}

func (c *fakeConn) PrepareBatch(context.Context, string, ...driver.PrepareBatchOption) (driver.Batch, error) {
	return &fakeBatch{c: c}, nil
}

func (b *fakeBatch) Abort() error { return nil }

func (b *fakeBatch) Send() error {
	c := b.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sends++
	if len(c.failures) > 0 {
		err := c.failures[0]
		c.failures = c.failures[1:]
		return err
	}
	if slices.Contains(b.rows, c.bad) {
		return &clickhouse.Exception{Code: 53, Message: "Type mismatch"}
	}
	c.stored = append(c.stored, b.rows...)
	return nil
}

type intTable struct{}

func (intTable) Name() string      { return "ints" }
func (intTable) Columns() []string { return []string{"v"} }
func (intTable) AppendColumns(b driver.Batch, rows []int) error {
	b.(*fakeBatch).rows = append(b.(*fakeBatch).rows, rows...)
	return nil
}

func newTestBatcher(t *testing.T, c *fakeConn, rejected *[]int) *Batcher[int] {
	b, err := NewBatcher[int](c, intTable{}, BatcherConfig{Database: "db", MaxRows: 4, MaxWait: 10 * time.Millisecond, MaxPending: 2,
		Reject: func(row any, err error) { *rejected = append(*rejected, row.(int)) }})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Transient failures (network, overload) are retried until the rows land; nothing is lost.
func TestBatcherRetriesTransientFailures(t *testing.T) {
	c := &fakeConn{bad: -1, failures: []error{errors.New("connection reset"), &clickhouse.Exception{Code: 252, Message: "Too many parts"}}}
	var rejected []int
	b := newTestBatcher(t, c, &rejected)
	ctx, cancel := context.WithCancel(context.Background())
	go b.Run(ctx)
	defer cancel()
	tk, err := b.Submit(ctx, []int{1, 2, 3}, "src")
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.stored, []int{1, 2, 3}) || c.sends != 3 || len(rejected) != 0 {
		t.Fatalf("stored %v after %d sends, rejected %v", c.stored, c.sends, rejected)
	}
}

// A row the server refuses for good is isolated by splitting and rejected alone; the rest of
// its batch lands.
func TestBatcherIsolatesRejectedRow(t *testing.T) {
	c := &fakeConn{bad: 7}
	var rejected []int
	b := newTestBatcher(t, c, &rejected)
	ctx, cancel := context.WithCancel(context.Background())
	go b.Run(ctx)
	defer cancel()
	tk, _ := b.Submit(ctx, []int{5, 6, 7, 8}, "src")
	if err := tk.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(c.stored)
	if !slices.Equal(c.stored, []int{5, 6, 8}) || !slices.Equal(rejected, []int{7}) {
		t.Fatalf("stored %v rejected %v", c.stored, rejected)
	}
}

// While ClickHouse is down, submissions queue up to MaxPending and then block: that is the
// back-pressure that pauses consumption.
func TestBatcherBackPressure(t *testing.T) {
	down := make([]error, 1000)
	for i := range down {
		down[i] = errors.New("connection refused")
	}
	c := &fakeConn{bad: -1, failures: down}
	var rejected []int
	b := newTestBatcher(t, c, &rejected)
	ctx, cancel := context.WithCancel(context.Background())
	go b.Run(ctx)
	defer cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer scancel()
	blocked := false
	for i := 0; i < 10; i++ {
		if _, err := b.Submit(sctx, []int{i, i, i, i}, "src"); err != nil {
			blocked = true
			break
		}
	}
	if !blocked {
		t.Fatal("Submit never blocked while ClickHouse was down")
	}
}

func TestIsPermanent(t *testing.T) {
	for err, want := range map[error]bool{
		errors.New("EOF"):                               false,
		&clickhouse.Exception{Code: 53}:                 true,
		&clickhouse.Exception{Code: 241}:                false,
		&permanentError{errors.New("bad column value")}: true,
	} {
		if IsPermanent(err) != want {
			t.Errorf("IsPermanent(%v) = %v", err, !want)
		}
	}
}
