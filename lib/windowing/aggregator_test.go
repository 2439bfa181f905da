package windowing

import (
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/vigia-observatory/vigia/schemas"
)

var t0 = time.Date(2023, 8, 14, 0, 0, 0, 0, time.UTC).Unix()

func ev(at, wm int64, count uint32) *wire.CleanEvent {
	return &wire.CleanEvent{PointID: "pan-lajas-blancas", PointCountry: "PAN", Type: schemas.Crossing,
		Role: schemas.Transit, Nationality: "VEN", OccurredAt: at, Watermark: wm, Count: count}
}

func collect(a *Aggregator) map[Key]Row {
	out := map[Key]Row{}
	a.Flush(func(r Row) { out[r.Key] = r })
	return out
}

func TestHourlyAndDailyCounts(t *testing.T) {
	t.Parallel()
	a := New(Config{AllowedLateness: time.Hour})
	a.Add(ev(t0+10, t0, 2), 0)
	a.Add(ev(t0+3599, t0, 1), 1)
	a.Add(ev(t0+3600, t0, 5), 2)
	rows := collect(a)
	h0 := Key{Resolution: Hour, Start: t0, PointID: "pan-lajas-blancas", PointCountry: "PAN", Type: schemas.Crossing, Role: schemas.Transit, Nationality: "VEN"}
	h1, d := h0, h0
	h1.Start = t0 + 3600
	d.Resolution = Day
	if rows[h0].Persons != 3 || rows[h0].Events != 2 || rows[h1].Persons != 5 || rows[d].Persons != 8 || rows[d].Events != 3 {
		t.Fatalf("rows %+v", rows)
	}
	if len(collect(a)) != 0 {
		t.Fatal("clean windows emitted again")
	}
}

func TestLateAndTooLate(t *testing.T) {
	t.Parallel()
	a := New(Config{AllowedLateness: time.Hour})
	a.Add(ev(t0+100, t0, 1), 0)
	collect(a)
	// The watermark passes the first hour's end but not its lateness: a late event re-emits
	// the hour with a higher version (more events).
	a.Add(ev(t0+2*3600, t0+3600+1800, 1), 1)
	a.Add(ev(t0+200, t0+3600+1800, 1), 2)
	if a.Late != 1 {
		t.Fatalf("late = %d", a.Late)
	}
	rows := collect(a)
	h0 := Key{Resolution: Hour, Start: t0, PointID: "pan-lajas-blancas", PointCountry: "PAN", Type: schemas.Crossing, Role: schemas.Transit, Nationality: "VEN"}
	if rows[h0].Events != 2 {
		t.Fatalf("late event did not re-emit its hour: %+v", rows[h0])
	}
	// Beyond the lateness, the hour is closed and forgotten; the event is too late for it,
	// but the day is still open and counts it.
	a.Add(ev(t0+5*3600, t0+3*3600, 1), 3)
	collect(a)
	a.Add(ev(t0+300, t0+3*3600, 1), 4)
	if a.TooLate[Hour] != 1 || a.TooLate[Day] != 0 {
		t.Fatalf("too late %+v", a.TooLate)
	}
}

func TestSafeOffsetHoldsOpenWindows(t *testing.T) {
	t.Parallel()
	a := New(Config{AllowedLateness: time.Hour})
	a.Add(ev(t0+10, t0, 1), 7)
	a.Add(ev(t0+4000, t0, 1), 8)
	if got := a.SafeOffset(9); got != 7 {
		t.Fatalf("safe offset %d, want 7", got)
	}
	// Once every window is closed, the next offset is safe.
	a.Advance(t0 + 3*86400)
	collect(a)
	if got := a.SafeOffset(9); got != 9 || a.Open() != 0 {
		t.Fatalf("safe offset %d with %d open", got, a.Open())
	}
}

func TestDailyWindowsFollowThePointsDay(t *testing.T) {
	t.Parallel()
	tz, _ := time.LoadLocation("America/Tegucigalpa") // UTC-6
	a := New(Config{Zone: func(string) *time.Location { return tz }})
	// 2023-08-14 23:30 local is 2023-08-15 05:30 UTC: it belongs to the local 14th.
	at := time.Date(2023, 8, 14, 23, 30, 0, 0, tz).Unix()
	a.Add(ev(at, at, 1), 0)
	for k := range collect(a) {
		if k.Resolution == Day && k.Start != time.Date(2023, 8, 14, 0, 0, 0, 0, tz).Unix() {
			t.Fatalf("day starts at %v", time.Unix(k.Start, 0).In(tz))
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	a := New(Config{})
	e := ev(t0, t0, 1)
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		i++
		e.OccurredAt = t0 + i%86400
		a.Add(e, i)
	}
}

// The rollup that recounts late windows gives what the stream would have counted had every
// event been in time: hours as they are, local days (Panama, UTC-5) summed from their hours.
func TestRollupMatchesTheStream(t *testing.T) {
	t.Parallel()
	panama := time.FixedZone("PAN", -5*3600)
	cfg := Config{AllowedLateness: time.Hour, Zone: func(string) *time.Location { return panama }}
	stream := New(cfg)
	var hours []Row
	hourly := New(cfg)
	for i, at := range []int64{t0 + 10, t0 + 3*3600, t0 + 5*3600 + 7, t0 + 5*3600 + 9, t0 + 30*3600} {
		stream.Add(ev(at, 0, uint32(i+1)), int64(i))
		hourly.Add(ev(at, 0, uint32(i+1)), int64(i))
	}
	want := collect(stream)
	hourly.Flush(func(r Row) {
		if r.Resolution == Hour {
			hours = append(hours, r)
		}
	})
	wins := map[Window]bool{}
	for k := range want {
		end := k.Start + 3600
		if k.Resolution == Day {
			end = k.Start + 86400
		}
		wins[Window{k.Resolution, k.Start, end}] = true
	}
	got := map[Key]Row{}
	for _, r := range cfg.Rollup(hours, wins) {
		got[r.Key] = r
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(got), len(want), got)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%+v: got %+v, want %+v", k, got[k], w)
		}
	}
	// Only the windows asked for.
	one := map[Window]bool{cfg.Windows("pan-lajas-blancas", t0+10)[0]: true}
	if rows := cfg.Rollup(hours, one); len(rows) != 1 || rows[0].Start != t0 || rows[0].Resolution != Hour {
		t.Fatalf("one hour asked, got %+v", rows)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	cfg := Config{AllowedLateness: time.Hour}
	w := Window{Hour, t0, t0 + 3600}
	for _, tc := range []struct {
		wm   int64
		want bool
	}{{t0 + 3600, false}, {t0 + 2*3600 - 1, false}, {t0 + 2*3600, true}} {
		if got := cfg.Closed(w, tc.wm); got != tc.want {
			t.Errorf("watermark end+%ds: closed %v, want %v", tc.wm-w.End, got, tc.want)
		}
	}
}

// ClosedWindows gives exactly the windows whose Closed holds, with or without the shortcut.
func TestClosedWindows(t *testing.T) {
	t.Parallel()
	panama := time.FixedZone("PAN", -5*3600)
	cfg := Config{AllowedLateness: time.Hour, Zone: func(string) *time.Location { return panama }}
	for _, tc := range []struct {
		name string
		at   int64 // t0 is 19:00 local the day before
		wm   int64
		want int
	}{
		{"in time", t0 + 10, t0 + 600, 0},
		{"hour closed, local day open", t0 + 10, t0 + 2*3600, 1},
		{"both closed", t0 + 10, t0 + 7*3600, 2},
	} {
		got := cfg.ClosedWindows(nil, "pan-lajas-blancas", tc.at, tc.wm)
		var want []Window
		for _, w := range cfg.Windows("pan-lajas-blancas", tc.at) {
			if cfg.Closed(w, tc.wm) {
				want = append(want, w)
			}
		}
		if len(got) != tc.want || len(want) != tc.want {
			t.Errorf("%s: %v (by Closed: %v), want %d windows", tc.name, got, want, tc.want)
		}
	}
}

// needStore is protection_counts as ReplacingMergeTree keeps it: per key, the highest version.
type needStore map[NeedKey]NeedRow

func (st needStore) put(rows []NeedRow) {
	for _, r := range rows {
		if old, ok := st[r.NeedKey]; !ok || r.Version >= old.Version {
			st[r.NeedKey] = r
		}
	}
}

func (st needStore) total() uint64 {
	var n uint64
	for _, r := range st {
		n += r.Persons
	}
	return n
}

// resume is what NeedsResume reads for a new owner starting at start.
func (st needStore) resume(start int64) []NeedRow {
	var out []NeedRow
	for _, r := range st {
		if r.Block == BlockOf(start) && BlockOf(start) != start {
			out = append(out, r)
		}
	}
	return out
}

// needsLog is a partition of vigia.clean: records with one need each, at dispersed event
// times (a month late as well as in time), around a block boundary.
func needsLog(from, to int64) map[int64]*wire.CleanEvent {
	out := map[int64]*wire.CleanEvent{}
	for off := from; off < to; off++ {
		e := &wire.CleanEvent{PointID: "p", PointCountry: "HND", Type: schemas.Return, OccurredAt: t0 - (off%5)*86400*7, Count: 1}
		if off%3 != 0 {
			e.Protection = e.Protection.With(schemas.Need(off % 4))
		}
		out[off] = e
	}
	return out
}

// read feeds n the log's records [from, to) and returns the rows of one flush.
func read(n *Needs, log map[int64]*wire.CleanEvent, from, to int64) []NeedRow {
	for off := from; off < to; off++ {
		n.Add(log[off], off)
	}
	var rows []NeedRow
	n.Flush(func(r NeedRow) { rows = append(rows, r) })
	return rows
}

// Protection needs are counted once per record, whatever its lateness, across restarts that
// start inside a block, flushes lost while later ones were stored, an old owner's insert
// landing after the new owner started, repeated deliveries and block boundaries.
func TestNeedsCountOnceAcrossOwners(t *testing.T) {
	t.Parallel()
	const b = NeedBlockOffsets
	base := int64(3 * b)
	log := needsLog(base-40, base+40)
	var truth uint64
	for _, e := range log {
		if e.Protection != 0 {
			truth++
		}
	}
	cases := []struct {
		name string
		run  func(st needStore) // ends with every record of the log read
	}{
		{"one owner", func(st needStore) {
			n := NewNeeds(Config{}, base-40, nil)
			st.put(read(n, log, base-40, base))
			st.put(read(n, log, base-45, base+40)) // a repeated delivery adds nothing
		}},
		{"restart inside a block after a lost flush", func(st needStore) {
			n := NewNeeds(Config{}, base-40, nil)
			st.put(read(n, log, base-40, base+10))
			_ = read(n, log, base+10, base+20) // lost with the crash; committed offset base+5
			m := NewNeeds(Config{}, base+5, st.resume(base+5))
			st.put(read(m, log, base+5, base+40))
		}},
		{"a flush lost, a later one stored", func(st needStore) {
			n := NewNeeds(Config{}, base-40, nil)
			st.put(read(n, log, base-40, base+10))
			_ = read(n, log, base+10, base+20) // its insert failed at shutdown
			st.put(read(n, log, base+20, base+25))
			m := NewNeeds(Config{}, base+8, st.resume(base+8)) // committed before the failed flush
			st.put(read(m, log, base+8, base+40))
		}},
		{"the old owner's insert lands late", func(st needStore) {
			n := NewNeeds(Config{}, base-40, nil)
			st.put(read(n, log, base-40, base+10))
			late := read(n, log, base+10, base+30) // still in the batcher at the handover
			m := NewNeeds(Config{}, base+10, st.resume(base+10))
			st.put(read(m, log, base+10, base+20))
			st.put(late)
			st.put(read(m, log, base+20, base+40))
		}},
		{"restart at a block's first offset", func(st needStore) {
			n := NewNeeds(Config{}, base-40, nil)
			st.put(read(n, log, base-40, base))
			m := NewNeeds(Config{}, base, st.resume(base))
			st.put(read(m, log, base, base+40))
		}},
	}
	for _, c := range cases {
		st := needStore{}
		c.run(st)
		if got := st.total(); got != truth {
			t.Errorf("%s: %d persons with needs counted, want %d", c.name, got, truth)
		}
		for k := range st {
			if k.Block%b != 0 {
				t.Errorf("%s: block %d is not aligned", c.name, k.Block)
			}
		}
	}
}
