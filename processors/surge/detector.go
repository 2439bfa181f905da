package surge

import (
	"fmt"
	"math"
)

// Severity of a period, from none to alert.
type Severity int

const (
	SeverityNone Severity = iota
	SeverityWatch
	SeverityWarning
	SeverityAlert
)

func (s Severity) String() string { return [...]string{"none", "watch", "warning", "alert"}[s] }

// Detector is the configuration a class of series is judged with, live and in backtests: a
// method, the error rates of the three severity levels, and the least count worth an alarm.
type Detector struct {
	// EARS is the method; its Alpha is the alert level.
	EARS EARS
	// WatchAlpha and WarningAlpha are the error rates of the lower levels. Defaults 0.05 and
	// 0.01 (0.1 and 0.05 for C3, whose alert level is 0.025).
	WatchAlpha, WarningAlpha float64
	// MinCount is the least observed count that can raise any level: a rise from 1 to 4 is
	// not a surge. Default 5.
	MinCount float64
}

// DefaultDetector is what Vigía uses unless configured otherwise: EARS C2 (a two-period gap
// keeps the start of a surge out of its own baseline), alert at surveillance's alpha 0.001.
func DefaultDetector() Detector { return Detector{EARS: EARS{Method: "C2"}} }

// Verdict is a period judged at every level.
type Verdict struct {
	Period
	Severity Severity
}

func (d Detector) withDefaults() (Detector, error) {
	e, err := d.EARS.withDefaults()
	if err != nil {
		return d, err
	}
	d.EARS = e
	if d.WatchAlpha == 0 {
		d.WatchAlpha, d.WarningAlpha = 0.05, 0.01
		if e.Method == "C3" {
			d.WatchAlpha, d.WarningAlpha = 0.1, 0.05
		}
	}
	if !(d.WatchAlpha > d.WarningAlpha && d.WarningAlpha > e.Alpha) {
		return d, fmt.Errorf("severity levels: watch alpha %v > warning alpha %v > alert alpha %v must hold", d.WatchAlpha, d.WarningAlpha, e.Alpha)
	}
	if d.MinCount == 0 {
		d.MinCount = 5
	}
	return d, nil
}

// Run judges every period of y with enough history. Alarm is the method's own verdict at the
// alert level (as in surveillance); Severity also applies MinCount.
func (d Detector) Run(y []float64) ([]Verdict, error) {
	d, err := d.withDefaults()
	if err != nil {
		return nil, err
	}
	levels := []EARS{d.EARS, d.EARS, d.EARS}
	levels[0].Alpha, levels[1].Alpha = d.WatchAlpha, d.WarningAlpha
	var out []Verdict
	for t := d.EARS.First(); t < len(y); t++ {
		v := Verdict{Period: d.EARS.at(y, t)}
		if y[t] >= d.MinCount && !math.IsNaN(v.Upper) {
			for i, e := range levels {
				if p := e.at(y, t); p.Alarm {
					v.Severity = Severity(i + 1)
				}
			}
		}
		out = append(out, v)
	}
	return out, nil
}
