package surge

import (
	"strings"
	"testing"
)

func TestReadSeries(t *testing.T) {
	t.Parallel()
	ss, err := ReadSeries(strings.NewReader("series,t,n\na,2023-01,5\nb,2023-01,1\na,2023-02,7\n"), Monthly)
	if err != nil || len(ss) != 2 || ss[0].Name != "a" || len(ss[0].Counts) != 2 || ss[0].Counts[1] != 7 {
		t.Fatalf("%v %+v", err, ss)
	}
	for _, tc := range []struct{ in, res, want string }{
		{"t,n\n2023-01,5\n2023-03,1\n", "month", "line 3: t 2023-03 follows 2023-01"},
		{"t,n\n2023-01-01,5\n2023-01-02,x\n", "day", "line 3: n \"x\" must be a whole count"},
		{"t,n\n2023-01-01,-1\n", "day", "must be a whole count"},
		{"t,n\nJanuary,5\n", "month", "t \"January\" is not a month"},
		{"when,n\n2023-01,5\n", "month", "must name the columns t and n"},
		{"t,n\n2023-01-02,1\n2023-01-09,2\n2023-01-17,3\n", "week", "line 4: t 2023-01-17 follows 2023-01-09"},
		{"t,n\n", "hour", "no data line"},
	} {
		_, err := ReadSeries(strings.NewReader(tc.in), Resolution(tc.res))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := ParseResolution("fortnight"); err == nil {
		t.Error("fortnight accepted")
	}
}

func TestDetectorLevels(t *testing.T) {
	t.Parallel()
	y := []float64{100, 104, 98, 101, 99, 103, 97, 100, 102, 98, 101, 100}
	for _, tc := range []struct {
		last float64
		want Severity
	}{{101, SeverityNone}, {106, SeverityWatch}, {108, SeverityWarning}, {112, SeverityAlert}} {
		vs, err := Detector{Method: "C2"}.Run(append(y, tc.last))
		if err != nil {
			t.Fatal(err)
		}
		last := vs[len(vs)-1]
		if last.Severity != tc.want || last.Alarm != (tc.want >= SeverityWarning) {
			t.Errorf("last %v: severity %v alarm %v (expected %.1f upper %.1f), want %v", tc.last, last.Severity, last.Alarm, last.Expected, last.Upper, tc.want)
		}
	}
	// A jump from 0 to 3 is far above a flat baseline, but below the minimum count.
	vs, _ := DefaultDetector().Run([]float64{0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3})
	if v := vs[len(vs)-1]; v.Alarm || v.Severity != SeverityNone {
		t.Errorf("min count: alarm %v severity %v", v.Alarm, v.Severity)
	}
	if _, err := (Detector{Method: "C1", Levels: [3]float64{0.01, 0.05, 0.001}}).Run(y); err == nil {
		t.Error("inverted levels accepted")
	}
}

// TestPoissonFloor: seven quiet days that happen to be nearly flat do not make an ordinary
// count an alarm: the band is at least the count's own Poisson noise.
func TestPoissonFloor(t *testing.T) {
	t.Parallel()
	y := []float64{100, 101, 100, 99, 100, 101, 100, 100, 99, 100, 116}
	bare, _ := Detector{Method: "C2"}.Run(y)
	floored, _ := DefaultDetector().Run(y)
	if !bare[len(bare)-1].Alarm || floored[len(floored)-1].Alarm {
		t.Errorf("116 after a flat 100: bare alarm %v (want true), floored alarm %v (want false, upper %.1f)",
			bare[len(bare)-1].Alarm, floored[len(floored)-1].Alarm, floored[len(floored)-1].Upper)
	}
	y[len(y)-1] = 140
	floored, _ = DefaultDetector().Run(y)
	if !floored[len(floored)-1].Alarm {
		t.Errorf("140 after a flat 100 did not alarm (upper %.1f)", floored[len(floored)-1].Upper)
	}
}

// TestEWMA: a sustained moderate rise that no single period shows above C2's band alarms
// under EWMA, and a quiet series does not.
func TestEWMA(t *testing.T) {
	t.Parallel()
	base := []float64{100, 96, 104, 99, 101, 97, 103, 100, 98, 102}
	quiet, err := Detector{Method: "EWMA"}.Run(append(base, 101, 99, 102))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range quiet {
		if v.Severity != SeverityNone {
			t.Errorf("quiet period %d: %v (observed %v upper %.1f)", v.Index, v.Severity, v.Observed, v.Upper)
		}
	}
	rise := append(append([]float64(nil), base...), 125, 126, 127)
	ewma, _ := Detector{Method: "EWMA"}.Run(rise)
	c2, _ := DefaultDetector().Run(rise)
	if last := ewma[len(ewma)-1]; !last.Alarm {
		t.Errorf("EWMA missed a sustained +25%%: upper %.1f", last.Upper)
	}
	if c2[len(c2)-3].Alarm {
		t.Errorf("C2 alarmed on the first +25%% period: the test series is not the intended one")
	}
	// Upper is on the count scale: the count that would have reached the limit alarms, a
	// little less does not.
	last := ewma[len(ewma)-1]
	for _, c := range []struct {
		y    float64
		want bool
	}{{last.Upper + 0.01, true}, {last.Upper - 0.01, false}} {
		rise[len(rise)-1] = c.y
		vs, _ := Detector{Method: "EWMA"}.Run(rise)
		if vs[len(vs)-1].Alarm != c.want {
			t.Errorf("count %.2f against upper %.2f: alarm %v", c.y, last.Upper, !c.want)
		}
	}
}

// BenchmarkLivePeriod is the detector's cost for one series and one period at the live
// defaults (C2 over 28 periods, Poisson floor, three levels).
func BenchmarkLivePeriod(b *testing.B) {
	y := make([]float64, 31)
	for i := range y {
		y[i] = float64(100 + i%7*10)
	}
	d := LiveDetector()
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = d.JudgeLast(y)
	}
}
