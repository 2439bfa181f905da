package window

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

func TestRepeats(t *testing.T) {
	for _, c := range []struct {
		name string
		log  []keyAt
		want []bool
	}{
		{"distinct", []keyAt{{1, 0}, {2, 1}, {3, 2}}, []bool{false, false, false}},
		{"retried batch", []keyAt{{1, 0}, {2, 1}, {1, 2}, {2, 3}}, []bool{false, false, true, true}},
		{"at the span's edge", []keyAt{{1, 10}, {1, 10 + RepeatSpan}}, []bool{false, true}},
		{"past the span", []keyAt{{1, 10}, {1, 11 + RepeatSpan}}, []bool{false, false}},
		// The third copy is judged by the second, the latest copy in its span.
		{"chain", []keyAt{{1, 0}, {1, RepeatSpan}, {1, 2 * RepeatSpan}}, []bool{false, true, true}},
	} {
		r := NewRepeats()
		for i, k := range c.log {
			if got := r.Seen(k.key, k.offset); got != c.want[i] {
				t.Errorf("%s: record %d (key %d at %d): repeat %v, want %v", c.name, i, k.key, k.offset, got, c.want[i])
			}
		}
	}
}

// TestRepeatsSameFromAnyStart: an owner that starts at any offset, primed with the RepeatSpan
// offsets before it, judges every later record as one that read the partition from the start:
// a replay after a crash or a handover counts exactly what the first run counted.
func TestRepeatsSameFromAnyStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var log []keyAt
	off := int64(0)
	for i := 0; i < 6*RepeatSpan; i++ {
		off += 1 + int64(rng.IntN(3)) // markers and gaps take offsets too
		key := uint64(rng.IntN(4 * RepeatSpan))
		if rng.IntN(10) == 0 && len(log) > 0 { // a retried record, near or far
			key = log[max(0, len(log)-1-rng.IntN(RepeatSpan+RepeatSpan/4))].key
		}
		log = append(log, keyAt{key, off})
	}
	whole := make([]bool, len(log))
	r := NewRepeats()
	for i, k := range log {
		whole[i] = r.Seen(k.key, k.offset)
	}
	for trial := 0; trial < 20; trial++ {
		start := rng.IntN(len(log))
		r := NewRepeats()
		for i, k := range log {
			if k.offset < log[start].offset-RepeatSpan {
				continue
			}
			if got := r.Seen(k.key, k.offset); i >= start && got != whole[i] {
				t.Fatalf("start %d: record %d (offset %d) judged %v, from the beginning %v", start, i, k.offset, got, whole[i])
			}
		}
	}
}

// BenchmarkRepeats: the cost per record with a full span of distinct keys, and the bytes the
// span holds (one partition's share of memory).
func BenchmarkRepeats(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewRepeats()
	for i := 0; i < 2*RepeatSpan; i++ {
		r.Seen(uint64(i)*0x9E3779B97F4A7C15, int64(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 2 * RepeatSpan; i < 2*RepeatSpan+b.N; i++ {
		r.Seen(uint64(i)*0x9E3779B97F4A7C15, int64(i))
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc), "bytes/partition")
	runtime.KeepAlive(r)
}
