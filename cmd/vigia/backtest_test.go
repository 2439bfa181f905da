package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backtest on the real Darién series: the CSV format is exact and the known surges alarm.
func TestBacktestDarien(t *testing.T) {
	out, errs, code := run(t, "backtest", "--format", "csv", "../../lib/surge/testdata/series/darien_transit.csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "t,observed,expected,upper,alarm,severity" {
		t.Fatalf("header %q", lines[0])
	}
	alarmed := map[string]bool{}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 6 {
			t.Fatalf("line %q", l)
		}
		if f[4] == "true" {
			alarmed[f[0]] = true
		}
	}
	for _, month := range []string{"2022-10", "2023-08"} { // the surges named in the data's README
		if !alarmed[month] {
			t.Errorf("no alarm in %s", month)
		}
	}
	out, _, code = run(t, "backtest", "--format", "json", "--method", "C1", "../../lib/surge/testdata/series/honduras_transit.csv")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) < 100 {
		t.Fatalf("json: %d %.200s", code, out)
	}
}

func TestBacktestErrors(t *testing.T) {
	gap := filepath.Join(t.TempDir(), "gap.csv")
	os.WriteFile(gap, []byte("t,n\n2023-01,5\n2023-02,6\n2023-04,7\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backtest", "--resolution", "fortnight", gap}, "must be hour, day, week or month"},
		{[]string{"backtest", "--method", "C9", "../../lib/surge/testdata/series/darien_transit.csv"}, "must be one of C1, C2, C3, seasonal, EWMA, CUSUM, noufaily"},
		{[]string{"backtest", "--format", "xml", gap}, "must be text, csv or json"},
		{[]string{"backtest", gap}, "line 4: t 2023-04 follows 2023-02"},
		{[]string{"backtest", "missing.csv"}, "cannot open missing.csv"},
	} {
		if _, errs, code := run(t, tc.args...); code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errs, tc.want)
		}
	}
}
