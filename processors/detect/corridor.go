package detect

import (
	"fmt"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// Corridor configures the new-corridor alerts: a nationality that was rare at a point (under
// RareShare of its flow over the baseline) and in one period makes up Share of it, with at
// least MinCount persons, opens a "new corridor" alert for the point and nationality. A
// detector of counts cannot see this: a nationality of three persons a week has no baseline
// to surge from, and in the point's total a new corridor of a hundred persons is noise.
type Corridor struct {
	// RareShare is the share of a point's flow under which a nationality was rare there.
	// Default 0.02.
	RareShare float64
	// Share is the share of a period's flow at which a rare nationality is a new corridor.
	// Default 0.10.
	Share float64
	// MinCount is the least count of the nationality in the period. Default 20.
	MinCount float64
}

func (c *Corridor) defaults() error {
	if c.RareShare == 0 {
		c.RareShare = 0.02
	}
	if c.Share == 0 {
		c.Share = 0.10
	}
	if c.MinCount == 0 {
		c.MinCount = 20
	}
	if !(0 < c.RareShare && c.RareShare < c.Share && c.Share <= 1) || c.MinCount < 1 {
		return fmt.Errorf("detect: corridor: 0 < rare share %v < share %v <= 1 and min count %v >= 1 must hold", c.RareShare, c.Share, c.MinCount)
	}
	return nil
}

// corridor judges period i of the new-corridor series k: Expected is what the nationality's
// share of the point's flow over the baseline gives in this period's flow, Upper the count
// that makes it a new corridor (Share of the period's flow, at least MinCount). A period
// alarms (warning; alert at twice Upper) when the nationality was rare and reaches Upper,
// and is watched from half of it; once the corridor is part of the flow its share over the
// baseline is no longer rare and only the open alert's resolve line keeps it open.
func (j *judge) corridor(f *frame, k surge.SeriesKey, i int64, need int) (surge.Verdict, bool) {
	total := f.set[surge.SeriesKey{Resolution: k.Resolution, PointID: k.PointID, Country: k.Country, Type: k.Type, Role: k.Role, Population: "all"}]
	nat := f.set[k]
	var nb, tb float64
	for p := i - int64(need); p < i; p++ {
		nb, tb = nb+nat[p], tb+total[p]
	}
	if tb == 0 {
		return surge.Verdict{}, false
	}
	c := j.cfg.Corridor
	now, flow := nat[i], total[i]
	v := surge.Verdict{Period: surge.Period{Observed: now, Expected: nb / tb * flow, Upper: max(c.Share*flow, c.MinCount)}}
	if nb/tb < c.RareShare {
		switch {
		case now >= 2*v.Upper:
			v.Severity = surge.SeverityAlert
		case now >= v.Upper:
			v.Severity = surge.SeverityWarning
		case now >= v.Upper/2:
			v.Severity = surge.SeverityWatch
		}
	}
	v.Alarm = v.Severity >= surge.SeverityWarning
	return v, true
}
