package surge

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Episode is a documented surge of one series: from its onset (the first period of the
// sustained rise) through its peak to its end (the last period before the flow is back near
// its earlier level), with where it is documented.
type Episode struct {
	Series           string
	Onset, Peak, End time.Time
	Event, Source    string
	onsetL, endL     string
}

// ReadEpisodes reads a CSV with the header series,onset,peak,end,event,source (periods
// written as the series' t, so months as 2023-08). A malformed line, an episode that ends
// before it starts or two overlapping episodes of one series are errors naming the line.
func ReadEpisodes(r io.Reader, res Resolution) ([]Episode, error) {
	cr := csv.NewReader(r)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cannot read the episodes: %w", err)
	}
	want := []string{"series", "onset", "peak", "end", "event", "source"}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("the header must be %s", strings.Join(want, ","))
	}
	var out []Episode
	for n, rec := range recs[1:] {
		line := n + 2
		e := Episode{Series: rec[0], Event: rec[4], Source: rec[5], onsetL: rec[1], endL: rec[3]}
		for i, dst := range []*time.Time{&e.Onset, &e.Peak, &e.End} {
			if *dst, err = parsePeriod(res, rec[i+1]); err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", line, want[i+1], err)
			}
		}
		switch {
		case e.Series == "" || strings.TrimSpace(e.Source) == "":
			return nil, fmt.Errorf("line %d: an episode needs its series and a source", line)
		case e.Peak.Before(e.Onset) || e.End.Before(e.Peak):
			return nil, fmt.Errorf("line %d: onset %s, peak %s and end %s must be in order", line, rec[1], rec[2], rec[3])
		}
		for _, o := range out {
			if o.Series == e.Series && !e.Onset.After(o.End) && !o.Onset.After(e.End) {
				return nil, fmt.Errorf("line %d: %s %s..%s overlaps the episode %s..%s", line, e.Series, rec[1], rec[3], o.onsetL, o.endL)
			}
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, errors.New("no episode")
	}
	return out, nil
}

func parsePeriod(res Resolution, label string) (time.Time, error) {
	var err error
	for _, l := range layouts[res] {
		var t time.Time
		if t, err = time.Parse(l, strings.TrimSpace(label)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a %s (e.g. %s)", label, res, layouts[res][0])
}

// Score is how one method did on a set of series against their episodes. Periods are
// counted over each series' evaluation span, from the first period a year after it starts
// (no method is blamed for what it did while it had no history) to its end; an episode that
// begins before the span is not scored, but its alarms are not false either.
type Score struct {
	Method      string
	Episodes    int
	Detected    int     // episodes with an alarm from their onset to their end
	BeforePeak  int     // of them, with the first alarm at or before the peak
	Delay       float64 // mean periods from onset to the first alarm, over detected episodes
	FalseAlarms int     // alarm periods outside every episode
	Alarms      int     // all alarm periods
	Periods     int     // periods in the evaluation spans
	PerYear     int     // periods in a year
	// VsBaseline is the mean of (this method's delay - the baseline's) over the episodes
	// both detect, and Earlier and Later how many of them it found first and last; set by
	// Compare.
	VsBaseline     float64
	Earlier, Later int
	delays         map[string]int // periods from onset to the first alarm, by detected episode
}

// Compare sets s's VsBaseline, Earlier and Later against base: delay against delay on the
// episodes both detect, which the means over each method's own detections do not show (a
// method that finds the hard episodes late has a longer mean delay and is not slower).
func (s *Score) Compare(base Score) {
	var sum, n int
	s.Earlier, s.Later = 0, 0
	for ep, d := range s.delays {
		b, ok := base.delays[ep]
		if !ok {
			continue
		}
		sum, n = sum+d-b, n+1
		if d < b {
			s.Earlier++
		} else if d > b {
			s.Later++
		}
	}
	if n > 0 {
		s.VsBaseline = float64(sum) / float64(n)
	}
}

// FalsePerYear is false-alarm periods per year of series watched.
func (s Score) FalsePerYear() float64 {
	if s.Periods == 0 {
		return 0
	}
	return float64(s.FalseAlarms) * float64(s.PerYear) / float64(s.Periods)
}

// AlarmsPerYear is alarm periods per year of series watched.
func (s Score) AlarmsPerYear() float64 {
	if s.Periods == 0 {
		return 0
	}
	return float64(s.Alarms) * float64(s.PerYear) / float64(s.Periods)
}

// Alarms are one method's alarm periods of one series, by period start.
type Alarms map[time.Time]bool

// Evaluate scores alarms (by series name) against the episodes of the given series.
func Evaluate(method string, res Resolution, series []*Series, alarms map[string]Alarms, episodes []Episode) Score {
	sc := Score{Method: method, PerYear: periodsPerYear[res], delays: map[string]int{}}
	var delays int
	for _, s := range series {
		var eps []Episode
		for _, e := range episodes {
			if e.Series == s.Name {
				eps = append(eps, e)
			}
		}
		a := alarms[s.Name]
		for i := min(sc.PerYear, len(s.Start)); i < len(s.Start); i++ {
			sc.Periods++
			if !a[s.Start[i]] {
				continue
			}
			sc.Alarms++
			if !inEpisode(eps, s.Start[i]) {
				sc.FalseAlarms++
			}
		}
		for _, e := range eps {
			if indexOf(s.Start, e.Onset) < sc.PerYear {
				continue // begins in the series' first year: masks its alarms, not scored
			}
			sc.Episodes++
			for i, at := range s.Start {
				if at.Before(e.Onset) || at.After(e.End) || !a[at] {
					continue
				}
				sc.Detected++
				if !at.After(e.Peak) {
					sc.BeforePeak++
				}
				delays += i - indexOf(s.Start, e.Onset)
				sc.delays[e.Series+"|"+e.onsetL] = i - indexOf(s.Start, e.Onset)
				break
			}
		}
	}
	if sc.Detected > 0 {
		sc.Delay = float64(delays) / float64(sc.Detected)
	}
	return sc
}

var periodsPerYear = map[Resolution]int{Hourly: 24 * 365, Daily: 365, Weekly: 52, Monthly: 12}

func inEpisode(eps []Episode, at time.Time) bool {
	for _, e := range eps {
		if !at.Before(e.Onset) && !at.After(e.End) {
			return true
		}
	}
	return false
}

func indexOf(ts []time.Time, at time.Time) int {
	for i, t := range ts {
		if !t.Before(at) {
			return i
		}
	}
	return len(ts)
}

// Better reports whether a beats b on the episodes: at least as many detected, no more
// false alarms, and strictly better on one of them or earlier on average.
func (a Score) Better(b Score) bool {
	if a.Detected < b.Detected || a.FalseAlarms > b.FalseAlarms {
		return false
	}
	return a.Detected > b.Detected || a.FalseAlarms < b.FalseAlarms || a.Delay < b.Delay
}

// AlarmsOf runs d over s and returns its alarm periods.
func AlarmsOf(d Detector, s *Series) (Alarms, error) {
	vs, err := d.Run(s.Counts)
	if err != nil {
		return nil, err
	}
	a := Alarms{}
	for _, v := range vs {
		if v.Alarm {
			a[s.Start[v.Index]] = true
		}
	}
	return a, nil
}

// ReadReference reads alarms another implementation produced (R's, from
// lib/surge/testdata/evaluation_reference.R): a CSV with the header method,series,t,alarm,
// alarm 1/TRUE or 0/FALSE (NA: not judged). It returns them by method and series, with the
// methods in the order they first appear.
func ReadReference(r io.Reader, res Resolution) (map[string]map[string]Alarms, []string, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the reference alarms: %w", err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "method,series,t,alarm" {
		return nil, nil, errors.New("the reference's header must be method,series,t,alarm")
	}
	out := map[string]map[string]Alarms{}
	var order []string
	for n, rec := range recs[1:] {
		m, name := rec[0], rec[1]
		if out[m] == nil {
			out[m] = map[string]Alarms{}
			order = append(order, m)
		}
		if out[m][name] == nil {
			out[m][name] = Alarms{}
		}
		at, err := parsePeriod(res, rec[2])
		if err != nil {
			return nil, nil, fmt.Errorf("reference line %d: %w", n+2, err)
		}
		switch rec[3] {
		case "1", "TRUE":
			out[m][name][at] = true
		case "0", "FALSE", "NA":
		default:
			return nil, nil, fmt.Errorf("reference line %d: alarm %q must be 1, 0, TRUE, FALSE or NA", n+2, rec[3])
		}
	}
	return out, order, nil
}

// Candidate is a detector the evaluation scores, by name.
type Candidate struct {
	Name     string
	Detector Detector
}

// Candidates are the detectors `vigia evaluate` compares at a resolution: EARS exactly as
// R's surveillance (the classic baseline, first), and Vigía's methods with the resolution's
// least count (MinCountFor): C2 with the Poisson floor, the seasonal and EWMA methods, the
// CUSUM, the improved Farrington, and the resolution's default.
func Candidates(res Resolution) []Candidate {
	f := res.Frequency()
	mc := MinCountFor(res)
	r := func(m string) Detector { return Detector{Method: m, MinCount: -1} }
	def := DefaultDetector()
	if res == Daily || res == Hourly {
		def = LiveDetector()
	}
	def.Frequency, def.MinCount = f, mc
	return []Candidate{
		{"C1 (EARS as R)", r("C1")}, {"C2 (EARS as R)", r("C2")}, {"C3 (EARS as R)", r("C3")},
		{"C2 + Poisson floor", Detector{Method: "C2", PoissonFloor: true, MinCount: mc}},
		{"seasonal (Farrington)", Detector{Method: "seasonal", Frequency: f, MinCount: mc}},
		{"EWMA", Detector{Method: "EWMA", MinCount: mc}},
		{"CUSUM", Detector{Method: "CUSUM", MinCount: mc}},
		{"noufaily", Detector{Method: "noufaily", Frequency: f, MinCount: mc}},
		{"default (" + def.Method + ")", def},
	}
}

// Evaluation is the scores of every method on a set of series and episodes.
type Evaluation struct {
	Scores   []Score
	Series   []*Series
	Episodes []Episode
}

// Score returns the score of the named method.
func (ev *Evaluation) Score(method string) (Score, bool) {
	for _, s := range ev.Scores {
		if s.Method == method {
			return s, true
		}
	}
	return Score{}, false
}

// RunEvaluation reads the episodes, the reference alarms (optional: "") and the series
// files, and scores every candidate and reference method, each compared with the first
// (R's C1).
func RunEvaluation(res Resolution, episodes, reference string, paths []string) (*Evaluation, error) {
	ev := &Evaluation{}
	for _, p := range paths {
		ss, err := ReadSeriesFile(p, res)
		if err != nil {
			return nil, err
		}
		ev.Series = append(ev.Series, ss...)
	}
	f, err := os.Open(episodes)
	if err != nil {
		return nil, fmt.Errorf("cannot open the episodes: %w", err)
	}
	defer f.Close()
	if ev.Episodes, err = ReadEpisodes(f, res); err != nil {
		return nil, fmt.Errorf("%s: %w", episodes, err)
	}
	for _, c := range Candidates(res) {
		alarms := map[string]Alarms{}
		for _, s := range ev.Series {
			if alarms[s.Name], err = AlarmsOf(c.Detector, s); err != nil {
				return nil, fmt.Errorf("%s on %s: %w", c.Name, s.Name, err)
			}
		}
		ev.Scores = append(ev.Scores, Evaluate(c.Name, res, ev.Series, alarms, ev.Episodes))
	}
	if reference == "" {
		ev.compare()
		return ev, nil
	}
	rf, err := os.Open(reference)
	if err != nil {
		return nil, fmt.Errorf("cannot open the reference alarms: %w", err)
	}
	defer rf.Close()
	ref, order, err := ReadReference(rf, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", reference, err)
	}
	for _, m := range order {
		ev.Scores = append(ev.Scores, Evaluate(m, res, ev.Series, ref[m], ev.Episodes))
	}
	ev.compare()
	return ev, nil
}

// compare sets every score's delays against the first method's, the classic baseline.
func (ev *Evaluation) compare() {
	for i := range ev.Scores {
		ev.Scores[i].Compare(ev.Scores[0])
	}
}

// ReadSeriesFile reads one CSV of series (ReadSeries); a file of one unnamed series is named by the file.
func ReadSeriesFile(path string, res Resolution) ([]*Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	ss, err := ReadSeries(f, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(ss) == 1 && ss[0].Name == "" {
		ss[0].Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return ss, nil
}
