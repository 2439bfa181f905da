package stream

import "context"

// Ticket is the acknowledgement of an asynchronous delivery (a ClickHouse insert).
type Ticket interface {
	Done() <-chan struct{}
	Err() error
}

// Acks tracks deliveries in submission order and yields the offset up to which all of them
// are acknowledged: the contiguous prefix, never past a delivery still pending or failed.
type Acks struct {
	q         []pendingAck
	committed int64
}

type pendingAck struct {
	t      Ticket
	offset int64
}

// NewAcks starts at the partition's start offset.
func NewAcks(start int64) *Acks { return &Acks{committed: start} }

// Add records that once t completes, everything before offset is delivered.
func (a *Acks) Add(t Ticket, offset int64) { a.q = append(a.q, pendingAck{t, offset}) }

// Pending is the number of deliveries not yet popped.
func (a *Acks) Pending() int { return len(a.q) }

// Poll pops the completed deliveries at the head of the queue and returns the offset safe
// to commit. A failed delivery stays at the head: nothing after it is committed.
func (a *Acks) Poll() int64 {
	for len(a.q) > 0 {
		select {
		case <-a.q[0].t.Done():
			if a.q[0].t.Err() != nil {
				return a.committed
			}
			a.committed = max(a.committed, a.q[0].offset)
			a.q = a.q[1:]
		default:
			return a.committed
		}
	}
	return a.committed
}

// WaitUntil blocks until at most n deliveries are pending (back-pressure) or ctx ends.
func (a *Acks) WaitUntil(ctx context.Context, n int) error {
	for len(a.q) > n {
		select {
		case <-a.q[0].t.Done():
			if err := a.q[0].t.Err(); err != nil {
				return err
			}
			a.Poll()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Completed is the ticket of a delivery already acknowledged (done synchronously).
func Completed() Ticket { return completed{} }

type completed struct{}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (completed) Done() <-chan struct{} { return closedChan }
func (completed) Err() error            { return nil }
