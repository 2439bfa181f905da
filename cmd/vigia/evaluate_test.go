package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shipped evaluation prints every method, the default beating C1; bad inputs stop it with
// what to fix.
func TestEvaluateCommand(t *testing.T) {
	series, _ := filepath.Glob("../../lib/surge/testdata/series/*.csv")
	args := append([]string{"evaluate", "--format", "json", "--episodes", "../../data/region/episodes.csv",
		"--reference", "../../lib/surge/testdata/evaluation_reference.csv"}, series...)
	out, errs, code := run(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rows []struct {
		Method      string `json:"method"`
		Detected    int    `json:"detected"`
		FalseAlarms int    `json:"false_alarm_periods"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) < 12 {
		t.Fatalf("%v: %.300s", err, out)
	}
	by := map[string]int{}
	for i, r := range rows {
		by[r.Method] = i
	}
	c1, def := rows[by["C1 (EARS as R)"]], rows[by["default (C2)"]]
	if _, ok := by["glrnb (R)"]; !ok || def.Detected <= c1.Detected || def.FalseAlarms >= c1.FalseAlarms {
		t.Errorf("table %+v", rows)
	}
	bad := filepath.Join(t.TempDir(), "episodes.csv")
	os.WriteFile(bad, []byte("series,onset,peak,end,event,source\ndarien_transit,2023-09,2023-08,2023-10,x,y\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"evaluate", series[0]}, "--episodes is required"},
		{[]string{"evaluate", "--episodes", bad, series[0]}, "line 2: onset 2023-09, peak 2023-08 and end 2023-10 must be in order"},
		{[]string{"evaluate", "--episodes", "../../data/region/episodes.csv", "--format", "xml", series[0]}, "must be text, csv or json"},
		{[]string{"evaluate", "--episodes", "../../data/region/episodes.csv", "missing.csv"}, "cannot open missing.csv"},
		{[]string{"evaluate", "--episodes", "../../data/region/episodes.csv", "--reference", bad, series[0]}, "header must be method,series,t,alarm"},
	} {
		if _, errs, code := run(t, tc.args...); code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errs, tc.want)
		}
	}
}
