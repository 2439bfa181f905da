package clickhouse

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/vigia-observatory/vigia/lib/disclosure"
)

// Published reads what changed in the internal database and writes the published layer
// (PublicDatabase): the publish stage's storage. Person counts come out raw and go back in
// protected; nothing here decides what a figure shows (lib/disclosure does).
type Published struct {
	Conn     driver.Conn
	Database string
	// LateAfter is when a record counts as late on the health dashboard: the pipeline's
	// watermark delay plus allowed lateness (its windows were recounted). Default 2h10m.
	LateAfter time.Duration
}

func (p Published) public() string { return PublicDatabase(p.Database) }

// Cell is a count of persons at one grain, period, place and breakdown.
type Cell struct {
	Grain       string
	Period      time.Time
	PointID     string
	Country     string
	Type, Role  string
	Category    string
	Minor       uint8
	Nationality string
	Persons     uint64
}

// Key names the cell for the keyed rounding: grain, period, place and breakdown.
func (c Cell) Key() []byte {
	return []byte(strings.Join([]string{c.Grain, c.Period.UTC().Format(time.RFC3339), c.PointID, c.Country, c.Type, c.Role,
		c.Category, fmt.Sprint(c.Minor), c.Nationality}, "|"))
}

// PublishedCell is a cell with its protected count.
type PublishedCell struct {
	Cell
	Value      uint64
	Suppressed bool
	K          uint8
}

// Published through: the version (publication time, ms) of the newest figure, 0 when none.
func (p Published) Through(ctx context.Context) (time.Time, error) {
	var v uint64
	if err := p.Conn.QueryRow(low(ctx), "SELECT max(version) FROM "+p.public()+".figures").Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("cannot read how far figures are published: %w", err)
	}
	return time.UnixMilli(int64(v)).UTC(), nil
}

// WindowKey is a window changed since a time: its resolution ("hour" or "day"), start and point.
type WindowKey struct {
	Resolution string
	Start      time.Time
	PointID    string
	Country    string
}

// Changed lists the hour and day windows written at or after since.
func (p Published) Changed(ctx context.Context, since time.Time) ([]WindowKey, error) {
	rows, err := p.Conn.Query(low(ctx), `SELECT DISTINCT toString(resolution), window_start, point_id, point_country
		FROM `+p.Database+`.windows WHERE computed_at >= ? AND resolution IN ('hour', 'day')`, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("cannot list the windows changed since %s: %w", since.Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []WindowKey
	for rows.Next() {
		var k WindowKey
		if err := rows.Scan(&k.Resolution, &k.Start, &k.PointID, &k.Country); err != nil {
			return nil, fmt.Errorf("cannot read a changed window: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// PointCells counts persons by point, window start, type, role, category and minor over the
// windows of resolution res (hour or day) at the points and starts of keys.
func (p Published) PointCells(ctx context.Context, res string, keys []WindowKey) ([]Cell, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var in strings.Builder
	args := make([]any, 0, 2*len(keys))
	for i, k := range keys {
		if i > 0 {
			in.WriteString(", ")
		}
		in.WriteString("(?, ?)")
		args = append(args, k.PointID, k.Start.UTC())
	}
	return p.cells(ctx, `SELECT window_start, point_id, point_country, toString(type), toString(role), toString(category), minor, '', sum(persons)
		FROM `+p.Database+`.windows FINAL
		WHERE resolution = '`+res+`' AND (point_id, window_start) IN (`+in.String()+`)
		GROUP BY window_start, point_id, point_country, type, role, category, minor`, args...)
}

// CountryDays counts persons by local day window start, country, type, role, category,
// minor and nationality over the day windows of country starting in [from, to).
func (p Published) CountryDays(ctx context.Context, country string, from, to time.Time) ([]Cell, error) {
	return p.cells(ctx, `SELECT window_start, '', point_country, toString(type), toString(role), toString(category), minor, nationality, sum(persons)
		FROM `+p.Database+`.windows FINAL
		WHERE resolution = 'day' AND point_country = ? AND window_start >= ? AND window_start < ?
		GROUP BY window_start, point_country, type, role, category, minor, nationality`, country, from.UTC(), to.UTC())
}

func (p Published) cells(ctx context.Context, q string, args ...any) ([]Cell, error) {
	rows, err := p.Conn.Query(low(ctx), q, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot count the cells to publish: %w", err)
	}
	defer rows.Close()
	var out []Cell
	for rows.Next() {
		var c Cell
		if err := rows.Scan(&c.Period, &c.PointID, &c.Country, &c.Type, &c.Role, &c.Category, &c.Minor, &c.Nationality, &c.Persons); err != nil {
			return nil, fmt.Errorf("cannot read a cell to publish: %w", err)
		}
		c.Period = c.Period.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// WriteFigures inserts protected cells with version at (later versions replace earlier ones).
func (p Published) WriteFigures(ctx context.Context, cells []PublishedCell, at time.Time) error {
	if len(cells) == 0 {
		return nil
	}
	b, err := p.Conn.PrepareBatch(low(ctx), "INSERT INTO "+p.public()+".figures (grain, period_start, point_id, country, type, role, category, minor, nationality, persons, suppressed, k, version, published_at)")
	if err != nil {
		return fmt.Errorf("cannot publish figures: %w", err)
	}
	version := uint64(at.UnixMilli())
	for _, c := range cells {
		if err := b.Append(c.Grain, c.Period, c.PointID, c.Country, c.Type, c.Role, c.Category, c.Minor, c.Nationality,
			c.Value, b2u(c.Suppressed), c.K, version, at.UTC()); err != nil {
			return fmt.Errorf("cannot publish figures: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("cannot publish figures: %w", err)
	}
	return nil
}

// CopyPoints refreshes the published points registry (a hundred rows: every turn, so a
// registry loaded after the pipeline started is seen within a turn).
func (p Published) CopyPoints(ctx context.Context) error {
	err := p.Conn.Exec(low(ctx), "INSERT INTO "+p.public()+".points SELECT id, name, country, kind, latitude, longitude, loaded_at FROM "+p.Database+".points FINAL")
	if err != nil {
		return fmt.Errorf("cannot publish the points registry: %w", err)
	}
	return nil
}

// CopyPublic refreshes the published tables that hold no person count and follow the
// events: per agency and point the newest event time and its records, the DLQ by agency,
// reason and stage, and the pipeline's counters written since since.
func (p Published) CopyPublic(ctx context.Context, since, at time.Time) error {
	pub, db := p.public(), p.Database
	late := int64(p.LateAfter / time.Second)
	if late == 0 {
		late = 7800
	}
	for _, q := range []struct {
		what string
		sql  string
		args []any
	}{
		// At consulates and reception centres a record is one person's case or referral: their
		// record counts would be person counts under no protection, so they are published as 0
		// (the newest event time, what completeness needs, is still shown).
		{"completeness", "INSERT INTO " + pub + ".agency_points SELECT agency, point_id, max(occurred_at), if(personal, 0, count()), if(personal, 0, countIf(toInt64(toUInt32(ingested_at)) - toInt64(toUInt32(occurred_at)) > ?)), ? FROM (SELECT agency, point_id, occurred_at, ingested_at, point_id IN (SELECT id FROM " + db + ".points FINAL WHERE kind IN ('consulate', 'reception_centre', 'child_reception_centre')) AS personal FROM " + db + ".events) GROUP BY agency, point_id, personal", []any{late, at.UTC()}},
		{"DLQ summary", "INSERT INTO " + pub + ".dlq_summary SELECT agency, reason, stage, count(), max(received_at), ? FROM " + db + ".dlq_records FINAL GROUP BY agency, reason, stage", []any{at.UTC()}},
		{"pipeline counters", "INSERT INTO " + pub + ".pipeline_stats SELECT ts, stage, instance, records_in, records_out, records_dlq, lag FROM " + db + ".pipeline_stats WHERE ts >= ?", []any{since.UTC()}},
	} {
		if err := p.Conn.Exec(low(ctx), q.sql, q.args...); err != nil {
			return fmt.Errorf("cannot publish the %s: %w", q.what, err)
		}
	}
	return nil
}

// PublicAlerts copies the alerts changed at or after since to the published layer, their
// counts protected by rule as their series' cells (disclosure.SeriesCell, PeakCell).
func (p Published) PublicAlerts(ctx context.Context, since time.Time, rule disclosure.Rule) (int, error) {
	rows, err := p.Conn.Query(low(ctx), `SELECT alert_id, version, toString(state), series, point_id, country, type, role, population, nationality,
		toString(resolution), method, toString(severity), period_start, opened_at, changed_at, observed, expected, upper, peak, detected_late, reason, kind, incident_id
		FROM `+p.Database+`.alerts FINAL WHERE changed_at >= ?`, since.UTC())
	if err != nil {
		return 0, fmt.Errorf("cannot read the alerts to publish: %w", err)
	}
	defer rows.Close()
	b, err := p.Conn.PrepareBatch(low(ctx), "INSERT INTO "+p.public()+".alerts (alert_id, version, state, point_id, country, type, role, population, nationality, resolution, method, severity, period_start, opened_at, changed_at, observed, observed_suppressed, expected, upper, peak, peak_suppressed, detected_late, reason, k, kind, incident_id)")
	if err != nil {
		return 0, fmt.Errorf("cannot publish alerts: %w", err)
	}
	n := 0
	for ; rows.Next(); n++ {
		var id, state, series, point, country, typ, role, pop, nat, res, method, sev, reason, kind, incident string
		var version uint32
		var period, opened, changed time.Time
		var observed, expected, upper, peak float64
		var late uint8
		if err := rows.Scan(&id, &version, &state, &series, &point, &country, &typ, &role, &pop, &nat, &res, &method, &sev,
			&period, &opened, &changed, &observed, &expected, &upper, &peak, &late, &reason, &kind, &incident); err != nil {
			return 0, fmt.Errorf("cannot read an alert to publish: %w", err)
		}
		o := rule.Series(disclosure.SeriesCell(series, period), observed, pop)
		pk := rule.Series(disclosure.PeakCell(series, id), peak, pop)
		if err := b.Append(id, version, state, point, country, typ, role, pop, nat, res, method, sev, period, opened, changed,
			o.Value, b2u(o.Suppressed), math.Round(expected), math.Round(upper), pk.Value, b2u(pk.Suppressed), late, reason, uint8(o.K), kind, incident); err != nil {
			return 0, fmt.Errorf("cannot publish alerts: %w", err)
		}
	}
	return n, finish(rows, b, n, "alerts")
}

// PublicBands copies the judged periods written at or after since, observed protected with
// the same cell as the alerts of the series.
func (p Published) PublicBands(ctx context.Context, since time.Time, rule disclosure.Rule) (int, error) {
	rows, err := p.Conn.Query(low(ctx), `SELECT toString(resolution), series, point_id, country, type, role, population, nationality,
		period_start, observed, expected, upper, toString(severity), judged_at
		FROM `+p.Database+`.surge_bands FINAL WHERE judged_at >= ?`, since.UTC())
	if err != nil {
		return 0, fmt.Errorf("cannot read the judged periods to publish: %w", err)
	}
	defer rows.Close()
	b, err := p.Conn.PrepareBatch(low(ctx), "INSERT INTO "+p.public()+".surge_bands (resolution, point_id, country, type, role, population, nationality, period_start, observed, suppressed, expected, upper, severity, k, judged_at)")
	if err != nil {
		return 0, fmt.Errorf("cannot publish judged periods: %w", err)
	}
	n := 0
	for ; rows.Next(); n++ {
		var res, series, point, country, typ, role, pop, nat, sev string
		var period, judged time.Time
		var observed, expected, upper float64
		if err := rows.Scan(&res, &series, &point, &country, &typ, &role, &pop, &nat, &period, &observed, &expected, &upper, &sev, &judged); err != nil {
			return 0, fmt.Errorf("cannot read a judged period to publish: %w", err)
		}
		o := rule.Series(disclosure.SeriesCell(series, period), observed, pop)
		if err := b.Append(res, point, country, typ, role, pop, nat, period, o.Value, b2u(o.Suppressed), math.Round(expected), math.Round(upper), sev, uint8(o.K), judged); err != nil {
			return 0, fmt.Errorf("cannot publish judged periods: %w", err)
		}
	}
	return n, finish(rows, b, n, "judged periods")
}

// finish sends the batch copied from rows (n rows; none: the batch is dropped).
func finish(rows driver.Rows, b driver.Batch, n int, what string) error {
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read the %s to publish: %w", what, err)
	}
	if n == 0 {
		return b.Abort()
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("cannot publish the %s: %w", what, err)
	}
	return nil
}

// low runs the publish stage's queries on one thread at a lower priority than the other
// stages' (ClickHouse's `priority`: a higher number waits while lower ones run): upkeep of
// the published layer recounts whole months of windows, and on a small machine it took the
// CPU the detector needed (a replay's detector fell minutes behind in a CI run).
func low(ctx context.Context) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"max_threads": 1, "priority": 10}))
}
