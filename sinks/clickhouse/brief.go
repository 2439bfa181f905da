package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigia-observatory/vigia/schemas"
)

// BriefCell is a count of persons of the observatory's brief (consular assistance, the
// returns funnel, services, protection needs) at one grain and local month; fields a grain
// does not break down by are empty (see migration 013).
type BriefCell struct {
	Grain, Measure string
	Period         time.Time // the first of the local month, 00:00 UTC
	PointID        string
	Country        string
	Nationality    string
	Subdivision    string
	Type           string
	Code, Status   string
	Category       string
	Minor          uint8
	Persons        uint64
}

// Key names the cell for the keyed rounding.
func (c BriefCell) Key() []byte {
	return []byte(strings.Join([]string{"brief", c.Grain, c.Measure, c.Period.UTC().Format(time.RFC3339), c.PointID, c.Country,
		c.Nationality, c.Subdivision, c.Type, c.Code, c.Status, c.Category, fmt.Sprint(c.Minor)}, "|"))
}

// Children reports whether the cell takes the children's threshold: it counts minors, or it
// counts a protection need (special-category data, k 10 whoever it is about).
func (c BriefCell) Children() bool { return c.Minor == 1 || c.Measure == "protection" }

// PublishedBrief is a brief cell with its protected count.
type PublishedBrief struct {
	BriefCell
	Value      uint64
	Suppressed bool
	K          uint8
}

// BriefStoreLag is how far behind its ingest an event of the brief's types may be stored and
// still have its month recounted by the turn that follows (see BriefMonths).
const BriefStoreLag = 6 * time.Hour

// BriefMonths are the local months whose brief may have changed since since: those of the
// protection counts written since, and those of the brief's events (returns, consular cases,
// referrals) ingested since since less BriefStoreLag. The events are read as well as the
// windows' changes because a case's closing changes no window, and the store stage may write
// an event after the window stage wrote its window.
func (p Published) BriefMonths(ctx context.Context, since time.Time) ([]time.Time, error) {
	seen := map[time.Time]bool{}
	var out []time.Time
	add := func(m time.Time) {
		if m = m.UTC(); !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	for _, q := range []struct {
		sql   string
		since time.Time
	}{
		{"SELECT DISTINCT day FROM " + p.Database + ".protection_counts WHERE computed_at >= ?", since},
		// An event's local month is that of its UTC time within 14 hours either way.
		{"SELECT DISTINCT arrayJoin([toStartOfDay(occurred_at - 50400), toStartOfDay(occurred_at + 50400)]) FROM " + p.Database +
			".events WHERE ingested_at >= ? AND type IN ('return', 'assistance', 'referral')", since.Add(-BriefStoreLag)},
	} {
		rows, err := p.Conn.Query(low(ctx), q.sql, q.since.UTC())
		if err != nil {
			return nil, fmt.Errorf("cannot list the brief's months changed since %s: %w", since.Format(time.RFC3339), err)
		}
		for rows.Next() {
			var day time.Time
			if err := rows.Scan(&day); err != nil {
				rows.Close()
				return nil, fmt.Errorf("cannot read a changed month of the brief: %w", err)
			}
			add(MonthOf(day))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MonthOf is the local month of a day window starting at start (its local midnight in UTC):
// noon after it falls on the local date for every zone from UTC-11 to UTC+11.
func MonthOf(start time.Time) time.Time {
	d := start.UTC().Add(12 * time.Hour)
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// BriefCells counts every brief cell of the local month that starts at month: events of the
// brief's types from events FINAL by hour (each hour goes to its point's local month, zone
// gives the point's time zone), protection needs from protection_counts FINAL.
func (p Published) BriefCells(ctx context.Context, month time.Time, zone func(string) *time.Location) ([]BriefCell, error) {
	from, to := month.Add(-14*time.Hour), month.AddDate(0, 1, 0).Add(14*time.Hour)
	sums := map[BriefCell]uint64{}
	if err := p.briefEvents(ctx, month, from, to, zone, sums); err != nil {
		return nil, err
	}
	if err := p.briefNeeds(ctx, month, from, to, sums); err != nil {
		return nil, err
	}
	out := make([]BriefCell, 0, len(sums))
	for c, n := range sums {
		c.Persons = n
		out = append(out, c)
	}
	return out, nil
}

func (p Published) briefEvents(ctx context.Context, month, from, to time.Time, zone func(string) *time.Location, sums map[BriefCell]uint64) error {
	rows, err := p.Conn.Query(low(ctx), `SELECT toString(type), point_id, point_country, toStartOfHour(occurred_at), nationality,
		origin_subdivision, reception_point_id, assistance_country, toString(case_type), toString(case_status), toString(service),
		toString(outcome), toString(category), minor, sum(count)
		FROM `+p.Database+`.events FINAL
		WHERE type IN ('return', 'assistance', 'referral') AND occurred_at >= ? AND occurred_at < ?
		GROUP BY type, point_id, point_country, toStartOfHour(occurred_at), nationality, origin_subdivision, reception_point_id,
			assistance_country, case_type, case_status, service, outcome, category, minor`, from.UTC(), to.UTC())
	if err != nil {
		return fmt.Errorf("cannot count the brief of %s: %w", month.Format("2006-01"), err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, point, country, nat, sub, recv, asst, caseType, caseStatus, service, outcome, cat string
		var hour time.Time
		var minor uint8
		var n uint64
		if err := rows.Scan(&typ, &point, &country, &hour, &nat, &sub, &recv, &asst, &caseType, &caseStatus, &service, &outcome, &cat, &minor, &n); err != nil {
			return fmt.Errorf("cannot read the brief of %s: %w", month.Format("2006-01"), err)
		}
		lt := hour.In(zone(point))
		if lt.Year() != month.Year() || lt.Month() != month.Month() {
			continue
		}
		add := func(c BriefCell) {
			c.Period, c.Category, c.Minor = month, cat, minor
			sums[c] += n
		}
		switch typ {
		case schemas.Assistance.String():
			add(BriefCell{Grain: "consular_month", Measure: "assistance", Country: asst, Nationality: nat, Type: typ, Code: caseType, Status: caseStatus})
		case schemas.Return.String():
			add(BriefCell{Grain: "subdivision_month", Measure: "returned", Country: country, Subdivision: sub})
			if recv != "" {
				add(BriefCell{Grain: "subdivision_month", Measure: "received", Country: country, Subdivision: sub})
				add(BriefCell{Grain: "centre_month", Measure: "received", PointID: recv, Country: country})
			}
		case schemas.Referral.String():
			add(BriefCell{Grain: "subdivision_month", Measure: "referred", Country: country, Subdivision: sub})
			add(BriefCell{Grain: "centre_month", Measure: "referred", PointID: point, Country: country})
			add(BriefCell{Grain: "service_month", Measure: "referred", PointID: point, Country: country, Code: service, Status: outcome})
			if outcome == schemas.Enrolled.String() {
				add(BriefCell{Grain: "subdivision_month", Measure: "enrolled", Country: country, Subdivision: sub})
				add(BriefCell{Grain: "centre_month", Measure: "enrolled", PointID: point, Country: country})
			}
		}
	}
	return rows.Err()
}

func (p Published) briefNeeds(ctx context.Context, month, from, to time.Time, sums map[BriefCell]uint64) error {
	rows, err := p.Conn.Query(low(ctx), `SELECT day, point_id, point_country, toString(type), minor, need, sum(persons)
		FROM `+p.Database+`.protection_counts FINAL WHERE day >= ? AND day < ?
		GROUP BY day, point_id, point_country, type, minor, need`, from.UTC(), to.UTC())
	if err != nil {
		return fmt.Errorf("cannot count the protection needs of %s: %w", month.Format("2006-01"), err)
	}
	defer rows.Close()
	for rows.Next() {
		var day time.Time
		var point, country, typ, need string
		var minor uint8
		var n uint64
		if err := rows.Scan(&day, &point, &country, &typ, &minor, &need, &n); err != nil {
			return fmt.Errorf("cannot read the protection needs of %s: %w", month.Format("2006-01"), err)
		}
		if MonthOf(day).Equal(month) {
			sums[BriefCell{Grain: "protection_month", Measure: "protection", Period: month, PointID: point, Country: country,
				Type: typ, Code: need, Category: "unknown", Minor: minor}] += n
		}
	}
	return rows.Err()
}

// WriteBrief inserts protected brief cells with version at.
func (p Published) WriteBrief(ctx context.Context, cells []PublishedBrief, at time.Time) error {
	if len(cells) == 0 {
		return nil
	}
	b, err := p.Conn.PrepareBatch(low(ctx), "INSERT INTO "+p.public()+".brief (grain, measure, period_start, point_id, country, nationality, subdivision, type, code, status, category, minor, persons, suppressed, k, version, published_at)")
	if err != nil {
		return fmt.Errorf("cannot publish the brief: %w", err)
	}
	version := uint64(at.UnixMilli())
	for _, c := range cells {
		if err := b.Append(c.Grain, c.Measure, c.Period, c.PointID, c.Country, c.Nationality, c.Subdivision, c.Type, c.Code, c.Status,
			c.Category, c.Minor, c.Value, b2u(c.Suppressed), c.K, version, at.UTC()); err != nil {
			return fmt.Errorf("cannot publish the brief: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("cannot publish the brief: %w", err)
	}
	return nil
}

// CopySubdivisions writes the shipped subdivisions list to the published layer when it holds
// another number of them (map panels place origin subdivisions by it).
func (p Published) CopySubdivisions(ctx context.Context, list *schemas.Subdivisions) error {
	var have uint64
	if err := p.Conn.QueryRow(low(ctx), "SELECT count() FROM "+p.public()+".subdivisions FINAL").Scan(&have); err != nil {
		return fmt.Errorf("cannot read the published subdivisions: %w", err)
	}
	if have == uint64(len(list.All())) {
		return nil
	}
	b, err := p.Conn.PrepareBatch(low(ctx), "INSERT INTO "+p.public()+".subdivisions (code, country, name, latitude, longitude, loaded_at)")
	if err != nil {
		return fmt.Errorf("cannot publish the subdivisions: %w", err)
	}
	now := time.Now().UTC()
	for _, d := range list.All() {
		if err := b.Append(d.Code, d.Country, d.Name, d.Latitude, d.Longitude, now); err != nil {
			return fmt.Errorf("cannot publish the subdivisions: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("cannot publish the subdivisions: %w", err)
	}
	return nil
}
