package surge

import (
	"encoding/csv"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// knownSurges are the peaks named in data/region/README.md, by series.
var knownSurges = map[string][]string{
	"darien_transit":     {"2022-10", "2023-08"},
	"honduras_transit":   {"2023-10"},
	"mexico_presented":   {"2024-05"},
	"mexico_returns_hnd": {"2019-06"},
}

func monthIndex(t string) int {
	m, _ := time.Parse("2006-01", t)
	return m.Year()*12 + int(m.Month())
}

// score: for each known surge, the months between the first alarm in the six months up to the
// peak and the peak (-1: missed); and the alarms outside every surge (peak-6 .. peak+3).
func score(series string, alarms map[string]bool) (leads []int, elsewhere int) {
	for _, peak := range knownSurges[series] {
		lead := -1
		for d := 6; d >= 0; d-- {
			if alarms[monthOf(monthIndex(peak)-d)] {
				lead = d
				break
			}
		}
		leads = append(leads, lead)
	}
	for m, on := range alarms {
		if !on {
			continue
		}
		inSurge := false
		for _, peak := range knownSurges[series] {
			if d := monthIndex(m) - monthIndex(peak); d >= -6 && d <= 3 {
				inSurge = true
			}
		}
		if !inSurge {
			elsewhere++
		}
	}
	return leads, elsewhere
}

func monthOf(i int) string { return fmt.Sprintf("%04d-%02d", (i-1)/12, (i-1)%12+1) }

// TestSurgeReport compares the detectors with R's farringtonFlexible on the real series and
// prints the table the closing note quotes (go test -run SurgeReport -v ./lib/surge).
// The default detector must find the named surges of the series it can judge by their peak.
func TestSurgeReport(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/farrington_reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	ff := map[string]map[string]bool{}
	judgedFF := map[string]int{}
	for _, r := range rows[1:] {
		if ff[r[0]] == nil {
			ff[r[0]] = map[string]bool{}
		}
		ff[r[0]][r[1]] = r[4] == "TRUE"
		judgedFF[r[0]]++
	}
	names := make([]string, 0, len(knownSurges))
	for n := range knownSurges {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-20s %-22s %-26s %s\n", "series", "method", "months before peak", "alarms elsewhere / judged")
	for _, name := range names {
		ts, y := readSeries(t, "testdata/series/"+name+".csv")
		for _, m := range []string{"C1", "C2", "C3", "seasonal", "EWMA", "default", "farringtonFlexible(R)"} {
			alarms := map[string]bool{}
			judged := 0
			if m == "farringtonFlexible(R)" {
				alarms, judged = ff[name], judgedFF[name]
			} else {
				d := Detector{Method: m, Frequency: 12}
				if m == "default" { // what `vigia backtest --resolution month` uses
					d = DefaultDetector()
				}
				vs, err := d.Run(y)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					alarms[ts[v.Index]] = v.Alarm
				}
				judged = len(vs)
			}
			leads, elsewhere := score(name, alarms)
			fmt.Fprintf(&b, "%-20s %-22s %-26v %d / %d\n", name, m, leads, elsewhere, judged)
			if m == "default" && (name == "darien_transit" || name == "honduras_transit") {
				for i, l := range leads {
					if l < 0 {
						t.Errorf("default detector misses the %s surge of %s", knownSurges[name][i], name)
					}
				}
			}
		}
	}
	t.Log(b.String())
}
