package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/lib/windowing"
	"github.com/vigia-observatory/vigia/schemas"
)

// Recounter counts a point's events from the events table (FINAL: every stored event once,
// whatever its arrival order or delay), in the window table's key.
type Recounter struct {
	Conn     driver.Conn
	Database string
}

// Hours returns the hourly (UTC) window rows of a point over [from, to) (Unix seconds,
// whole hours), counted from every stored event: one query, whatever the number of windows.
func (r Recounter) Hours(ctx context.Context, pointID string, from, to int64) ([]windowing.Row, error) {
	rows, err := r.Conn.Query(ctx, `SELECT toUnixTimestamp(toStartOfHour(occurred_at)) AS hour, point_country, type, role,
		nationality, sex, age_band, minor, unaccompanied, category, sum(count), count()
		FROM `+r.Database+`.events FINAL
		WHERE point_id = ? AND occurred_at >= ? AND occurred_at < ? AND `+windowing.CountedSQL+`
		GROUP BY hour, point_country, type, role, nationality, sex, age_band, minor, unaccompanied, category`,
		pointID, time.Unix(from, 0).UTC(), time.Unix(to, 0).UTC())
	if err != nil {
		return nil, fmt.Errorf("cannot recount the windows of %s from %s: %w", pointID, time.Unix(from, 0).UTC().Format(time.RFC3339), err)
	}
	defer rows.Close()
	var out []windowing.Row
	for rows.Next() {
		k := windowing.Key{Resolution: windowing.Hour, PointID: pointID}
		var hour uint32
		var typ, role, sex, cat int8
		var band string
		var minor, unacc uint8
		var persons, events uint64
		if err := rows.Scan(&hour, &k.PointCountry, &typ, &role, &k.Nationality, &sex, &band, &minor, &unacc, &cat, &persons, &events); err != nil {
			return nil, fmt.Errorf("cannot read a recounted window of %s: %w", pointID, err)
		}
		k.Start = int64(hour)
		k.Type, k.Role, k.Sex, k.Category = schemas.EventType(typ), schemas.Role(role), schemas.Sex(sex), wire.Category(cat)
		k.AgeBand, k.Minor, k.Unaccompanied = wire.ParseAgeBand(band), minor == 1, unacc == 1
		out = append(out, windowing.Row{Key: k, Persons: persons, Events: events})
	}
	return out, rows.Err()
}
