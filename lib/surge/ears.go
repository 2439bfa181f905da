// Package surge detects surges in count series (any resolution: hour, day, week, month) and
// keeps the alert lifecycle. The EARS methods follow the R package surveillance exactly
// (function earsC), checked against fixtures that R produced on the region's real series.
package surge

import (
	"fmt"
	"math"
)

// EARS configures one of the CDC's Early Aberration Reporting System methods as
// surveillance::earsC defines them: C1 compares a period with the mean and standard deviation
// of the Baseline periods just before it; C2 leaves a gap of two periods; C3 adds up the
// exceedances of C2 over three periods.
type EARS struct {
	// Method is C1, C2 or C3.
	Method string
	// Baseline is the number of reference periods. Default 7 (minimum 3).
	Baseline int
	// Alpha is the one-sided error rate; the threshold is qnorm(1-Alpha). Default 0.001 for C1
	// and C2, 0.025 for C3 (surveillance's defaults).
	Alpha float64
	// MinSigma is the least standard deviation used, so a flat baseline does not divide by
	// zero. Default 0, as in surveillance.
	MinSigma float64
	// PoissonFloor keeps the standard deviation at least the square root of the baseline
	// mean, a count's own Poisson noise, and the bound at least the Poisson quantile of the
	// mean: seven periods can look flat by chance, small counts have long tails, and EARS on
	// a falsely narrow band cries wolf on ordinary noise. Off in surveillance (and so in the
	// cross-check with R); on in Vigía's default detector.
	PoissonFloor bool
}

// Period is the verdict for one period of a series.
type Period struct {
	Index    int     // position in the series
	Observed float64 // the count
	Expected float64 // the baseline mean
	Upper    float64 // the alarm threshold: an alarm when Observed > Upper
	Alarm    bool
}

func (e EARS) withDefaults() (EARS, error) {
	if e.Baseline == 0 {
		e.Baseline = 7
	}
	if e.Baseline < 3 {
		return e, fmt.Errorf("EARS baseline %d: the minimum is 3", e.Baseline)
	}
	if e.MinSigma < 0 {
		return e, fmt.Errorf("EARS minSigma %v must not be negative", e.MinSigma)
	}
	if e.Alpha == 0 {
		e.Alpha = 0.001
		if e.Method == "C3" {
			e.Alpha = 0.025
		}
	}
	if e.Alpha <= 0 || e.Alpha >= 1 {
		return e, fmt.Errorf("EARS alpha %v must be in (0, 1)", e.Alpha)
	}
	switch e.Method {
	case "C1", "C2", "C3":
	default:
		return e, fmt.Errorf("EARS method %q: must be C1, C2 or C3", e.Method)
	}
	return e, nil
}

// First is the first index that has enough history for the method.
func (e EARS) First() int {
	e, _ = e.withDefaults()
	switch e.Method {
	case "C2":
		return e.Baseline + 2
	case "C3":
		return e.Baseline + 4
	}
	return e.Baseline
}

// Run judges every period of y that has enough history (from First on).
func (e EARS) Run(y []float64) ([]Period, error) {
	e, err := e.withDefaults()
	if err != nil {
		return nil, err
	}
	var out []Period
	for t := e.First(); t < len(y); t++ {
		out = append(out, e.at(y, t, e.Alpha))
	}
	return out, nil
}

// At judges period t of y, which must have First() periods of history before it.
func (e EARS) At(y []float64, t int) (Period, error) {
	e, err := e.withDefaults()
	if err != nil {
		return Period{}, err
	}
	if t < e.First() || t >= len(y) {
		return Period{}, fmt.Errorf("EARS %s needs %d periods before the one judged", e.Method, e.First())
	}
	return e.at(y, t, e.Alpha), nil
}

func (e EARS) at(y []float64, t int, alpha float64) Period {
	z := qnorm(1 - alpha)
	p := Period{Index: t, Observed: y[t]}
	switch e.Method {
	case "C1":
		mean, sd := meanSD(y[t-e.Baseline : t])
		p.Expected, p.Upper = mean, e.bound(mean, mean+z*e.sigma(mean, sd), alpha)
	case "C2":
		mean, sd := e.c2Ref(y, t)
		p.Expected, p.Upper = mean, e.bound(mean, mean+z*e.sigma(mean, sd), alpha)
	case "C3":
		// As surveillance computes it: the bound is the observed count plus sigma times what
		// the two previous C2 exceedances leave of the threshold, floored at 0; so a period
		// alarms when the exceedances of the two periods before it sum past the threshold.
		mean, sd := e.c2Ref(y, t)
		lag2 := math.Max(0, e.c2Stat(y, t-2)-1)
		lag1 := math.Max(0, e.c2Stat(y, t-1)-1)
		p.Expected = mean
		p.Upper = math.Max(0, y[t]+e.sigma(mean, sd)*(z-(lag2+lag1)))
	}
	p.Alarm = p.Observed > p.Upper // false when Upper is NaN, where R gives NA
	return p
}

// c2Ref is the mean and sd of the C2 reference periods of t: t-Baseline-2 .. t-3.
func (e EARS) c2Ref(y []float64, t int) (float64, float64) {
	return meanSD(y[t-e.Baseline-2 : t-2])
}

func (e EARS) c2Stat(y []float64, t int) float64 {
	mean, sd := e.c2Ref(y, t)
	return (y[t] - mean) / e.sigma(mean, sd)
}

// bound is upper, raised with PoissonFloor to the count a Poisson variable of the baseline
// mean exceeds with probability alpha at most: at small counts the normal bound is far too
// low (five unaccompanied children against a mean of one is a one-in-three-hundred day).
func (e EARS) bound(mean, upper, alpha float64) float64 {
	if !e.PoissonFloor {
		return upper
	}
	return math.Max(upper, qpois(1-alpha, mean))
}

// qpois is the smallest k with P(X <= k) >= p for X ~ Poisson(mean): summed exactly up to a
// mean of 100 (above it e^-mean underflows long before the sum matters), and from the
// Cornish-Fisher expansion above, which is within one count there.
func qpois(p, mean float64) float64 {
	if mean <= 0 {
		return 0
	}
	if mean > 100 {
		z := qnorm(p)
		return math.Ceil(mean + z*math.Sqrt(mean) + (z*z-1)/6 - 0.5)
	}
	term := math.Exp(-mean)
	cdf := term
	k := 0.0
	for cdf < p && k < mean+100*math.Sqrt(mean)+100 {
		k++
		term *= mean / k
		cdf += term
	}
	return k
}

// sigma is the standard deviation used: at least MinSigma, and with PoissonFloor at least
// sqrt(mean).
func (e EARS) sigma(mean, sd float64) float64 {
	sd = math.Max(sd, e.MinSigma)
	if e.PoissonFloor {
		sd = math.Max(sd, math.Sqrt(math.Max(mean, 0)))
	}
	return sd
}

// meanSD is the mean and the sample standard deviation (n-1), as R's mean and sd.
func meanSD(x []float64) (float64, float64) {
	var sum float64
	for _, v := range x {
		sum += v
	}
	mean := sum / float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// qnorm is the standard normal quantile function.
func qnorm(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
