package surge

//go:generate stringer -type=Severity -linecomment -output severity_string.go

import (
	"fmt"
	"slices"
	"strings"
)

// Severity of a period, from none to alert.
type Severity int

const (
	SeverityNone    Severity = iota // none
	SeverityWatch                   // watch
	SeverityWarning                 // warning
	SeverityAlert                   // alert
)

// Detector is the configuration a class of series is judged with, live and in backtests: a
// method, the error rates of the three severity levels, and the least count worth a level.
// A period alarms (opens or feeds an alert) from the warning level; watch only draws the band.
type Detector struct {
	// Method is C1, C2 or C3 (EARS, as surveillance::earsC), seasonal (quasi-Poisson on the
	// same season of past cycles), EWMA (a smoothed count against a C2-like baseline), CUSUM
	// (a negative binomial CUSUM with the reference frozen at the onset, see CUSUM) or
	// noufaily (the improved Farrington, judged by CUSUM until it has three cycles of
	// history). Default C2.
	Method string
	// Frequency is the periods per cycle, for seasonal: 12 months, 52 weeks, 7 days, 24 hours.
	Frequency int
	// Levels are the one-sided error rates of watch, warning and alert. Default 0.01, 0.001,
	// 0.0001 (0.05, 0.025, 0.01 for C3). For C1, C2 and C3 the warning level is
	// surveillance's own default, so their alarms are exactly R's.
	Levels [3]float64
	// MinCount is the least observed count that can raise any level: a rise from 1 to 4 is
	// not a surge. Default 5; negative: any count (R's EARS). MinCountFor gives Vigía's
	// per resolution.
	MinCount float64
	// Baseline is the number of reference periods of C1, C2, C3, EWMA and CUSUM. Default 7
	// (R's).
	Baseline int
	// Shift is the rise CUSUM looks for, as a ratio of the reference. Default 2.
	Shift float64
	// RunLength is the number of periods a CUSUM sum runs over. Default 6.
	RunLength int
	// PoissonFloor keeps the EARS standard deviation at least sqrt(mean) (see EARS). EWMA
	// always has it; seasonal models overdispersion itself.
	PoissonFloor bool
}

// DefaultDetector is what Vigía uses on weekly and monthly series (backtests): EARS C2 (a
// two-period gap keeps the start of a surge out of its own baseline) at surveillance's
// levels, with the Poisson floor; give it the resolution's MinCountFor. `vigia evaluate`
// chose it: on the region's documented episodes it finds more of them than C1, earlier,
// with fewer false alarms, and none of the newer methods (CUSUM, noufaily) beats it there
// (docs/surge-evaluation.md).
func DefaultDetector() Detector { return Detector{Method: "C2", PoissonFloor: true} }

// MinCountFor is the least count worth a level at a resolution: 5 persons in an hour or a
// day, 12 in a week and 50 in a month (about two a day). In the region's monthly series a
// nationality of a dozen persons that doubles is not a surge an observatory acts on, and
// such rises are a third of the false alarms of every method in the evaluation.
func MinCountFor(r Resolution) float64 {
	switch r {
	case Monthly:
		return 50
	case Weekly:
		return 12
	}
	return 5
}

// LiveDetector is what the live pipeline uses on daily (and hourly) series, and backtests
// at those resolutions: C2 over four weeks of baseline (the weekly pattern averaged out, the
// spread estimated from 28 periods instead of 7) with the Poisson floor, and stricter levels
// (watch 0.001, warning 0.00001, alert 0.000001): hundreds of series are judged every day,
// and at surveillance's 0.001 an observatory of 500 series would open an alert every other
// day on noise alone.
func LiveDetector() Detector {
	return Detector{Method: "C2", Baseline: 28, PoissonFloor: true, Levels: [3]float64{0.001, 0.00001, 0.000001}}
}

// Methods lists the accepted Method names.
var Methods = []string{"C1", "C2", "C3", "seasonal", "EWMA", "CUSUM", "noufaily"}

// Verdict is a period judged at every level; Upper is the warning level's bound.
type Verdict struct {
	Period
	Severity Severity
}

type method interface {
	first() int
	at(y []float64, t int, alpha float64) Period
}

func (e EARS) first() int     { return e.First() }
func (s Seasonal) first() int { return s.First() }

func (d Detector) withDefaults() (Detector, method, error) {
	if d.Method == "" {
		d.Method = "C2"
	}
	if d.Levels == [3]float64{} {
		d.Levels = [3]float64{0.01, 0.001, 0.0001}
		if d.Method == "C3" {
			d.Levels = [3]float64{0.05, 0.025, 0.01}
		}
	}
	if !(d.Levels[0] > d.Levels[1] && d.Levels[1] > d.Levels[2] && d.Levels[2] > 0 && d.Levels[0] < 1) {
		return d, nil, fmt.Errorf("severity levels: watch %v > warning %v > alert %v > 0 must hold", d.Levels[0], d.Levels[1], d.Levels[2])
	}
	if d.MinCount == 0 {
		d.MinCount = 5
	}
	switch d.Method {
	case "seasonal":
		s, err := Seasonal{Frequency: d.Frequency}.withDefaults()
		return d, s, err
	case "EWMA":
		e, err := EWMA{Baseline: d.Baseline}.withDefaults()
		return d, e, err
	case "CUSUM":
		c, err := CUSUM{Shift: d.Shift, Baseline: d.Baseline, Run: d.RunLength}.withDefaults()
		return d, c, err
	case "noufaily":
		c, err := CUSUM{Shift: d.Shift, Baseline: d.Baseline, Run: d.RunLength}.withDefaults()
		if err != nil {
			return d, nil, err
		}
		s, err := Seasonal{Frequency: d.Frequency, Noufaily: true}.withDefaults()
		return d, Noufaily{Seasonal: s, Fallback: c}, err
	}
	e, err := EARS{Method: d.Method, Baseline: d.Baseline, PoissonFloor: d.PoissonFloor}.withDefaults()
	if err != nil && !slices.Contains(Methods, d.Method) {
		err = fmt.Errorf("method %q: must be one of %s", d.Method, strings.Join(Methods, ", "))
	}
	return d, e, err
}

// First is the first period with enough history.
func (d Detector) First() (int, error) {
	_, m, err := d.withDefaults()
	if err != nil {
		return 0, err
	}
	return m.first(), nil
}

// Run judges every period of y with enough history.
func (d Detector) Run(y []float64) ([]Verdict, error) {
	d, m, err := d.withDefaults()
	if err != nil {
		return nil, err
	}
	var out []Verdict
	for t := m.first(); t < len(y); t++ {
		out = append(out, d.judge(m, y, t))
	}
	return out, nil
}

func (d Detector) judge(m method, y []float64, t int) Verdict {
	v := Verdict{Period: m.at(y, t, d.Levels[1])}
	if y[t] >= d.MinCount {
		for i, alpha := range d.Levels {
			if i == 1 && v.Alarm || i != 1 && m.at(y, t, alpha).Alarm {
				v.Severity = Severity(i + 1)
			}
		}
	}
	v.Alarm = v.Severity >= SeverityWarning
	return v
}

// JudgeLast judges the last period of y; ok is false when y is too short for the method.
func (d Detector) JudgeLast(y []float64) (v Verdict, ok bool, err error) {
	d, m, err := d.withDefaults()
	if err != nil || len(y) <= m.first() {
		return v, false, err
	}
	return d.judge(m, y, len(y)-1), true, nil
}
