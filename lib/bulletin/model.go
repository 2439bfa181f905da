// Package bulletin writes the observatory's bulletin: a self-contained HTML report of one
// month or ISO week (charts inline as SVG, drawn with gonum/plot), in Spanish or English,
// from published, disclosure-protected figures only. It renders what it is given: the
// figures are read by sinks/clickhouse (Bulletin) from <database>_public, so every count is
// already a multiple of k or suppressed, and any sum of them is a multiple of k too.
package bulletin

import (
	"errors"
	"fmt"
	"time"
)

// Period is a bulletin's month or ISO week, [Start, End) in UTC dates (local dates of the
// points, as the published grains label them).
type Period struct {
	Kind       string // month or week
	Start, End time.Time
}

// ParsePeriod reads --period 2023-08 (a month) or --week 2023-W34 (an ISO week).
func ParsePeriod(month, week string) (Period, error) {
	switch {
	case month != "" && week != "":
		return Period{}, errors.New("give --period (a month, 2023-08) or --week (an ISO week, 2023-W34), not both")
	case month != "":
		t, err := time.Parse("2006-01", month)
		if err != nil {
			return Period{}, fmt.Errorf("--period %q: write a month as YYYY-MM, e.g. 2023-08", month)
		}
		return Period{Kind: "month", Start: t, End: t.AddDate(0, 1, 0)}, nil
	case week != "":
		var y, w int
		if n, err := fmt.Sscanf(week, "%4d-W%2d", &y, &w); n != 2 || err != nil || w < 1 || w > 53 || len(week) != 8 {
			return Period{}, fmt.Errorf("--week %q: write an ISO week as YYYY-Www, e.g. 2023-W34", week)
		}
		start := isoWeekStart(y, w)
		if wy, ww := start.ISOWeek(); wy != y || ww != w {
			return Period{}, fmt.Errorf("--week %q: %d has no week %d", week, y, w)
		}
		return Period{Kind: "week", Start: start, End: start.AddDate(0, 0, 7)}, nil
	}
	return Period{}, errors.New("give the bulletin's period: --period 2023-08 (a month) or --week 2023-W34 (an ISO week)")
}

// isoWeekStart is the Monday of ISO week w of year y: week 1 holds 4 January.
func isoWeekStart(y, w int) time.Time {
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	return monday.AddDate(0, 0, 7*(w-1))
}

// Previous is the period before p; YearBefore the same period a year earlier (for a week,
// the same ISO week number).
func (p Period) Previous() Period {
	if p.Kind == "week" {
		return Period{Kind: "week", Start: p.Start.AddDate(0, 0, -7), End: p.Start}
	}
	return Period{Kind: "month", Start: p.Start.AddDate(0, -1, 0), End: p.Start}
}

// YearBefore is the same month a year earlier, or the same ISO week number.
func (p Period) YearBefore() Period {
	if p.Kind == "week" {
		y, w := p.Start.ISOWeek()
		s := isoWeekStart(y-1, w)
		if _, ww := s.ISOWeek(); ww != w { // week 53 of a year whose predecessor has 52
			s = isoWeekStart(y-1, w-1)
		}
		return Period{Kind: "week", Start: s, End: s.AddDate(0, 0, 7)}
	}
	return Period{Kind: "month", Start: p.Start.AddDate(-1, 0, 0), End: p.Start.AddDate(-1, 1, 0)}
}

// Figure is a published count: Value is a multiple of K; Suppressed when it was 1 to K-1.
type Figure struct {
	Value      uint64
	Suppressed bool
	K          uint64
}

// Add sums published figures: suppressed cells count 0 (as the dashboards sum them), so the
// sum is a multiple of the larger K and no arithmetic on the bulletin yields a hidden count.
func (f Figure) Add(g Figure) Figure {
	return Figure{Value: f.Value + g.Value, Suppressed: false, K: max(f.K, g.K)}
}

// Data is everything a bulletin shows, read from the published layer.
type Data struct {
	Period                 Period
	Previous, YearBefore   Period
	GeneratedAt            time.Time
	Headline               []Headline // by role and type
	Points                 []PointFlow
	Incidents              []Incident
	ChildrenByPoint        []ChildRow
	ChildrenByNationality  []ChildRow
	Returns                []ReturnRow // by receiving country
	Funnel                 []FunnelRow // by country of return
	Centres                []CentreRow
	Agencies               []string
	Completeness           []Completeness
	Method                 Method
	Outlines               []Outline
	DashboardURL, FileName string
}

// Headline is one role and type: the period against the previous one and a year before.
type Headline struct {
	Role, Type                       string
	Current, Previous, YearBefore    Figure
	HasPrevious, HasYearBefore, Seen bool
}

// PointFlow is a point's persons in the period and whether an alert is open there or was in
// the period.
type PointFlow struct {
	ID, Name, Country string
	Lat, Lon          float64
	Persons           Figure
	Alert             string // "open", "recent" or ""
}

// Incident is a surge followed in the period: its lead series' judged periods around it.
type Incident struct {
	ID, Place, Country, Type, Role, Population, Nationality, Resolution string
	Onset, PeakAt                                                       time.Time
	Peak                                                                Figure
	Status, Severity                                                    string
	Band                                                                []BandPoint
}

// BandPoint is one judged period of a series: observed (published) and the expected band.
type BandPoint struct {
	At              time.Time
	Observed        Figure
	Expected, Upper float64
}

// ChildRow is minors and unaccompanied minors at a point or of a nationality (k 10).
type ChildRow struct {
	Name                  string
	Minors, Unaccompanied Figure
}

// ReturnRow is persons returned to a country in the period.
type ReturnRow struct {
	Country     string
	Persons     Figure
	Minors      Figure
	Previous    Figure
	HasPrevious bool
}

// FunnelRow is the reception and reintegration funnel of returnees to a country.
type FunnelRow struct {
	Country                                string
	Returned, Received, Referred, Enrolled Figure
}

// CentreRow is one reception centre's received, referred and enrolled.
type CentreRow struct {
	Name, Country                string
	Received, Referred, Enrolled Figure
}

// Completeness is the time up to which every agency reporting at a point has sent events.
type Completeness struct {
	Point, Name string
	Agencies    []string
	Through     time.Time
}

// Method is the default surge detector and its parameters.
type Method struct {
	Name     string
	Baseline int
	MinCount float64
	Levels   [3]float64
}

// Outline is a country's outline for the map, rings of [lon, lat].
type Outline struct {
	ISO3  string
	Rings [][][2]float64
}
