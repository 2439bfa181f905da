package disclosure

import (
	"fmt"
	"testing"
	"time"
)

func rule(t *testing.T) Rule {
	t.Helper()
	r, err := New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestProtect(t *testing.T) {
	r := rule(t)
	for _, c := range []struct {
		n      uint64
		minors bool
		lo, hi uint64
		supp   bool
	}{
		{0, false, 0, 0, false},
		{1, false, 0, 0, true},
		{4, false, 0, 0, true},
		{5, false, 5, 5, false},
		{7, false, 5, 10, false},
		{9, true, 0, 0, true},
		{10, true, 10, 10, false},
		{13, true, 10, 20, false},
		{1234, false, 1230, 1235, false},
	} {
		f := r.Protect([]byte("cell"), c.n, c.minors)
		if f.Suppressed != c.supp || f.Value < c.lo || f.Value > c.hi || f.Value%f.K != 0 {
			t.Errorf("Protect(%d, minors %v) = %+v, want suppressed %v, value in [%d, %d], a multiple of k", c.n, c.minors, f, c.supp, c.lo, c.hi)
		}
		if g := r.Protect([]byte("cell"), c.n, c.minors); g != f {
			t.Errorf("Protect(%d) drew %+v then %+v: a repeated query must see one figure", c.n, f, g)
		}
	}
	if f := Off().Protect([]byte("cell"), 3, true); f.Value != 3 || f.Suppressed {
		t.Errorf("Off() changed 3 into %+v", f)
	}
}

// Rounding is unbiased: over many cells the published sum stays near the true one, and
// both directions occur in proportion to the remainder.
func TestProtectUnbiased(t *testing.T) {
	r := rule(t)
	var truth, shown, up int
	for i := 0; i < 20000; i++ {
		f := r.Protect([]byte(fmt.Sprint("cell-", i)), 7, false)
		truth, shown = truth+7, shown+int(f.Value)
		if f.Value == 10 {
			up++
		}
	}
	if share := float64(up) / 20000; share < 0.38 || share > 0.42 {
		t.Errorf("7 rounded up in %.3f of cells, want 0.4", share)
	}
	if d := float64(shown-truth) / float64(truth); d < -0.01 || d > 0.01 {
		t.Errorf("published sum %d against true %d", shown, truth)
	}
}

// A secret matters: another key draws other roundings.
func TestProtectKeyed(t *testing.T) {
	a := rule(t)
	b, _ := New([]byte("another key of thirty-two bytes!"))
	same := 0
	for i := 0; i < 200; i++ {
		c := []byte(fmt.Sprint("cell-", i))
		if a.Protect(c, 12, false) == b.Protect(c, 12, false) {
			same++
		}
	}
	if same == 200 {
		t.Error("two keys drew the same roundings for 200 cells")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Error("a 5-byte key was taken")
	}
}

func TestText(t *testing.T) {
	r := rule(t)
	if s := r.Protect(nil, 3, true).Text(); s != "<10" {
		t.Errorf("3 children read %q, want <10", s)
	}
	if s := r.Protect(nil, 20, false).Text(); s != "20" {
		t.Errorf("20 read %q", s)
	}
}

func BenchmarkProtect(b *testing.B) {
	r, _ := New([]byte("0123456789abcdef0123456789abcdef"))
	cell := []byte("point_day|2026-11-30|gt-tecun-uman|crossing|transit|single_adult|0|")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = r.Protect(cell, uint64(i%1000+5), false)
	}
}

// A series' count has the children's k for the children's populations, and one cell name
// for its period, whoever shows it (published alerts and bands, ministries' messages).
func TestSeries(t *testing.T) {
	r := rule(t)
	at := time.Date(2026, 11, 3, 6, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		pop  string
		n    float64
		k    uint64
		supp bool
	}{{"all", 7.4, 5, false}, {"minors", 7.4, 10, true}, {"unaccompanied", 12, 10, false}, {"", 3, 5, true}, {"all", -1, 5, false}} {
		f := r.Series(SeriesCell("day|pan-lajas-blancas|", at), c.n, c.pop)
		if f.K != c.k || f.Suppressed != c.supp || f.Value%f.K != 0 {
			t.Errorf("%s %v: %+v, want k %d, suppressed %v", c.pop, c.n, f, c.k, c.supp)
		}
	}
	if string(SeriesCell("s", at.In(time.FixedZone("", -6*3600)))) != string(SeriesCell("s", at)) {
		t.Error("a period's cell depends on the time zone it is written in")
	}
	if string(PeakCell("s", "a1")) == string(SeriesCell("s", at)) {
		t.Error("an alert's peak and a period's count share a cell")
	}
}
