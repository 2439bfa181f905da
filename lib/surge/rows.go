package surge

import "time"

// The rows the detect stage reads from storage and writes back: they live here, with the
// methods, so that the ClickHouse sink and the stage share them without importing a stage.

// Total is what storage holds for one window period of one point, type, role and
// nationality (all demographies summed).
type Total struct {
	Start         time.Time
	PointID       string
	Country       string
	Type          string
	Role          string
	Nationality   string
	Persons       float64
	Minors        float64
	Unaccompanied float64
}

// Seen is a point's first window.
type Seen struct {
	PointID, Country string
	First            time.Time
}

// Band is one judged period of one series: what the dashboards draw as the expected band.
type Band struct {
	Series      SeriesKey
	PeriodStart time.Time
	Verdict
	Method   string
	JudgedAt time.Time
}
