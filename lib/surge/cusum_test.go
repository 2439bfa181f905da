package surge

import (
	"math"
	"testing"
)

// qnbinom agrees with R's qnbinom(p, size, mu), summed and by the expansion.
func TestQnbinom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ p, size, mu, want float64 }{
		{0.99, 2, 10, 35}, {0.999, 50, 1000, 1507}, {0.99, 5, 1e5, 232096}, {0.9, 1e6, 3, 5}, {0.999, 0.5, 40, 436},
	} {
		got := qnbinom(tc.p, tc.mu, 1+tc.mu/tc.size)
		if math.Abs(got-tc.want) > math.Max(1, tc.want*0.002) {
			t.Errorf("qnbinom(%v, size %v, mu %v) = %v, R gives %v", tc.p, tc.size, tc.mu, got, tc.want)
		}
	}
}

// The CUSUM alarms on a sudden doubling at once, on a sustained moderate rise within a few
// periods, never on ordinary noise; and the reference of a run is the level before it.
func TestCUSUM(t *testing.T) {
	t.Parallel()
	flat := []float64{1000, 1040, 980, 1010, 995, 1030, 970, 1005, 1020, 990, 1000, 1015, 985, 1025, 1010, 995}
	judge := func(y []float64) []Verdict {
		vs, err := Detector{Method: "CUSUM"}.Run(y)
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	for _, v := range judge(flat) {
		if v.Alarm {
			t.Errorf("noise alarmed at %d: %+v", v.Index, v)
		}
	}
	jump := judge(append(flat, 2400))
	if last := jump[len(jump)-1]; !last.Alarm || last.Expected < 990 || last.Expected > 1020 {
		t.Errorf("a doubling: %+v, want an alarm against the level before it", last)
	}
	// +45% for months: no single month is far out, the sum is.
	rise := append(append([]float64{}, flat...), 1450, 1460, 1440, 1470, 1450)
	vs := judge(rise)
	first := -1
	for _, v := range vs {
		if v.Alarm && first < 0 {
			first = v.Index
		}
	}
	if first < len(flat) || first > len(flat)+3 {
		t.Fatalf("sustained rise: first alarm at %d, want within 4 periods of %d", first, len(flat))
	}
	for _, v := range vs {
		if v.Index > len(flat) && v.Index <= first && (v.Expected < 990 || v.Expected > 1020) {
			t.Errorf("period %d of the run: reference %.0f, want the level before the run", v.Index, v.Expected)
		}
	}
	if _, err := (Detector{Method: "CUSUM", Shift: 0.9}).Run(flat); err == nil {
		t.Error("a shift below 1 accepted")
	}
}

// Noufaily judges from the fallback's first period, and with the seasonal fit once three
// cycles exist.
func TestNoufailyFallback(t *testing.T) {
	t.Parallel()
	d := Detector{Method: "noufaily", Frequency: 12}
	first, err := d.First()
	if err != nil || first != 13 {
		t.Fatalf("first %d (%v), want the CUSUM's 13", first, err)
	}
	y := make([]float64, 50)
	for i := range y {
		y[i] = 500 + 100*math.Sin(float64(i)*2*math.Pi/12)
	}
	y[49] = 2000
	vs, err := d.Run(y)
	if err != nil {
		t.Fatal(err)
	}
	if last := vs[len(vs)-1]; !last.Alarm || math.Abs(last.Expected-y[37]) > 100 {
		t.Errorf("a surge after three seasonal cycles: %+v", last)
	}
}
