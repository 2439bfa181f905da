package clickhouse

import (
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/vigia-observatory/vigia/lib/surge"
)

// BandsTable writes judged periods to <db>.surge_bands, the dashboards' expected band.
type BandsTable struct{}

func (BandsTable) Name() string { return "surge_bands" }

func (BandsTable) Columns() []string {
	return []string{"resolution", "series", "point_id", "country", "type", "role", "population", "nationality",
		"period_start", "observed", "expected", "upper", "severity", "method", "judged_at"}
}

func (BandsTable) AppendColumns(b driver.Batch, rows []surge.Band) error {
	for i := range rows {
		r := &rows[i]
		k := r.Series
		if err := b.Append(string(k.Resolution), k.String(), k.PointID, k.Country, k.Type, k.Role, k.Population, k.Nationality,
			r.PeriodStart.UTC(), r.Observed, r.Expected, r.Upper, r.Severity.String(), r.Method, r.JudgedAt.UTC()); err != nil {
			return err
		}
	}
	return nil
}
