package surge

import (
	"strings"
	"testing"
)

func TestReadSeries(t *testing.T) {
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
	y := []float64{100, 104, 98, 101, 99, 103, 97, 100, 102, 98, 101, 100}
	for _, tc := range []struct {
		last float64
		want Severity
	}{{101, SeverityNone}, {106, SeverityWatch}, {108, SeverityWarning}, {112, SeverityAlert}} {
		vs, err := DefaultDetector().Run(append(y, tc.last))
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
