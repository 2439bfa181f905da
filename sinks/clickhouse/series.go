package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// SeriesSource is the detect stage's view of storage: settled window counts, each point's
// first window, and the open alerts.
type SeriesSource struct {
	Conn     driver.Conn
	Database string
}

var windowResolutions = map[surge.Resolution]string{surge.Hourly: "hour", surge.Daily: "day"}

// Totals implements detect.Source: FINAL, so a window re-emitted after a late event counts
// once, at its latest version.
func (s SeriesSource) Totals(ctx context.Context, res surge.Resolution, from, to time.Time) ([]surge.Total, error) {
	r, ok := windowResolutions[res]
	if !ok {
		return nil, fmt.Errorf("no %s windows are stored", res)
	}
	q := `SELECT window_start, point_id, point_country, toString(type), toString(role), nationality,
		sum(persons), sumIf(persons, minor = 1), sumIf(persons, unaccompanied = 1)
		FROM ` + s.Database + `.windows FINAL
		WHERE resolution = '` + r + `' AND window_start >= ? AND window_start < ?
		GROUP BY window_start, point_id, point_country, type, role, nationality`
	rows, err := s.Conn.Query(ctx, q, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("cannot read %s window totals: %w", r, err)
	}
	defer rows.Close()
	var out []surge.Total
	for rows.Next() {
		var t surge.Total
		var persons, minors, unacc uint64
		if err := rows.Scan(&t.Start, &t.PointID, &t.Country, &t.Type, &t.Role, &t.Nationality, &persons, &minors, &unacc); err != nil {
			return nil, fmt.Errorf("cannot read %s window totals: %w", r, err)
		}
		t.Persons, t.Minors, t.Unaccompanied = float64(persons), float64(minors), float64(unacc)
		out = append(out, t)
	}
	return out, rows.Err()
}

// FirstSeen implements detect.Source.
func (s SeriesSource) FirstSeen(ctx context.Context, res surge.Resolution) ([]surge.Seen, error) {
	r, ok := windowResolutions[res]
	if !ok {
		return nil, fmt.Errorf("no %s windows are stored", res)
	}
	rows, err := s.Conn.Query(ctx, `SELECT point_id, any(point_country), min(window_start) FROM `+s.Database+
		`.windows WHERE resolution = '`+r+`' GROUP BY point_id`)
	if err != nil {
		return nil, fmt.Errorf("cannot read first windows: %w", err)
	}
	defer rows.Close()
	var out []surge.Seen
	for rows.Next() {
		var x surge.Seen
		if err := rows.Scan(&x.PointID, &x.Country, &x.First); err != nil {
			return nil, fmt.Errorf("cannot read first windows: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// OpenAlerts implements detect.Source.
func (s SeriesSource) OpenAlerts(ctx context.Context) ([]surge.Alert, error) {
	return OpenAlerts(ctx, s.Conn, s.Database)
}

// Alerts implements detect.Source.
func (s SeriesSource) Alerts(ctx context.Context, res surge.Resolution, since time.Time) ([]surge.Alert, error) {
	return RevisableAlerts(ctx, s.Conn, s.Database, res, since)
}
