package stream

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Budget is the process's allowance of record bytes held in batches, shared by all the
// workers of every stage, so the memory a flood of large records takes does not grow with the
// number of partitions assigned.
type Budget struct {
	sem  *semaphore.Weighted
	size int64
}

// NewBudget returns a budget of size bytes.
func NewBudget(size int64) *Budget {
	return &Budget{sem: semaphore.NewWeighted(size), size: size}
}

// Size is the budget's bytes.
func (b *Budget) Size() int64 { return b.size }

// acquire takes n bytes, waiting until they are free; a record larger than the whole budget
// takes all of it, so it is still handed (alone) rather than never.
func (b *Budget) acquire(ctx context.Context, n int64) (int64, error) {
	n = min(n, b.size)
	return n, b.sem.Acquire(ctx, n)
}

// tryAcquire takes n bytes if they are free now.
func (b *Budget) tryAcquire(n int64) (int64, bool) {
	n = min(n, b.size)
	return n, b.sem.TryAcquire(n)
}

func (b *Budget) release(n int64) {
	if n > 0 {
		b.sem.Release(n)
	}
}
