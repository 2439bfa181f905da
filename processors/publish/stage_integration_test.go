package publish

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

type windowRow struct {
	res, point, cat string
	start           time.Time
	minor           uint8
	persons         uint64
	computed        time.Time
}

func insertWindows(t *testing.T, conn driver.Conn, db string, rows ...windowRow) {
	t.Helper()
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".windows (resolution, window_start, point_id, point_country, type, role, nationality, sex, age_band, minor, unaccompanied, category, persons, events, version, computed_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := b.Append(r.res, r.start, r.point, "GT", "crossing", "transit", "HND", "unknown", "", r.minor, uint8(0), r.cat, r.persons, r.persons, r.persons, r.computed); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

type published struct {
	value      uint64
	suppressed bool
	k          uint8
}

func figures(t *testing.T, conn driver.Conn, db string) map[string]published {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT toString(grain), period_start, point_id, category, persons, suppressed, k
		FROM `+chsink.PublicDatabase(db)+`.figures FINAL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]published{}
	for rows.Next() {
		var grain, point, cat string
		var period time.Time
		var f published
		var s uint8
		if err := rows.Scan(&grain, &period, &point, &cat, &f.value, &s, &f.k); err != nil {
			t.Fatal(err)
		}
		f.suppressed = s == 1
		out[grain+" "+period.UTC().Format("2006-01-02T15")+" "+point+" "+cat] = f
	}
	return out
}

// The published layer follows the windows, late recounts included, and holds only
// protected figures: suppressed under k (10 for children), other counts multiples of k
// within k of the truth.
func TestTurnPublishesProtectedCells(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	db := cfg.ClickHouse.Database
	rule, err := disclosure.New([]byte("test key of the publish stage!!!"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	day := time.Date(2026, 11, 4, 6, 0, 0, 0, time.UTC) // Wednesday, local midnight at UTC-6
	insertWindows(t, conn, db,
		windowRow{"day", "gt-a", "single_adult", day, 0, 12, t0},
		windowRow{"day", "gt-a", "unaccompanied_minor", day, 1, 3, t0},
		windowRow{"day", "gt-b", "single_adult", day, 0, 2, t0},
		windowRow{"hour", "gt-a", "single_adult", day.Add(8 * time.Hour), 0, 7, t0},
	)
	st, err := New(Config{Store: chsink.Published{Conn: conn, Database: db}, Rule: &rule})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h, err := st.Open(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := h.(*partition)
	if err := p.Turn(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := figures(t, conn, db)
	within := func(name string, truth uint64, k uint8) {
		t.Helper()
		f, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: not published (have %v)", name, got)
		case truth < uint64(k) && (!f.suppressed || f.value != 0):
			t.Errorf("%s: true %d under k %d shown as %+v", name, truth, k, f)
		case truth >= uint64(k) && (f.suppressed || f.value%uint64(k) != 0 || f.value+uint64(k) <= truth || f.value >= truth+uint64(k)):
			t.Errorf("%s: true %d shown as %+v, want a multiple of %d within %d of it", name, truth, f, k, k)
		case f.k != k:
			t.Errorf("%s: k %d, want %d", name, f.k, k)
		}
	}
	within("point_day 2026-11-04T00 gt-a single_adult", 12, 5)
	within("point_day 2026-11-04T00 gt-a unaccompanied_minor", 3, 10)
	within("point_day 2026-11-04T00 gt-b single_adult", 2, 5)
	within("point_hour 2026-11-04T14 gt-a single_adult", 7, 5)
	within("country_day 2026-11-04T00  single_adult", 14, 5)
	within("country_week 2026-11-02T00  single_adult", 14, 5)
	within("country_month 2026-11-01T00  single_adult", 14, 5)
	within("country_month 2026-11-01T00  unaccompanied_minor", 3, 10)

	// A late recount of gt-b's day: its cell and the country's periods are published again.
	insertWindows(t, conn, db, windowRow{"day", "gt-b", "single_adult", day, 0, 9, t0.Add(2 * time.Minute)})
	if err := p.Turn(ctx, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got = figures(t, conn, db)
	within("point_day 2026-11-04T00 gt-b single_adult", 9, 5)
	within("country_day 2026-11-04T00  single_adult", 21, 5)
	within("country_month 2026-11-01T00  single_adult", 21, 5)

	// A restart resumes from storage and publishes the same figures again.
	h2, err := st.Open(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.(*partition).Turn(ctx, t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	again := figures(t, conn, db)
	for name, f := range got {
		if again[name] != f {
			t.Errorf("%s: %+v, then %+v after a restart", name, f, again[name])
		}
	}
}

func TestPeriods(t *testing.T) {
	for _, c := range []struct{ start, date, week, month string }{
		{"2026-11-04T06:00:00Z", "2026-11-04", "2026-11-02", "2026-11-01"}, // UTC-6
		{"2026-11-01T05:00:00Z", "2026-11-01", "2026-10-26", "2026-11-01"}, // UTC-5, a Sunday
		{"2026-03-02T03:00:00Z", "2026-03-02", "2026-03-02", "2026-03-01"}, // UTC-3, a Monday
	} {
		s, _ := time.Parse(time.RFC3339, c.start)
		d := LocalDate(s)
		p := Periods(d)
		if got := [3]string{d.Format(time.DateOnly), p["country_week"].Format(time.DateOnly), p["country_month"].Format(time.DateOnly)}; got != [3]string{c.date, c.week, c.month} {
			t.Errorf("%s: %v, want %s %s %s", c.start, got, c.date, c.week, c.month)
		}
	}
}
