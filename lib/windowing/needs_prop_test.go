package windowing

import (
	"math/rand/v2"
	"testing"
)

// Crashes at random points, with inserts in flight that land before or after the next owner
// reads its resume point, or never: the stored counts always equal the records' needs.
func TestNeedsRandomCrashes(t *testing.T) {
	t.Parallel()
	base := int64(3*NeedBlockOffsets - 300)
	const n = 600
	log := needsLog(base, base+n)
	var truth uint64
	for _, e := range log {
		if e.Protection != 0 {
			truth++
		}
	}
	for seed := uint64(0); seed < 2000; seed++ {
		r := rand.New(rand.NewPCG(seed, 1))
		st := needStore{}
		type insert struct {
			rows   []NeedRow
			commit int64
		}
		var pending []insert
		committed := base
		land := func(k int) { // the first k pending inserts land, in order
			for _, in := range pending[:k] {
				st.put(in.rows)
				committed = max(committed, in.commit)
			}
			pending = pending[k:]
		}
		start := base
		resumed := st.resume(start)
		for owners := 0; ; owners++ {
			nd := NewNeeds(Config{}, start, resumed)
			off := start
			crash := owners < 4 && r.IntN(2) == 0
			stopAt := base + n
			if crash {
				stopAt = min(base+n, start+int64(r.IntN(n)))
			}
			for off < stopAt {
				to := min(stopAt, off+1+int64(r.IntN(60)))
				rows := read(nd, log, off, to)
				// The window stage's safe offset: anywhere up to the flush's end.
				safe := off + int64(r.IntN(int(to-off)+1))
				pending = append(pending, insert{rows, safe})
				if r.IntN(3) > 0 {
					land(len(pending))
				}
				off = to
			}
			if !crash {
				land(len(pending))
				break
			}
			// The crash: some in-flight inserts land now, some after the next owner opened.
			land(r.IntN(len(pending) + 1))
			late := pending
			pending = nil
			start = committed
			resumed = st.resume(start) // read before the late inserts land
			for _, in := range late {
				if r.IntN(2) == 0 {
					st.put(in.rows) // landed after the resume point was read; its ack never came
				}
			}
		}
		if got := st.total(); got != truth {
			t.Fatalf("seed %d: %d persons with needs counted, want %d", seed, got, truth)
		}
	}
}
