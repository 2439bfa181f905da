package surge

import "math"

// Noufaily is the improved Farrington method (Seasonal with Noufaily set) with a fallback
// for short histories: the seasonal fit needs Cycles whole cycles (three years of months),
// and a series younger than that is judged by the fallback instead of not at all, so a new
// point or a new corridor is watched from its first months.
type Noufaily struct {
	Seasonal Seasonal
	Fallback method
}

func (n Noufaily) first() int { return min(n.Fallback.first(), n.Seasonal.first()) }

func (n Noufaily) at(y []float64, t int, alpha float64) Period {
	if t >= n.Seasonal.first() {
		return n.Seasonal.at(y, t, alpha)
	}
	return n.Fallback.at(y, t, alpha)
}

// qnbinom is the smallest k with P(X <= k) >= p for a negative binomial X of mean mu and
// variance phi*mu (a quasi-Poisson dispersion phi; Poisson when phi <= 1): summed exactly
// while the probability of 0 does not underflow, and from the Cornish-Fisher expansion with
// the distribution's own skewness above, which is within a count or two there.
func qnbinom(p, mu, phi float64) float64 {
	if mu <= 0 {
		return 0
	}
	if phi <= 1 {
		return qpois(p, mu)
	}
	size := mu / (phi - 1)
	q := size / (size + mu)
	if lp0 := size * math.Log(q); lp0 > -600 {
		term := math.Exp(lp0)
		cdf, k := term, 0.0
		for cdf < p && k < mu+200*math.Sqrt(phi*mu)+100 {
			term *= (k + size) / (k + 1) * (1 - q)
			k++
			cdf += term
		}
		return k
	}
	v := phi * mu
	skew := (mu + 3*mu*mu/size + 2*mu*mu*mu/(size*size)) / math.Pow(v, 1.5)
	z := qnorm(p)
	return math.Ceil(mu + math.Sqrt(v)*(z+(z*z-1)*skew/6) - 0.5)
}
