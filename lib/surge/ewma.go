package surge

import (
	"fmt"
	"math"
)

// EWMA is an exponentially weighted moving average chart on counts: the smoothed count
// z = Lambda*y + (1-Lambda)*z' is compared with a control limit from the mean and standard
// deviation of Baseline periods that end Gap periods before the one judged (as C2, so the
// start of a surge stays out of its own baseline). Smoothing lets a sustained moderate rise
// alarm that no single period shows; Upper is reported on the count scale: the count that
// would have brought z to the limit, so the band reads like the other methods'.
type EWMA struct {
	// Lambda is the weight of the newest period, in (0, 1]. Default 0.3.
	Lambda float64
	// Baseline is the number of reference periods. Default 7 (minimum 3).
	Baseline int
	// Gap is the number of periods between the baseline and the judged one; they are the
	// periods the average runs over. Default 2.
	Gap int
	// Alpha is the one-sided error rate of the limit. Default 0.001.
	Alpha float64
}

func (e EWMA) withDefaults() (EWMA, error) {
	if e.Lambda == 0 {
		e.Lambda = 0.3
	}
	if e.Baseline == 0 {
		e.Baseline = 7
	}
	if e.Gap == 0 {
		e.Gap = 2
	}
	if e.Alpha == 0 {
		e.Alpha = 0.001
	}
	if e.Lambda <= 0 || e.Lambda > 1 || e.Baseline < 3 || e.Gap < 0 || e.Alpha <= 0 || e.Alpha >= 1 {
		return e, fmt.Errorf("EWMA: lambda %v (0..1], baseline %d (3 or more), gap %d, alpha %v (0..1) out of range", e.Lambda, e.Baseline, e.Gap, e.Alpha)
	}
	return e, nil
}

func (e EWMA) first() int { return e.Baseline + e.Gap }

func (e EWMA) at(y []float64, t int, alpha float64) Period {
	mean, sd := meanSD(y[t-e.Gap-e.Baseline : t-e.Gap])
	sd = math.Max(sd, math.Sqrt(math.Max(mean, 0))) // at least the Poisson noise, as PoissonFloor
	z := mean
	for s := t - e.Gap; s < t; s++ {
		z = e.Lambda*y[s] + (1-e.Lambda)*z
	}
	limit := mean + qnorm(1-alpha)*sd*math.Sqrt(e.Lambda/(2-e.Lambda))
	p := Period{Index: t, Observed: y[t], Expected: mean, Upper: math.Max(0, (limit-(1-e.Lambda)*z)/e.Lambda)}
	p.Alarm = p.Observed > p.Upper
	return p
}
