package clickhouse

import (
	"time"

	"github.com/vigia-observatory/vigia/lib/windowing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// WindowsTable writes window rows to <db>.windows; version = events, so a re-emission after
// a late event (more events) replaces the earlier row and a replay writes the same row again.
type WindowsTable struct{}

func (WindowsTable) Name() string { return "windows" }

func (WindowsTable) Columns() []string {
	return []string{"resolution", "window_start", "point_id", "point_country", "type", "role", "nationality",
		"sex", "age_band", "minor", "unaccompanied", "category", "persons", "events", "version", "computed_at"}
}

func (WindowsTable) AppendColumns(b driver.Batch, rows []windowing.Row) error {
	n := len(rows)
	res, typ, role, sex, cat := make([]int8, n), make([]int8, n), make([]int8, n), make([]int8, n), make([]int8, n)
	start, computed := make([]time.Time, n), make([]time.Time, n)
	point, pc, nat, band := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	minor, unacc := make([]uint8, n), make([]uint8, n)
	persons, events := make([]uint64, n), make([]uint64, n)
	now := time.Now().UTC()
	for i := range rows {
		r := &rows[i]
		res[i], typ[i], role[i], sex[i], cat[i] = int8(r.Resolution), int8(r.Type), int8(r.Role), int8(r.Sex), int8(r.Category)
		start[i], computed[i] = time.Unix(r.Start, 0).UTC(), now
		point[i], pc[i], nat[i], band[i] = r.PointID, r.PointCountry, r.Nationality, r.AgeBand.String()
		minor[i], unacc[i] = b2u(r.Minor), b2u(r.Unaccompanied)
		persons[i], events[i] = r.Persons, r.Events
	}
	for i, col := range []any{res, start, point, pc, typ, role, nat, sex, band, minor, unacc, cat, persons, events, events, computed} {
		if err := b.Column(i).Append(col); err != nil {
			return err
		}
	}
	return nil
}
