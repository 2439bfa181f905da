package surge

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEvaluation scores every method on the region's real monthly series against the
// documented episodes (data/region/episodes.csv) and prints the table the docs quote
// (go test -run Evaluation -v ./lib/surge). The default must beat EARS C1 (R's) there: more
// episodes detected, no later on the episodes both find, fewer false alarms. And Vigía's C1
// must score exactly as R's fixture does, so the baseline is the classic one.
func TestEvaluation(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("testdata/series/*.csv")
	if err != nil || len(paths) < 17 {
		t.Fatalf("series: %v %v", paths, err)
	}
	ev, err := RunEvaluation(Monthly, "../../data/region/episodes.csv", "testdata/evaluation_reference.csv", paths)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-34s %9s %6s %6s %-16s %6s %8s\n", "method", "detected", "b.peak", "delay", "vs C1 (e/l)", "false", "false/yr")
	for _, s := range ev.Scores {
		fmt.Fprintf(&b, "%-34s %4d / %2d %6d %6.2f %+5.2f (%2d/%2d)   %6d %8.2f\n", s.Method, s.Detected, s.Episodes, s.BeforePeak, s.Delay, s.VsBaseline, s.Earlier, s.Later, s.FalseAlarms, s.FalsePerYear())
	}
	t.Log(b.String())
	c1, _ := ev.Score("C1 (EARS as R)")
	r, ok := ev.Score("C1 (R earsC fixture)")
	if !ok || r.Detected != c1.Detected || r.FalseAlarms != c1.FalseAlarms || r.Alarms != c1.Alarms || r.VsBaseline != 0 {
		t.Errorf("Vigía's C1 %+v does not score as R's fixture %+v", c1, r)
	}
	def, ok := ev.Score("default (C2)")
	if !ok {
		t.Fatal("no default in the table")
	}
	if def.Detected <= c1.Detected || def.FalseAlarms >= c1.FalseAlarms || def.VsBaseline > 0 || def.BeforePeak <= c1.BeforePeak {
		t.Errorf("the default %+v does not beat C1 %+v", def, c1)
	}
	if c1.Episodes < 30 {
		t.Errorf("%d episodes scored: the evaluation needs the whole list", c1.Episodes)
	}
}

// Episodes are read with their order checked, overlaps refused, and an episode that starts
// in a series' first year masks its alarms without being scored.
func TestEpisodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"series,onset,peak,end,event,source\na,2023-03,2023-01,2023-05,x,y\n", "line 2: onset 2023-03, peak 2023-01 and end 2023-05 must be in order"},
		{"series,onset,peak,end,event,source\na,2023-01,2023-02,2023-05,x,y\na,2023-04,2023-06,2023-08,x,y\n", "line 3: a 2023-04..2023-08 overlaps the episode 2023-01..2023-05"},
		{"series,onset,peak,end,event,source\na,2023-01,2023-02,2023-05,x,\n", "line 2: an episode needs its series and a source"},
		{"series,onset,end\n", "the header must be series,onset,peak,end,event,source"},
		{"series,onset,peak,end,event,source\na,March,2023-02,2023-05,x,y\n", `line 2: onset: "March" is not a month`},
	} {
		if _, err := ReadEpisodes(strings.NewReader(tc.in), Monthly); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
	month := func(s string) time.Time { m, _ := time.Parse("2006-01", s); return m }
	s := &Series{Name: "a"}
	for i := range 30 {
		s.Start = append(s.Start, month("2020-01").AddDate(0, i, 0))
		s.Counts = append(s.Counts, 10)
	}
	eps, err := ReadEpisodes(strings.NewReader("series,onset,peak,end,event,source\na,2020-06,2021-02,2021-03,early,src\na,2021-08,2021-09,2021-10,scored,src\n"), Monthly)
	if err != nil {
		t.Fatal(err)
	}
	alarms := Alarms{month("2021-01"): true, month("2021-09"): true, month("2022-04"): true}
	sc := Evaluate("m", Monthly, []*Series{s}, map[string]Alarms{"a": alarms}, eps)
	if sc.Episodes != 1 || sc.Detected != 1 || sc.BeforePeak != 1 || sc.Delay != 1 || sc.FalseAlarms != 1 || sc.Alarms != 3 || sc.Periods != 18 {
		t.Errorf("score %+v: want 1 episode scored, found a period after onset, 1 false alarm (2022-04), 18 periods", sc)
	}
}
