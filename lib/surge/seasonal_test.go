package surge

import (
	"math"
	"math/rand/v2"
	"testing"
)

// 90 days with a weekly pattern and noise: with the default detector, an ordinary Monday
// raises nothing.
func TestSeasonalQuietOnAStableWeeklyPattern(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	week := []float64{120, 140, 135, 130, 125, 80, 60}
	var y []float64
	for d := 0; d < 90; d++ {
		y = append(y, poisson(r, week[d%7]))
	}
	vs, err := Detector{Method: "seasonal", Frequency: 7}.Run(y)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range vs {
		if p.Alarm {
			t.Errorf("day %d: alarm on an ordinary day (observed %v, expected %.1f, upper %.1f)", p.Index, p.Observed, p.Expected, p.Upper)
		}
	}
	if len(vs) < 30 {
		t.Fatalf("only %d days judged", len(vs))
	}
}

// A surge on top of the same pattern is found on its first day.
func TestSeasonalFindsASurge(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	week := []float64{120, 140, 135, 130, 125, 80, 60}
	var y []float64
	for d := 0; d < 60; d++ {
		y = append(y, poisson(r, week[d%7]))
	}
	y = append(y, 2.5*week[60%7])
	p, err := Seasonal{Frequency: 7}.At(y, 60)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Alarm || math.Abs(p.Expected-week[60%7]) > 0.25*week[60%7] {
		t.Fatalf("surge missed: %+v", p)
	}
}

func TestSeasonalConfig(t *testing.T) {
	t.Parallel()
	for _, bad := range []Seasonal{{}, {Frequency: 7, Window: 4}, {Frequency: 12, Cycles: 1}, {Frequency: 12, Alpha: 2}} {
		if _, err := bad.Run(make([]float64, 100)); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func poisson(r *rand.Rand, lambda float64) float64 {
	// Normal approximation is enough for rates above 50.
	return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64()))
}

func BenchmarkSeasonalPeriod(b *testing.B) {
	_, y := readSeries(b, "testdata/series/honduras_transit.csv")
	s := Seasonal{Frequency: 12}
	b.ReportAllocs()
	for b.Loop() {
		s.at(y, len(y)-1, 0.01)
	}
}
