package detect

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// fixedSource answers every query with the same totals, so the benchmark measures the
// judge, not a scan.
type fixedSource struct{ memSource }

func (f *fixedSource) Totals(context.Context, surge.Resolution, time.Time, time.Time) ([]surge.Total, error) {
	return f.totals, nil
}

// BenchmarkJudgeDay is the live cost of judging one day: building the series of 60 points
// (point, country and nationality series, three populations) from the window totals and
// judging each; reported per series and period.
func BenchmarkJudgeDay(b *testing.B) {
	src := &fixedSource{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 60 {
		pt := "p" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		seasonal(&src.memSource, rng, pt, []string{"HND", "GTM", "PAN", "MEX"}[i%4], "transit", 50+float64(i), 40, nil)
	}
	j := &judge{cfg: testConfig(src), tracker: surge.NewTracker(2)}
	prev, wm := day0.AddDate(0, 0, 38).Unix(), day0.AddDate(0, 0, 39).Unix()
	set := buildSeries(surge.Daily, src.totals, j.cfg.Zone, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.advance(context.Background(), prev, wm, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(set)), "ns/series")
	b.ReportMetric(float64(len(set)), "series")
}

// BenchmarkReviseMonth is the cost of a month-old correction: every series of 60 points
// (and their countries) judged again over the 30 days since, replaying each lifecycle and
// comparing it with the alerts published; reported per series and period.
func BenchmarkReviseMonth(b *testing.B) {
	src := &fixedSource{}
	rng := rand.New(rand.NewPCG(1, 2))
	points := map[string]int64{}
	for i := range 60 {
		pt := "p" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		seasonal(&src.memSource, rng, pt, []string{"HND", "GTM", "PAN", "MEX"}[i%4], "transit", 50+float64(i), 70, nil)
		points[pt] = day0.AddDate(0, 0, 39).Unix()
	}
	j := &judge{cfg: testConfig(src), tracker: surge.NewTracker(2)}
	wm := day0.AddDate(0, 0, 70).Unix()
	set := buildSeries(surge.Daily, src.totals, j.cfg.Zone, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.advance(context.Background(), wm, wm, points); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(set))/30, "ns/series-period")
	b.ReportMetric(float64(len(set)), "series")
}
