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

// Protection needs are counted once per record whatever its lateness, and a new owner that
// resumes after the last stored row's offset adds the rest without counting any record twice.
func TestNeedsCountOnceAcrossARestart(t *testing.T) {
	t.Parallel()
	cfg := Config{}
	ev := func(at int64, needs ...schemas.Need) *wire.CleanEvent {
		e := &wire.CleanEvent{PointID: "p", PointCountry: "HND", Type: schemas.Return, OccurredAt: at, Count: 1}
		for _, x := range needs {
			e.Protection = e.Protection.With(x)
		}
		return e
	}
	stored := map[NeedKey]NeedRow{}
	store := func(r NeedRow) {
		if old, ok := stored[r.NeedKey]; !ok || r.Version >= old.Version {
			stored[r.NeedKey] = r
		}
	}
	total := func() map[schemas.Need]uint64 {
		out := map[schemas.Need]uint64{}
		for _, r := range stored {
			out[r.Need] += r.Persons
		}
		return out
	}
	day := int64(1690848000)
	a := NewNeeds(cfg, 0)
	a.Add(ev(day+60, schemas.NeedPregnancy), 0)
	a.Add(ev(day+120), 1)
	a.Add(ev(day+180, schemas.NeedPregnancy, schemas.NeedDisability), 2)
	a.Flush(store)
	a.Add(ev(day-86400*30, schemas.NeedDisability), 3) // a month late: counted all the same
	a.Add(ev(day+240, schemas.NeedPregnancy), 4)       // never flushed: lost with the crash
	// The new owner resumes after the last offset a stored row counted (3) and re-reads from
	// an earlier committed offset.
	var resume int64
	for _, r := range stored {
		resume = max(resume, r.Version)
	}
	b := NewNeeds(cfg, resume)
	for off, e := range []*wire.CleanEvent{ev(day+60, schemas.NeedPregnancy), ev(day + 120), ev(day+180, schemas.NeedPregnancy, schemas.NeedDisability),
		ev(day-86400*30, schemas.NeedDisability), ev(day+240, schemas.NeedPregnancy)} {
		b.Add(e, int64(off))
	}
	b.Flush(store)
	got := total()
	if got[schemas.NeedPregnancy] != 3 || got[schemas.NeedDisability] != 2 || len(got) != 2 {
		t.Fatalf("counted %v, want pregnancy 3 and disability 2", got)
	}
}
