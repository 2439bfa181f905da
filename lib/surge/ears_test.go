package surge

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readSeries reads a t,n CSV.
func readSeries(t testing.TB, path string) ([]string, []float64) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ts []string
	var ns []float64
	for _, r := range rows[1:] {
		n, err := strconv.ParseFloat(r[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		ts, ns = append(ts, r[0]), append(ns, n)
	}
	return ts, ns
}

// The EARS fixtures made by R's surveillance (earsC, defaults) on the region's real monthly
// series: every judged month has the same alarm and the same upper bound in Go.
func TestEARSMatchesSurveillance(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/ears_reference.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ series, method, t string }
	results := map[key]Period{}
	months := map[string][]string{}
	for _, series := range []string{"honduras_transit", "darien_transit", "mexico_presented", "guatemala_returned", "mexico_returns_hnd"} {
		ts, y := readSeries(t, filepath.Join("testdata", "series", series+".csv"))
		months[series] = ts
		for _, m := range []string{"C1", "C2", "C3"} {
			ps, err := EARS{Method: m}.Run(y)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				results[key{series, m, ts[p.Index]}] = p
			}
		}
	}
	alarms := 0
	for _, r := range rows[1:] {
		k := key{r[0], r[1], r[2]}
		got, ok := results[k]
		if !ok {
			t.Errorf("%v: judged by R, not by Go", k)
			continue
		}
		want, _ := strconv.ParseFloat(strings.TrimSpace(r[4]), 64)
		wantAlarm := r[5] == "TRUE"
		if got.Alarm != wantAlarm {
			t.Errorf("%v: alarm %v, R says %v (observed %v, upper %v, R's upper %v)", k, got.Alarm, wantAlarm, got.Observed, got.Upper, want)
		}
		if math.Abs(got.Upper-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%v: upper %.12g, R says %.12g", k, got.Upper, want)
		}
		if wantAlarm {
			alarms++
		}
		delete(results, k)
	}
	if len(results) != 0 {
		t.Errorf("%d months judged by Go but not by R", len(results))
	}
	if alarms == 0 || len(rows) < 1000 {
		t.Fatalf("fixture too small to prove anything: %d rows, %d alarms", len(rows), alarms)
	}
}

func TestEARSConfig(t *testing.T) {
	t.Parallel()
	for _, bad := range []EARS{{Method: "C4"}, {Method: "C1", Baseline: 2}, {Method: "C1", Alpha: 1.5}, {Method: "C2", MinSigma: -1}} {
		if _, err := bad.Run(make([]float64, 20)); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := (EARS{Method: "C3"}).At(make([]float64, 20), 5); err == nil {
		t.Error("C3 judged a period without its 11 periods of history")
	}
	if math.Abs(qnorm(0.999)-3.090232306167813) > 1e-12 {
		t.Errorf("qnorm(0.999) = %.15f", qnorm(0.999))
	}
}

func BenchmarkEARSPeriod(b *testing.B) {
	_, y := readSeries(b, "testdata/series/honduras_transit.csv")
	e := EARS{Method: "C3"}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = e.At(y, len(y)-1)
	}
}

// qpois against R's qpois (stats 4.x, Rscript on this machine): exact to a mean of 100,
// within one count above.
func TestQpois(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ p, mean, want float64 }{
		{0.999, 1, 5}, {0.99999, 1, 8}, {0.999, 20, 35}, {0.99999, 100, 145},
		{0.99999, 101, 147}, {0.999999, 150, 212}, {0.999, 868, 960}, {0.99999, 868, 996}, {0.999999, 5000, 5340},
	} {
		exact := tc.mean <= 100
		if got := qpois(tc.p, tc.mean); exact && got != tc.want || math.Abs(got-tc.want) > 1 {
			t.Errorf("qpois(%v, %v) = %v, R gives %v", tc.p, tc.mean, got, tc.want)
		}
	}
}
