package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

// AlertsTable writes alert changes to <db>.alerts: every version is a row, and the latest
// version (argMax by version) is the alert's state, for the alerts dashboard and for
// restoring open alerts after a restart.
type AlertsTable struct{}

func (AlertsTable) Name() string { return "alerts" }

func (AlertsTable) Columns() []string {
	return []string{"alert_id", "version", "state", "series", "point_id", "country", "type", "role", "population",
		"nationality", "resolution", "method", "severity", "period_start", "opened_at", "changed_at",
		"observed", "expected", "upper", "factor", "peak", "detected_late", "reason", "kind", "incident_id"}
}

func (AlertsTable) AppendColumns(b driver.Batch, rows []schemas.AlertChange) error {
	for i := range rows {
		r := &rows[i]
		if err := b.Append(r.AlertID, uint32(r.Version), r.State, r.Series, r.PointID, r.Country, r.Type, r.Role,
			r.Population, r.Nationality, r.Resolution, r.Method, r.Severity, r.PeriodStart.UTC(),
			r.OpenedAt.UTC(), r.ChangedAt.UTC(), r.Observed, r.Expected, r.Upper, r.Factor, r.Peak, b2u(r.DetectedLate), r.Reason, r.Kind, r.IncidentID); err != nil {
			return err
		}
	}
	return nil
}

var severities = map[string]surge.Severity{"watch": surge.SeverityWatch, "warning": surge.SeverityWarning, "alert": surge.SeverityAlert}

// OpenAlerts reads the latest version of every alert not resolved, for the detect stage to
// restore at start-up: a surge in progress is then updated and resolved, not opened again.
func OpenAlerts(ctx context.Context, conn driver.Conn, db string) ([]surge.Alert, error) {
	return latestAlerts(ctx, conn, db, "st != 'resolved'")
}

// RevisableAlerts reads the latest version of every alert of resolution res that is not
// resolved, or that opened or last changed at or after since: what a revision of the periods
// from since on may change.
func RevisableAlerts(ctx context.Context, conn driver.Conn, db string, res surge.Resolution, since time.Time) ([]surge.Alert, error) {
	return latestAlerts(ctx, conn, db, "res = ? AND (st != 'resolved' OR ps >= ? OR op >= ?)", string(res), since.UTC(), since.UTC())
}

func latestAlerts(ctx context.Context, conn driver.Conn, db, having string, args ...any) ([]surge.Alert, error) {
	q := `SELECT alert_id, max(version) AS v, argMax(toString(state), version) AS st,
		argMax(point_id, version), argMax(country, version), argMax(type, version), argMax(role, version),
		argMax(population, version), argMax(nationality, version), argMax(toString(resolution), version) AS res,
		argMax(toString(severity), version), argMax(period_start, version) AS ps, argMax(opened_at, version) AS op,
		argMax(observed, version), argMax(expected, version), argMax(upper, version), argMax(peak, version),
		argMax(reason, version), argMax(kind, version), argMax(incident_id, version)
		FROM ` + db + `.alerts GROUP BY alert_id HAVING ` + having
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read alerts: %w", err)
	}
	defer rows.Close()
	var out []surge.Alert
	for rows.Next() {
		var a surge.Alert
		var version uint32
		var state, res, sev string
		k := &a.Series
		if err := rows.Scan(&a.ID, &version, &state, &k.PointID, &k.Country, &k.Type, &k.Role, &k.Population,
			&k.Nationality, &res, &sev, &a.PeriodStart, &a.OpenedAt, &a.Observed, &a.Expected, &a.Upper, &a.Peak, &a.Reason, &k.Kind, &a.Incident); err != nil {
			return nil, fmt.Errorf("cannot read alerts: %w", err)
		}
		a.Version, a.State, a.Severity = int(version), surge.State(state), severities[sev]
		k.Resolution = surge.Resolution(res)
		a.PeriodStart, a.OpenedAt = a.PeriodStart.UTC(), a.OpenedAt.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}
