package dedup

import (
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
)

func from(src string) *kafka.Message {
	return &kafka.Message{Headers: []kafka.Header{{Key: "other", Value: []byte("x")}, {Key: stream.SourceHeader, Value: []byte(src)}}}
}

const day = int64(86400)

// The watermark follows the slowest source still reading; caught-up sources do not hold it;
// a known source not heard from holds it for the idle timeout after the partition opened.
func TestSourcesHoldTheWatermarkToTheSlowest(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	s := newSources(30*time.Second, t0)
	s.known = []string{"raw.a:0", "raw.a:1", "raw.b:0"}
	s.event(from("raw.a:0"), 10*day, t0)
	s.event(from("raw.a:1"), 3*day, t0)
	if _, ok := s.low(t0); ok {
		t.Fatal("raw.b:0 was never heard from, yet the watermark moved")
	}
	s.marker(from("raw.b:0"), 0, true, t0) // an agency with nothing to send
	if low, ok := s.low(t0); !ok || low != 3*day {
		t.Fatalf("low %d %v, want day 3 (raw.a:1 still reading)", low/day, ok)
	}
	s.event(from("raw.a:0"), 9*day, t0) // out of order within a source: its newest stays
	s.marker(from("raw.a:1"), 5*day, false, t0)
	if low, _ := s.low(t0); low != 5*day {
		t.Fatalf("low %d, want day 5", low/day)
	}
	s.marker(from("raw.a:1"), 6*day, true, t0)
	if low, _ := s.low(t0); low != 10*day {
		t.Fatalf("all caught up: low %d, want day 10 (the newest)", low/day)
	}
	// raw.a:1 reads a new backlog; raw.a:0 falls silent and stops counting after the timeout.
	s.marker(from("raw.a:1"), 6*day, false, t0.Add(time.Second))
	s.marker(from("raw.a:0"), 10*day, false, t0.Add(time.Second))
	if low, _ := s.low(t0.Add(2 * time.Second)); low != 6*day {
		t.Fatalf("low %d, want day 6", low/day)
	}
	s.event(from("raw.a:1"), 8*day, t0.Add(40*time.Second))
	if low, _ := s.low(t0.Add(40 * time.Second)); low != 8*day {
		t.Fatalf("after raw.a:0 went silent: low %d, want day 8", low/day)
	}
	// A known source never heard from stops holding the watermark once the partition has
	// been open for the idle timeout.
	late := newSources(30*time.Second, t0)
	late.known = []string{"raw.a:0", "raw.z:9"}
	late.event(from("raw.a:0"), 2*day, t0)
	if _, ok := late.low(t0.Add(29 * time.Second)); ok {
		t.Fatal("moved before the idle timeout")
	}
	if low, ok := late.low(t0.Add(31 * time.Second)); !ok || low != 2*day {
		t.Fatalf("after the idle timeout: %d %v", low/day, ok)
	}
}

// Within one batch (one now) the answer is kept, and still follows every change that can
// move it: the slowest source overtaking another, a new source, a source catching up.
func TestSourcesWithinOneBatch(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_700_000_000, 0)
	s := newSources(30*time.Second, t0)
	s.event(from("a"), 5*day, t0)
	s.event(from("b"), 7*day, t0)
	for _, step := range []struct {
		do   func()
		want int64
	}{
		{func() {}, 5 * day},
		{func() { s.event(from("b"), 8*day, t0) }, 5 * day},        // not the slowest: no change
		{func() { s.event(from("a"), 9*day, t0) }, 8 * day},        // the slowest overtakes b
		{func() { s.event(from("c"), 6*day, t0) }, 6 * day},        // a new, slower source
		{func() { s.marker(from("c"), 6*day, true, t0) }, 8 * day}, // it has caught up
		{func() { s.marker(from("b"), 8*day, true, t0) }, 9 * day}, // so has b: a is alone
		{func() { s.marker(from("a"), 9*day, true, t0) }, 9 * day}, // all caught up: the newest
		{func() { s.event(from("c"), 12*day, t0) }, 12 * day},      // (c reports, still caught up)
	} {
		step.do()
		if low, _ := s.low(t0); low != step.want {
			t.Fatalf("low %d, want day %d", low/day, step.want/day)
		}
	}
}
