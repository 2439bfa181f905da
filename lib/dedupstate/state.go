// Package dedupstate is the memory of the dedup stage: which exact keys (agency, event_id) and
// semantic keys (the same pseudonymous person, type and point) one partition has delivered,
// bounded in size and expired by event time.
package dedupstate

import "time"

// Config bounds the state of one partition.
type Config struct {
	// Horizon is how long, in event time, a key is remembered. Default 7 days.
	Horizon time.Duration
	// Tolerance is the largest gap in event time between two reports of the same person,
	// type and point that are still one event. Default 1 hour.
	Tolerance time.Duration
	// MaxKeys is the hard bound on keys held for one partition. When it is reached the
	// oldest keys are evicted before their horizon (and counted). Default 2,000,000.
	MaxKeys int
}

// Defaults fills the zero fields with their documented defaults.
func (c *Config) Defaults() {
	if c.Horizon <= 0 {
		c.Horizon = 7 * 24 * time.Hour
	}
	if c.Tolerance <= 0 {
		c.Tolerance = time.Hour
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = 2_000_000
	}
}

// State is the dedup memory of one partition. Times are Unix seconds of event time; keys are
// 64-bit hashes, so an entry costs a key and a uint32 in a map (measured in the benchmarks).
// Not safe for concurrent use: one partition, one goroutine.
type State struct {
	cfg       Config
	exact     map[uint64]uint32 // exact key -> occurred_at
	semantic  map[uint64]uint32 // primary semantic key -> latest occurred_at
	alt       map[uint64]uint32 // names key of a documented record -> latest occurred_at
	newest    int64             // newest event time seen: the clock of expiry
	swept     int64             // event time of the last expiry sweep
	added     int               // keys added since the last sweep
	Evictions int               // keys dropped before their horizon because of MaxKeys
	Visited   int               // keys the sweeps have walked: at most eight per key added
}

// New returns an empty state.
func New(cfg Config) *State {
	cfg.Defaults()
	return &State{cfg: cfg, exact: map[uint64]uint32{}, semantic: map[uint64]uint32{}, alt: map[uint64]uint32{}}
}

// Verdict is the outcome of a lookup.
type Verdict uint8

const (
	Unique Verdict = iota
	ExactDuplicate
	SemanticDuplicate
	BeyondHorizon // older than the horizon: cannot be judged, passed on
)

// Check judges a record without changing the state. semanticKey is the fingerprint of the
// record's primary identity form (its document, else its names with birth date; 0: none) and
// altKey that of its names when it also has a document (else 0). Forms are matched so that a
// names-only report repeats a documented one and the reverse, but two documented reports
// never match by their names alone: different documents are different people.
func (s *State) Check(exactKey, semanticKey, altKey uint64, occurredAt int64) Verdict {
	// The exact key first, whatever the event's age: a record older than the horizon is
	// remembered until the next sweep (and rebuilt from vigia.clean after a restart), so the
	// same record handed again after a crash is dropped, not passed through twice (windows and
	// events absorb such a repeat by its reference; protection counts could not).
	if _, ok := s.exact[exactKey]; ok {
		return ExactDuplicate
	}
	if occurredAt < s.newest-int64(s.cfg.Horizon/time.Second) {
		return BeyondHorizon
	}
	return s.CheckSemantic(semanticKey, altKey, occurredAt)
}

// CheckSemantic judges only the person fingerprints: a record's fingerprints under the
// previous key during a rotation's overlap have no exact key of their own.
func (s *State) CheckSemantic(semanticKey, altKey uint64, occurredAt int64) Verdict {
	if occurredAt < s.newest-int64(s.cfg.Horizon/time.Second) {
		return BeyondHorizon
	}
	tol := int64(s.cfg.Tolerance / time.Second)
	switch {
	case within(s.semantic, semanticKey, occurredAt, tol): // same document, or same names without one
	case altKey != 0 && within(s.semantic, altKey, occurredAt, tol): // a names-only report of this person
	case altKey == 0 && within(s.alt, semanticKey, occurredAt, tol): // names-only, told by a documented report
	default:
		return Unique
	}
	return SemanticDuplicate
}

func within(m map[uint64]uint32, key uint64, at, tolerance int64) bool {
	if key == 0 {
		return false
	}
	last, ok := m[key]
	return ok && abs(int64(last)-at) <= tolerance
}

// Add remembers a delivered record, then expires and bounds the state.
func (s *State) Add(exactKey, semanticKey, altKey uint64, occurredAt int64) {
	t := uint32(max(occurredAt, 0))
	held := s.Len()
	s.exact[exactKey] = t
	remember(s.semantic, semanticKey, t)
	remember(s.alt, altKey, t)
	s.added += s.Len() - held
	if occurredAt > s.newest {
		s.newest = occurredAt
	}
	// A sweep walks every key held, so it waits for an hour of event time and for new keys
	// numbering an eighth of those held: its cost is spread over them, at most eight keys
	// walked per key added however many are held and however fast event time moves (a
	// backfill crosses an hour every few records). Keys past the horizon linger until then,
	// a seventh more keys at most (beyond the hour's): they cannot change a verdict (an older
	// record is BeyondHorizon, and a match within the tolerance is a repeat whatever its age).
	if s.newest-s.swept >= 3600 && s.added*8 >= s.Len() {
		s.expire(s.newest - int64(s.cfg.Horizon/time.Second))
		s.swept, s.added = s.newest, 0
	}
	if s.Len() > s.cfg.MaxKeys {
		s.bound()
	}
}

// AddSemantic remembers fingerprints without an exact key (a record's fingerprints under the
// previous key during a rotation's overlap), so that a record fingerprinted under the old key
// alone (from an ingest not yet restarted) still matches it.
func (s *State) AddSemantic(semanticKey, altKey uint64, occurredAt int64) {
	t := uint32(max(occurredAt, 0))
	remember(s.semantic, semanticKey, t)
	remember(s.alt, altKey, t)
}

func remember(m map[uint64]uint32, key uint64, t uint32) {
	if last, ok := m[key]; key != 0 && (!ok || t > last) {
		m[key] = t
	}
}

// Len is the number of keys held.
func (s *State) Len() int { return len(s.exact) + len(s.semantic) + len(s.alt) }

// ApproxBytes estimates the memory held, for the state-size metric (see BenchmarkStateBytesPerKey).
func (s *State) ApproxBytes() int { return s.Len() * 40 }

func (s *State) expire(cutoff int64) int {
	s.Visited += s.Len()
	n := 0
	for k, t := range s.exact {
		if int64(t) < cutoff {
			delete(s.exact, k)
			n++
		}
	}
	for _, m := range [2]map[uint64]uint32{s.semantic, s.alt} {
		for k, t := range m {
			if int64(t) < cutoff {
				delete(m, k)
				n++
			}
		}
	}
	return n
}

// bound evicts the oldest keys until the state is back under 90% of MaxKeys, by moving the
// cutoff forward from the horizon towards the newest event.
func (s *State) bound() {
	target := s.cfg.MaxKeys * 9 / 10
	span := int64(s.cfg.Horizon / time.Second)
	for s.Len() > target && span > 0 {
		span /= 2
		s.Evictions += s.expire(s.newest - span)
	}
	if s.Len() > target { // every key has the newest time: drop them all rather than grow
		s.Evictions += s.Len()
		clear(s.exact)
		clear(s.semantic)
		clear(s.alt)
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
