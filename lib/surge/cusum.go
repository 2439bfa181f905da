package surge

import (
	"fmt"
	"math"
)

// CUSUM is a negative-binomial CUSUM on counts, the fixed-shift form of surveillance::glrnb
// (Höhle and Paul 2008): each period adds the log-likelihood ratio of "the mean has risen by
// Shift times" against "the mean is the reference", under a negative binomial whose
// overdispersion is estimated on the reference, and an alarm is raised when the sum since
// the likeliest onset passes log(1/alpha) (Wald: a run of in-control periods reaches it with
// probability alpha at most). A rise that no single period shows still alarms after a few
// periods, and a sudden one at once.
//
// Two choices make it fit a live, restartable detector. The sum runs over the last Run
// periods only (the maximum over every onset j in them of the sum from j, which is Page's
// recursion restarted Run periods ago), so a verdict is a function of a fixed window and
// judging a period again gives the same answer. And each candidate onset j has its own
// reference, the Baseline periods that end Gap periods before j: the reference of a surge
// is frozen at its onset, so the surge never leaks into the level it is compared with.
type CUSUM struct {
	// Shift is the rise to detect, as a ratio of the reference mean. Default 2: a doubling,
	// the size of the region's documented surges (data/region/EPISODES.md); 1.5 alarms on
	// more of the ordinary swings of migration flows (vigia evaluate).
	Shift float64
	// Baseline is the number of reference periods. Default 7 (minimum 3).
	Baseline int
	// Gap is the number of periods between the reference and an onset. Default 1.
	Gap int
	// Run is the number of periods the sum can run over. Default 6.
	Run int
	// Alpha is the error rate of a run of in-control periods. Default 0.001.
	Alpha float64
}

func (c CUSUM) withDefaults() (CUSUM, error) {
	if c.Shift == 0 {
		c.Shift = 2
	}
	if c.Baseline == 0 {
		c.Baseline = 7
	}
	if c.Gap == 0 {
		c.Gap = 1
	}
	if c.Run == 0 {
		c.Run = 6
	}
	if c.Alpha == 0 {
		c.Alpha = 0.001
	}
	if c.Shift <= 1 || c.Baseline < 3 || c.Gap < 0 || c.Run < 1 || c.Alpha <= 0 || c.Alpha >= 1 {
		return c, fmt.Errorf("CUSUM: shift %v (above 1), baseline %d (3 or more), gap %d, run %d (1 or more), alpha %v (0..1) out of range",
			c.Shift, c.Baseline, c.Gap, c.Run, c.Alpha)
	}
	return c, nil
}

func (c CUSUM) first() int { return c.Run - 1 + c.Gap + c.Baseline }

// at judges period t by Page's recursion over the Run periods up to t, started at zero:
// a run begins when the sum is zero, and its reference is frozen then (the Baseline periods
// ending Gap periods before the run's first period); an alarm before t restarts the sum, as
// surveillance's glrnb does, so a surge that goes on is not one alarm a period for evidence
// already spent. Upper is the least count at t that passes the threshold, Expected the
// reference of the run t belongs to.
func (c CUSUM) at(y []float64, t int, alpha float64) Period {
	h := math.Log(1 / alpha)
	sum, mu0, size := 0.0, 0.0, 0.0
	for s := t - c.Run + 1; s <= t; s++ {
		if sum == 0 {
			mu0, size = c.reference(y, s)
		}
		a, b := nbLLR(mu0, c.Shift*mu0, size)
		if s == t {
			p := Period{Index: t, Observed: y[t], Expected: mu0, Upper: math.Max(0, (h-sum-b)/a)} // a > 0: Shift > 1
			p.Alarm = p.Observed > p.Upper
			return p
		}
		if sum = math.Max(0, sum+a*y[s]+b); sum > h {
			sum = 0
		}
	}
	panic("unreachable")
}

// reference is the mean and the negative binomial size of the Baseline periods ending Gap
// periods before onset j: the size by moments (var = mu + mu^2/size), infinite (Poisson)
// when the periods vary less than a Poisson count would. The mean is at least 0.5, so a
// series of zeros still has a likelihood to compare with.
func (c CUSUM) reference(y []float64, j int) (mu, size float64) {
	mean, sd := meanSD(y[j-c.Gap-c.Baseline : j-c.Gap])
	mu = math.Max(mean, 0.5)
	if excess := sd*sd - mu; excess > 0 {
		return mu, mu * mu / excess
	}
	return mu, math.Inf(1)
}

// nbLLR is the log-likelihood ratio of a count y under a negative binomial of mean mu1
// against one of mean mu0, both of the given size, as a*y + b.
func nbLLR(mu0, mu1, size float64) (a, b float64) {
	if math.IsInf(size, 1) {
		return math.Log(mu1 / mu0), mu0 - mu1
	}
	return math.Log(mu1*(size+mu0)) - math.Log(mu0*(size+mu1)), size * (math.Log(size+mu0) - math.Log(size+mu1))
}
