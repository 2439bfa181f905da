package clickhouse

import (
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/processors/surge"
)

// AlertRow is one lifecycle change of an alert as stored: every version is a row, and the
// latest version (argMax by version) is the alert's state, for the alerts dashboard and for
// restoring open alerts after a restart.
type AlertRow struct {
	surge.Alert
	Method    string
	ChangedAt time.Time
}

// AlertsTable writes AlertRows to <db>.alerts.
type AlertsTable struct{}

func (AlertsTable) Name() string { return "alerts" }

func (AlertsTable) Columns() []string {
	return []string{"alert_id", "version", "state", "series", "point_id", "country", "type", "role", "population",
		"nationality", "resolution", "method", "severity", "period_start", "opened_at", "changed_at",
		"observed", "expected", "upper", "factor", "peak"}
}

var resolutionEnum = map[surge.Resolution]int8{surge.Hourly: 1, surge.Daily: 2, surge.Weekly: 3, surge.Monthly: 4}

func (AlertsTable) AppendColumns(b driver.Batch, rows []AlertRow) error {
	for i := range rows {
		r := &rows[i]
		s := r.Series
		if err := b.Append(r.ID, uint32(r.Version), string(r.State), s.String(), s.PointID, s.Country, s.Type, s.Role,
			s.Population, s.Nationality, resolutionEnum[s.Resolution], r.Method, int8(r.Severity), r.PeriodStart.UTC(),
			r.OpenedAt.UTC(), r.ChangedAt.UTC(), r.Observed, r.Expected, r.Upper, r.Factor(), r.Peak); err != nil {
			return err
		}
	}
	return nil
}
