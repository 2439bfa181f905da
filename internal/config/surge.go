package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// SurgeCorridor configures the "new corridor" alerts: a nationality that was under RareShare
// of a point's flow over the baseline and reaches Share of a period's flow, with at least
// MinCount persons.
type SurgeCorridor struct {
	// RareShare: default 0.02.
	RareShare float64 `yaml:"rare_share" env:"RARE_SHARE"`
	// Share: default 0.10.
	Share float64 `yaml:"share" env:"SHARE"`
	// MinCount: default 20.
	MinCount float64 `yaml:"min_count" env:"MIN_COUNT"`
}

// Detector is the detector a class configures; unset fields take the surge section's.
func (c SurgeClass) Detector(s Surge) surge.Detector {
	d := s.Detector()
	d.Frequency = c.Frequency
	d.PoissonFloor = c.PoissonFloor == nil || *c.PoissonFloor
	if c.Method != "" {
		d.Method = c.Method
	}
	if c.MinCount > 0 {
		d.MinCount = c.MinCount
	}
	if c.Baseline > 0 {
		d.Baseline = c.Baseline
	}
	if len(c.Levels) == 3 {
		d.Levels = [3]float64(c.Levels)
	}
	return d
}

// Detector is the detector of series no class matches.
func (s Surge) Detector() surge.Detector {
	d := surge.LiveDetector()
	d.Method, d.MinCount, d.Baseline = s.Method, s.MinCount, s.Baseline
	if len(s.Levels) == 3 {
		d.Levels = [3]float64(s.Levels)
	}
	return d
}

func (s *Surge) validate(bad badFunc) {
	for _, r := range s.Resolutions {
		if r != "day" && r != "hour" {
			bad("surge.resolutions", "%q must be day or hour (the windows Vigía keeps)", r)
		}
	}
	if len(s.Resolutions) == 0 {
		bad("surge.resolutions", "must list day, hour or both")
	}
	if !slices.Contains(surge.Methods, s.Method) {
		bad("surge.method", "%q must be one of %s", s.Method, strings.Join(surge.Methods, ", "))
	}
	if s.MinCount < 0 {
		bad("surge.min_count", "%v must not be negative", s.MinCount)
	}
	positive(bad, "surge.resolve_after", s.ResolveAfter, 1, 1000)
	positive(bad, "surge.baseline", s.Baseline, 3, 10000)
	if len(s.Levels) != 3 {
		bad("surge.levels", "give three error rates: watch, warning, alert (e.g. [0.001, 0.00001, 0.000001])")
	} else if _, err := s.Detector().First(); err != nil {
		bad("surge.levels", "%v", err)
	}
	if !(s.Hysteresis > 0 && s.Hysteresis <= 1) {
		bad("surge.hysteresis", "%v must be in (0, 1]: 0.5 puts the resolve line halfway between the level before a surge and the bound that opened it", s.Hysteresis)
	}
	if s.NationalityMinCount < 1 {
		bad("surge.nationality_min_count", "%v must be 1 or more (persons over a baseline)", s.NationalityMinCount)
	}
	if c := s.Corridor; !(0 < c.RareShare && c.RareShare < c.Share && c.Share <= 1) || c.MinCount < 1 {
		bad("surge.corridor", "0 < rare_share (%v) < share (%v) <= 1 and min_count (%v) >= 1 must hold", c.RareShare, c.Share, c.MinCount)
	}
	if u, err := url.Parse(s.DashboardURL); s.DashboardURL != "" && (err != nil || u.Scheme == "" || u.Host == "") {
		bad("surge.dashboard_url", "%q must be an absolute URL such as http://localhost:3000", s.DashboardURL)
	}
	for i, c := range s.Classes {
		key := fmt.Sprintf("surge.classes[%d] (%s)", i, c.Name)
		if c.Method != "" && !slices.Contains(surge.Methods, c.Method) {
			bad(key+".method", "%q must be one of %s", c.Method, strings.Join(surge.Methods, ", "))
			continue
		}
		if len(c.Levels) != 0 && len(c.Levels) != 3 {
			bad(key+".levels", "give three error rates: watch, warning, alert (e.g. [0.01, 0.001, 0.0001])")
			continue
		}
		if c.Method == "seasonal" && c.Frequency < 2 {
			bad(key+".frequency", "seasonal needs the periods of a cycle: 7 for days (a week), 24 for hours (a day)")
			continue
		}
		if _, err := c.Detector(*s).First(); err != nil {
			bad(key, "%v", err)
		}
		for _, f := range []struct {
			k, v string
			ok   []string
		}{
			{"level", c.Level, []string{"point", "country"}}, {"population", c.Population, []string{"all", "minors", "unaccompanied"}},
			{"role", c.Role, []string{"origin", "transit", "destination"}}, {"type", c.Type, []string{"crossing", "detention", "return", "assistance", "referral"}},
		} {
			if f.v != "" && !slices.Contains(f.ok, f.v) {
				bad(key+"."+f.k, "%q must be one of %v (or empty for any)", f.v, f.ok)
			}
		}
	}
}
