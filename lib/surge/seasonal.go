package surge

import (
	"fmt"
	"math"
)

// Seasonal is a quasi-Poisson regression on the same season of past cycles, after Farrington
// et al. (1996) as R's surveillance implements it (farrington/farringtonFlexible): for the
// period judged, the counts of the same period ± Window in each of the Cycles previous cycles
// are fitted with log(mu) = a + b*time (the trend kept only when significant and not
// extrapolating above every reference count), overdispersion estimated, outliers down-weighted
// once, and the bound is the (1-Alpha) quantile on the 2/3-power scale.
type Seasonal struct {
	// Frequency is the number of periods in a cycle: 12 for months (a year), 52 for weeks,
	// 7 for days (a week), 24 for hours (a day). Required.
	Frequency int
	// Cycles is the number of past cycles used. Default 3 (months, weeks), 8 (days), 7 (hours).
	Cycles int
	// Window is the number of periods on each side of the same period. Default 1 for months,
	// 2 for weeks, and 0 for days and hours, whose weekly or daily pattern is too sharp to mix
	// neighbouring periods (so 0 cannot be chosen for months and weeks).
	Window int
	// Alpha is the one-sided error rate of the bound. Default 0.01.
	Alpha float64
	// Noufaily applies the improvements of Noufaily et al. (2013): past outbreaks are
	// down-weighted only from an Anscombe residual of 2.58 (not 1, which down-weights
	// ordinary months too and narrows the band), and the bound is the negative binomial
	// quantile of the fitted mean and dispersion instead of the 2/3-power normal one, which is
	// too low for the overdispersed counts of migration. Off in Farrington's original.
	Noufaily bool
}

func (s Seasonal) withDefaults() (Seasonal, error) {
	if s.Frequency < 2 {
		return s, fmt.Errorf("seasonal: frequency %d must be 2 or more", s.Frequency)
	}
	sharp := s.Frequency == 7 || s.Frequency == 24
	if s.Cycles == 0 {
		s.Cycles = 3
		if s.Frequency == 7 {
			s.Cycles = 8
		} else if s.Frequency == 24 {
			s.Cycles = 7
		}
	}
	if s.Window == 0 && !sharp {
		s.Window = 1
		if s.Frequency == 52 {
			s.Window = 2
		}
	}
	if s.Alpha == 0 {
		s.Alpha = 0.01
	}
	if s.Cycles < 2 || s.Window < 0 || s.Window*2 >= s.Frequency || s.Alpha <= 0 || s.Alpha >= 1 {
		return s, fmt.Errorf("seasonal: cycles %d (2 or more), window %d (under half a cycle), alpha %v (0..1) out of range", s.Cycles, s.Window, s.Alpha)
	}
	return s, nil
}

// First is the first period with enough history.
func (s Seasonal) First() int {
	s, _ = s.withDefaults()
	return s.Cycles*s.Frequency + s.Window
}

// Run judges every period from First on.
func (s Seasonal) Run(y []float64) ([]Period, error) {
	s, err := s.withDefaults()
	if err != nil {
		return nil, err
	}
	var out []Period
	for t := s.First(); t < len(y); t++ {
		out = append(out, s.at(y, t, s.Alpha))
	}
	return out, nil
}

// At judges period t of y, which needs First() periods of history.
func (s Seasonal) At(y []float64, t int) (Period, error) {
	s, err := s.withDefaults()
	if err != nil {
		return Period{}, err
	}
	if t < s.First() || t >= len(y) {
		return Period{}, fmt.Errorf("seasonal: period %d needs %d periods of history", t, s.First())
	}
	return s.at(y, t, s.Alpha), nil
}

func (s Seasonal) at(y []float64, t int, alpha float64) Period {
	var xs, ys []float64
	for c := 1; c <= s.Cycles; c++ {
		for d := -s.Window; d <= s.Window; d++ {
			if i := t - c*s.Frequency + d; i >= 0 {
				xs, ys = append(xs, float64(i-t)), append(ys, y[i])
			}
		}
	}
	reweight := 1.0
	if s.Noufaily {
		reweight = 2.58
	}
	mu0, tau, phi := fitPredict(xs, ys, reweight)
	p := Period{Index: t, Observed: y[t], Expected: mu0}
	if s.Noufaily {
		p.Upper = qnbinom(1-alpha, mu0, phi)
		p.Alarm = p.Observed > p.Upper
		return p
	}
	z := qnorm(1 - alpha)
	p.Upper = math.Pow(math.Pow(mu0, 2.0/3)+z*math.Sqrt(tau), 1.5)
	if mu0 == 0 {
		p.Upper = 0
	}
	p.Alarm = p.Observed > p.Upper
	return p
}

// fitPredict fits the quasi-Poisson model, down-weighting reference periods whose Anscombe
// residual is above reweight, and returns the prediction at x = 0, the variance of the
// 2/3-power of the count there and the dispersion.
func fitPredict(xs, ys []float64, reweight float64) (mu0, tau, phi float64) {
	n := float64(len(ys))
	w := ones(len(ys))
	fit := func(trend bool) glm { return poissonIRLS(xs, ys, w, trend) }
	m := fit(true)
	maxY := 0.0
	for _, v := range ys {
		maxY = max(maxY, v)
	}
	useTrend := m.ok && math.Abs(m.b/math.Sqrt(m.cov[1][1]*m.phi(xs, ys, w))) > qnorm(0.975) && math.Exp(m.a) <= maxY
	if !useTrend {
		m = fit(false)
	}
	// Down-weight past outbreaks (Anscombe residuals above 1), then refit once.
	phi = m.phi(xs, ys, w)
	sum := 0.0
	for i := range ys {
		mu := m.mu(xs[i])
		r := 1.5 * (math.Pow(ys[i], 2.0/3)*math.Pow(mu, -1.0/6) - math.Sqrt(mu)) / math.Sqrt(phi)
		if r > reweight {
			w[i] = 1 / (r * r)
		}
		sum += w[i]
	}
	for i := range w {
		w[i] *= n / sum
	}
	m = fit(useTrend)
	phi = math.Max(1, m.phi(xs, ys, w))
	mu0 = m.mu(0)
	varEta := phi * m.cov[0][0] // the intercept is the prediction at x = 0
	tau = 4.0 / 9 * math.Pow(mu0, -2.0/3) * (phi*mu0 + mu0*mu0*varEta)
	if math.IsNaN(tau) || math.IsInf(tau, 0) {
		tau = 0
	}
	return mu0, tau, phi
}

// glm is log(mu) = a + b*x fitted by iteratively reweighted least squares.
type glm struct {
	a, b  float64
	trend bool
	cov   [2][2]float64 // (X'WX)^-1 at convergence, before the dispersion
	ok    bool
}

func (m glm) mu(x float64) float64 { return math.Exp(m.a + m.b*x) }

// phi is the Pearson estimate of the dispersion.
func (m glm) phi(xs, ys, w []float64) float64 {
	p := 1.0
	if m.trend {
		p = 2
	}
	var chi float64
	for i := range ys {
		mu := m.mu(xs[i])
		chi += w[i] * (ys[i] - mu) * (ys[i] - mu) / mu
	}
	if float64(len(ys)) <= p {
		return 1
	}
	return chi / (float64(len(ys)) - p)
}

func poissonIRLS(xs, ys, w []float64, trend bool) glm {
	mean := 0.0
	for _, v := range ys {
		mean += v
	}
	mean /= float64(len(ys))
	m := glm{a: math.Log(mean + 0.5), trend: trend}
	for iter := 0; iter < 25; iter++ {
		var s00, s01, s11, r0, r1 float64
		for i := range ys {
			mu := m.mu(xs[i])
			eta := m.a + m.b*xs[i]
			z := eta + (ys[i]-mu)/mu
			wi := w[i] * mu
			s00 += wi
			s01 += wi * xs[i]
			s11 += wi * xs[i] * xs[i]
			r0 += wi * z
			r1 += wi * z * xs[i]
		}
		var a, b float64
		if trend {
			det := s00*s11 - s01*s01
			if det <= 1e-12 {
				return glm{a: math.Log(mean + 0.5), cov: [2][2]float64{{1 / math.Max(s00, 1e-12), 0}, {0, 0}}}
			}
			a, b = (s11*r0-s01*r1)/det, (s00*r1-s01*r0)/det
			m.cov = [2][2]float64{{s11 / det, -s01 / det}, {-s01 / det, s00 / det}}
		} else {
			a = r0 / s00
			m.cov = [2][2]float64{{1 / s00, 0}, {0, 0}}
		}
		done := math.Abs(a-m.a) < 1e-10 && math.Abs(b-m.b) < 1e-10
		m.a, m.b = a, b
		if done {
			break
		}
	}
	m.ok = !math.IsNaN(m.a) && !math.IsNaN(m.b)
	return m
}

func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}
