// Package retry is the one retry policy of the pipeline's delivery paths (a partition handler
// that cannot open, a batch not delivered, an insert that failed): exponential backoff from
// 100 ms to 10 s with jitter, for as long as the context lives, since a record is never
// skipped. It configures github.com/cenkalti/backoff rather than hand-writing the loop.
package retry

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Forever calls op until it succeeds, returns a Permanent error, or ctx ends; before each
// wait, notify (optional) is told the error and the wait. It returns op's last error, or
// ctx's cause when ctx ended first.
func Forever(ctx context.Context, op func() error, notify func(err error, wait time.Duration)) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.Multiplier, b.RandomizationFactor = 100*time.Millisecond, 10*time.Second, 2, 0.2
	opts := []backoff.RetryOption{backoff.WithBackOff(b), backoff.WithMaxElapsedTime(0)}
	if notify != nil {
		opts = append(opts, backoff.WithNotify(notify))
	}
	_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, op() }, opts...)
	return err
}

// Permanent wraps err so that Forever stops and returns err.
func Permanent(err error) error { return backoff.Permanent(err) }
