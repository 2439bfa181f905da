package dedupstate

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

const h = 3600

func TestStateVerdicts(t *testing.T) {
	t.Parallel()
	s := New(Config{Horizon: 48 * time.Hour, Tolerance: time.Hour})
	base := int64(1_700_000_000)
	s.Add(1, 100, 0, base)
	for _, tc := range []struct {
		name       string
		exact, sem uint64
		at         int64
		want       Verdict
	}{
		{"same record again", 1, 100, base, ExactDuplicate},
		{"same record, other time", 1, 0, base + 10*h, ExactDuplicate},
		{"same person within tolerance", 2, 100, base + 30*60, SemanticDuplicate},
		{"same person, tolerance edge", 3, 100, base - h, SemanticDuplicate},
		{"same person beyond tolerance", 4, 100, base + 2*h, Unique},
		{"another person", 5, 200, base, Unique},
		{"no person", 6, 0, base, Unique},
	} {
		if got := s.Check(tc.exact, tc.sem, 0, tc.at); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStateExpiresByEventTime(t *testing.T) {
	t.Parallel()
	s := New(Config{Horizon: 24 * time.Hour})
	base := int64(1_700_000_000)
	s.Add(1, 10, 0, base)
	s.Add(2, 0, 0, base+25*h) // a day later in event time: key 1 expires
	if s.Check(1, 0, 0, base+25*h) != Unique {
		t.Fatal("key 1 should have expired")
	}
	if s.Check(2, 0, 0, base+25*h) != ExactDuplicate {
		t.Fatal("key 2 lost")
	}
	if s.Check(9, 0, 0, base) != BeyondHorizon {
		t.Fatal("an event older than the horizon must be reported as such")
	}
}

func TestStateHardBound(t *testing.T) {
	t.Parallel()
	s := New(Config{Horizon: 7 * 24 * time.Hour, MaxKeys: 1000})
	base := int64(1_700_000_000)
	for i := 0; i < 5000; i++ {
		s.Add(uint64(i+1), 0, 0, base+int64(i)*60)
	}
	if s.Len() > 1000 {
		t.Fatalf("state holds %d keys over its bound", s.Len())
	}
	if s.Evictions == 0 {
		t.Fatal("evictions not counted")
	}
	if s.Check(5000, 0, 0, base+4999*60) != ExactDuplicate {
		t.Fatal("the newest key must survive eviction")
	}
}

// BenchmarkStateBytesPerKey measures the heap held per key (target: 64 bytes or less).
func BenchmarkStateBytesPerKey(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := New(Config{MaxKeys: 4 * n})
		base := int64(1_700_000_000)
		for i := 0; i < n; i++ {
			// half the records carry a person: keys per record = 1.5
			sem := uint64(0)
			if i%2 == 0 {
				sem = uint64(i)*0x9E3779B97F4A7C15 | 1
			}
			s.Add(uint64(i)*0xBF58476D1CE4E5B9+1, sem, 0, base+int64(i%86400))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(s.Len()), "bytes/key")
		runtime.KeepAlive(s)
	}
}

func BenchmarkStateCheckAdd(b *testing.B) {
	s := New(Config{})
	base := int64(1_700_000_000)
	i := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		i++
		k := i * 0x9E3779B97F4A7C15
		if s.Check(k, k>>1, 0, base+int64(i%86400)) == Unique {
			s.Add(k, k>>1, 0, base+int64(i%86400))
		}
	}
}

// A person told with a document and names by one agency and with names only by another (or
// the reverse) is one person: a match on either identity form is a repeat.
func TestEitherIdentityFormMatches(t *testing.T) {
	t.Parallel()
	const doc, otherDoc, names, otherNames = 11, 44, 22, 33
	base := int64(1_700_000_000)
	for _, tc := range []struct {
		name          string
		first, second [2]uint64 // semantic, alternate
		want          Verdict
	}{
		{"document and names, then names only", [2]uint64{doc, names}, [2]uint64{names, 0}, SemanticDuplicate},
		{"names only, then document and names", [2]uint64{names, 0}, [2]uint64{doc, names}, SemanticDuplicate},
		{"document only, then names only", [2]uint64{doc, 0}, [2]uint64{names, 0}, Unique},
		{"same document, other names", [2]uint64{doc, names}, [2]uint64{doc, otherNames}, SemanticDuplicate},
		{"other document, same names: another person", [2]uint64{doc, names}, [2]uint64{otherDoc, names}, Unique},
		{"names only twice", [2]uint64{names, 0}, [2]uint64{names, 0}, SemanticDuplicate},
	} {
		s := New(Config{Horizon: 48 * time.Hour, Tolerance: time.Hour})
		s.Add(1, tc.first[0], tc.first[1], base)
		if got := s.Check(2, tc.second[0], tc.second[1], base+600); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A rotation's overlap as dedup sees it: a record fingerprinted under the old key only, and
// its repeat under the new key carrying the old one as previous, are one event, whichever
// comes first.
func TestRotationOverlap(t *testing.T) {
	const oldA, newA, at = 0xA1, 0xA2, 1_700_000_000
	for _, c := range []struct {
		name          string
		first, repeat func(s *State) Verdict
	}{
		{"old key first", func(s *State) Verdict { s.Add(1, oldA, 0, at); return Unique }, func(s *State) Verdict {
			if v := s.Check(2, newA, 0, at+60); v != Unique {
				return v
			}
			return s.CheckSemantic(oldA, 0, at+60)
		}},
		{"new key first", func(s *State) Verdict { s.Add(1, newA, 0, at); s.AddSemantic(oldA, 0, at); return Unique }, func(s *State) Verdict {
			return s.Check(2, oldA, 0, at+60)
		}},
	} {
		s := New(Config{Horizon: 168 * time.Hour, Tolerance: time.Hour, MaxKeys: 1000})
		c.first(s)
		if v := c.repeat(s); v != SemanticDuplicate {
			t.Errorf("%s: the repeat judged %v", c.name, v)
		}
	}
}

// Expiry's cost must not grow with the keys held: a backfill moves event time an hour every
// few records, and a sweep of every key each hour would make each record pay for all of them.
func TestSweepCostDoesNotGrowWithKeysHeld(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		step int64 // event-time seconds between records
		adds int
	}{
		{"live stream, a record a second", 1, 300_000},
		{"backfill, a record a minute", 60, 300_000},
		{"fast backfill, a record every 10 minutes", 600, 100_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{MaxKeys: 10_000_000})
			base := int64(1_700_000_000)
			for i := range tc.adds {
				k := uint64(i+1) * 0x9E3779B97F4A7C15
				s.Add(k, k>>1, 0, base+int64(i)*tc.step)
			}
			if added := 2 * tc.adds; s.Visited > 8*added+added/8 {
				t.Fatalf("sweeps walked %d keys for %d added: more than eight per key", s.Visited, added)
			}
			// Expiry still happens: what is held is the horizon's keys, a seventh more at most
			// plus the adds of the hour not yet swept.
			live := int(int64(7*24*3600)/tc.step) + 1
			perHour := int(3600/tc.step) + 1
			if held := s.Len() / 2; held > min(tc.adds, live*8/7+perHour) {
				t.Fatalf("%d records held for a horizon of %d records: expiry stopped", held, live)
			}
		})
	}
}

// BenchmarkStateSteady is a steady stream holding 100,000 and then 1,000,000 keys within
// the horizon (a record every 12 s, then every 1.2 s, of event time): the cost per record,
// expiry included, must not grow with the keys held. (Sweeping every key each event-hour
// walked 336 keys per record here: twice the horizon's hours.)
func BenchmarkStateSteady(b *testing.B) {
	for _, held := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("keys=%d", held), func(b *testing.B) {
			records := int64(held / 2) // an exact and a semantic key each
			s := New(Config{MaxKeys: 10_000_000})
			base, span := int64(1_700_000_000), int64(7*24*3600)
			i := int64(0)
			add := func() {
				i++
				k := uint64(i) * 0x9E3779B97F4A7C15
				at := base + i*span/records
				if s.Check(k, k>>1, 0, at) == Unique {
					s.Add(k, k>>1, 0, at)
				}
			}
			for range records {
				add()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				add()
			}
			b.ReportMetric(float64(s.Len()), "keys-held")
		})
	}
}

// A record older than the horizon is judged by its exact key while the key is held (until the
// next sweep): handed again after a crash, it is a repeat, not a second event.
func TestExactRepeatBeyondHorizon(t *testing.T) {
	t.Parallel()
	s := New(Config{Horizon: 24 * time.Hour})
	now := int64(1_700_000_000)
	s.Add(1, 0, 0, now)
	old := now - 60*24*h
	if s.Check(7, 70, 0, old) != BeyondHorizon {
		t.Fatal("a new record older than the horizon must pass as such")
	}
	s.Add(7, 70, 0, old) // delivered, remembered
	if v := s.Check(7, 70, 0, old); v != ExactDuplicate {
		t.Fatalf("the same old record handed again: %v, want an exact duplicate", v)
	}
}
