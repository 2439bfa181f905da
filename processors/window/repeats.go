package window

// RepeatSpan is how many offsets back a clean record's key is looked for: a record whose
// exact key a record of the same partition carries within the RepeatSpan offsets before it is
// a repeat, and is counted neither in windows nor in protection counts.
//
// Why: kafka-go has no idempotent producer. When a broker is lost after writing a batch but
// before answering, the writer sends the batch again on its own (MaxAttempts) and vigia.clean
// holds it twice; dedup's rebuild of its state after a handover can also miss a
// batch the new leader had not yet made readable. Events absorb a repeat by their reference;
// windows and protection counts did not (TestClusterBrokerKilled counted hundreds of windows
// twice). Every such repeat is written by the partition's own writer within a few batches of
// the first copy (a batch is at most 2,000 records, retried in order), so 32,768 offsets hold
// sixteen batches. The verdict depends only on the log, so every owner and every replay after
// a crash decides the same: a new owner primes it with the RepeatSpan offsets before its start.
const RepeatSpan = 1 << 15

// Repeats remembers the exact keys of the last RepeatSpan offsets of a partition.
type Repeats struct {
	last map[uint64]int64 // key -> offset of its latest copy in the span
	ring []keyAt          // every copy in the span, oldest first from head
	head int
}

type keyAt struct {
	key    uint64
	offset int64
}

// NewRepeats returns an empty span.
func NewRepeats() *Repeats { return &Repeats{last: map[uint64]int64{}} }

// Seen reports whether key was read within the RepeatSpan offsets before offset, and
// remembers it at offset. Offsets must increase.
func (r *Repeats) Seen(key uint64, offset int64) bool {
	for r.head < len(r.ring) && r.ring[r.head].offset < offset-RepeatSpan {
		old := r.ring[r.head]
		if r.last[old.key] == old.offset {
			delete(r.last, old.key)
		}
		r.head++
	}
	// Compact once the expired prefix is half the slice: amortised O(1) per record.
	if r.head > 0 && r.head >= len(r.ring)/2 {
		r.ring = r.ring[:copy(r.ring, r.ring[r.head:])]
		r.head = 0
	}
	_, dup := r.last[key]
	r.last[key] = offset
	r.ring = append(r.ring, keyAt{key, offset})
	return dup
}
