package dedup

import (
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
)

// sources is what one anon partition knows of the raw partitions that feed it (named by the
// ingest stage in the vigia-src header): each one's newest event time and whether it has
// caught up with its log (the ingest stage's source markers say so). The partition's
// watermark may pass only what every source still reading has delivered: when weeks of
// history are published at once, raw partitions are read at different speeds, and a
// watermark taken from the fastest would make every other source's events late (and the
// surge detector judge days half counted).
type sources struct {
	idle   time.Duration
	opened time.Time
	m      map[string]*source
	known  []string // every raw partition on the cluster; nil when unknown
	newest int64    // the newest event time of any source

	// The answer of low, kept while nothing that decides it changes: low is asked for every
	// record, and a batch has one now. slowest is the slowest source still reading (nil:
	// none, the answer is newest); it alone can raise the minimum.
	cache   time.Time
	slowest *source
	blocked bool
}

type source struct {
	newest   int64
	caughtUp bool
	seen     time.Time
}

func newSources(idle time.Duration, now time.Time) sources {
	return sources{idle: idle, opened: now, m: map[string]*source{}}
}

func sourceOf(m *kafka.Message) []byte {
	for _, h := range m.Headers {
		if h.Key == stream.SourceHeader {
			return h.Value
		}
	}
	return nil
}

func (s *sources) get(id []byte, now time.Time) *source {
	src := s.m[string(id)]
	if src == nil || now.Sub(src.seen) >= s.idle {
		s.cache = time.Time{} // a new or revived source can hold the watermark back
	}
	if src == nil {
		src = &source{}
		s.m[string(id)] = src
	}
	src.seen = now
	return src
}

// event records an event of a source.
func (s *sources) event(m *kafka.Message, t int64, now time.Time) {
	src := s.get(sourceOf(m), now)
	if t > src.newest && src == s.slowest {
		s.cache = time.Time{}
	}
	src.newest = max(src.newest, t)
	s.newest = max(s.newest, t)
}

// marker records a source marker.
func (s *sources) marker(m *kafka.Message, newest int64, caughtUp bool, now time.Time) {
	src := s.get(sourceOf(m), now)
	src.newest, src.caughtUp = max(src.newest, newest), caughtUp
	s.newest = max(s.newest, newest)
	s.cache = time.Time{}
}

// low is the event time the watermark may reach: the newest event of the slowest source
// still reading; the newest of all when every source has caught up. A known source not heard
// from since the partition opened holds it back for the idle timeout (its ingest may be
// starting); a source silent that long no longer does. ok is false while it may not move.
func (s *sources) low(now time.Time) (int64, bool) {
	if s.newest == 0 {
		return 0, false
	}
	if !s.cache.Equal(now) {
		s.recompute(now)
	}
	switch {
	case s.blocked:
		return 0, false
	case s.slowest == nil:
		return s.newest, true
	}
	return s.slowest.newest, true
}

func (s *sources) recompute(now time.Time) {
	s.cache, s.slowest, s.blocked = now, nil, false
	if now.Sub(s.opened) < s.idle {
		for _, id := range s.known {
			if s.m[id] == nil {
				s.blocked = true
				return
			}
		}
	}
	for _, src := range s.m {
		if !src.caughtUp && now.Sub(src.seen) < s.idle && (s.slowest == nil || src.newest < s.slowest.newest) {
			s.slowest = src
		}
	}
}
