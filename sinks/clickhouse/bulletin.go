package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/lib/bulletin"
)

// Bulletin reads a bulletin's figures from the published layer only (<database>_public): the
// user that runs it needs no right on the internal database (vigia_grafana can).
type Bulletin struct {
	Conn     driver.Conn
	Database string // the internal database's name; the bulletin reads its _public layer
}

func (b Bulletin) pub() string { return PublicDatabase(b.Database) }

// Read fills the bulletin's data for period p (everything but the outlines and the texts).
func (b Bulletin) Read(ctx context.Context, p bulletin.Period) (bulletin.Data, error) {
	d := bulletin.Data{Period: p, Previous: p.Previous(), YearBefore: p.YearBefore(), GeneratedAt: time.Now().UTC()}
	steps := []struct {
		what string
		read func(context.Context, *bulletin.Data) error
	}{
		{"headline figures", b.headline}, {"points", b.points}, {"incidents", b.incidents},
		{"children's figures", b.children}, {"returns", b.returns}, {"reception and reintegration", b.funnel},
		{"sources and completeness", b.completeness},
	}
	for _, s := range steps {
		if err := s.read(ctx, &d); err != nil {
			return d, fmt.Errorf("cannot read the bulletin's %s: %w", s.what, err)
		}
	}
	return d, nil
}

// grain is the country grain of the period's kind.
func grain(p bulletin.Period) string {
	if p.Kind == "week" {
		return "country_week"
	}
	return "country_month"
}

func fig(v uint64, suppressed uint8, k uint8) bulletin.Figure {
	return bulletin.Figure{Value: v, Suppressed: suppressed == 1, K: uint64(k)}
}

func (b Bulletin) headline(ctx context.Context, d *bulletin.Data) error {
	rows, err := b.Conn.Query(ctx, `SELECT toString(role), toString(type), period_start, sum(persons)
		FROM `+b.pub()+`.figures FINAL WHERE grain = ? AND period_start IN (?, ?, ?)
		GROUP BY role, type, period_start`, grain(d.Period), d.Period.Start, d.Previous.Start, d.YearBefore.Start)
	if err != nil {
		return err
	}
	defer rows.Close()
	by := map[[2]string]*bulletin.Headline{}
	for _, role := range []string{"origin", "transit", "destination"} {
		for _, typ := range []string{"crossing", "detention", "return"} {
			h := &bulletin.Headline{Role: role, Type: typ, Current: bulletin.Figure{K: 5}, Previous: bulletin.Figure{K: 5}, YearBefore: bulletin.Figure{K: 5}}
			by[[2]string{role, typ}] = h
		}
	}
	for rows.Next() {
		var role, typ string
		var at time.Time
		var n uint64
		if err := rows.Scan(&role, &typ, &at, &n); err != nil {
			return err
		}
		h := by[[2]string{role, typ}]
		if h == nil {
			continue
		}
		f := bulletin.Figure{Value: n, K: 5}
		switch {
		case at.Equal(d.Period.Start):
			h.Current, h.Seen = f, true
		case at.Equal(d.Previous.Start):
			h.Previous, h.HasPrevious = f, true
		case at.Equal(d.YearBefore.Start):
			h.YearBefore, h.HasYearBefore = f, true
		}
	}
	for _, role := range []string{"origin", "transit", "destination"} {
		for _, typ := range []string{"crossing", "detention", "return"} {
			d.Headline = append(d.Headline, *by[[2]string{role, typ}])
		}
	}
	return rows.Err()
}

func (b Bulletin) points(ctx context.Context, d *bulletin.Data) error {
	rows, err := b.Conn.Query(ctx, `SELECT p.id, p.name, p.country, p.latitude, p.longitude, f.persons
		FROM (SELECT id, name, country, latitude, longitude FROM `+b.pub()+`.points FINAL) AS p
		ANY INNER JOIN (SELECT point_id AS id, sum(persons) AS persons FROM `+b.pub()+`.figures FINAL
			WHERE grain = 'point_day' AND period_start >= ? AND period_start < ? GROUP BY point_id) AS f USING id
		ORDER BY f.persons DESC, p.id`, d.Period.Start, d.Period.End)
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := map[string]int{}
	for rows.Next() {
		var pf bulletin.PointFlow
		var n uint64
		if err := rows.Scan(&pf.ID, &pf.Name, &pf.Country, &pf.Lat, &pf.Lon, &n); err != nil {
			return err
		}
		pf.Persons = bulletin.Figure{Value: n, K: 5}
		idx[pf.ID] = len(d.Points)
		d.Points = append(d.Points, pf)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// An alert is open at a point if its latest version at the period's end is not resolved;
	// recent if it judged a period inside the bulletin's.
	arows, err := b.Conn.Query(ctx, `SELECT point_id, argMax(toString(state), version), max(period_start)
		FROM `+b.pub()+`.alerts FINAL WHERE point_id != '' AND period_start < ? AND kind = ''
		GROUP BY alert_id, point_id`, d.Period.End)
	if err != nil {
		return err
	}
	defer arows.Close()
	for arows.Next() {
		var point, state string
		var last time.Time
		if err := arows.Scan(&point, &state, &last); err != nil {
			return err
		}
		i, ok := idx[point]
		if !ok {
			continue
		}
		switch {
		case state != "resolved":
			d.Points[i].Alert = "open"
		case !last.Before(d.Period.Start) && d.Points[i].Alert == "":
			d.Points[i].Alert = "recent"
		}
	}
	return arows.Err()
}

// maxIncidents bounds the incidents a bulletin details (the highest severities first).
const maxIncidents = 6

func (b Bulletin) incidents(ctx context.Context, d *bulletin.Data) error {
	rows, err := b.Conn.Query(ctx, `SELECT incident_id, alert_id, point_id, country, type, role, population, nationality,
		toString(resolution), toString(argMax(state, version)), toString(max(severity)), minIf(period_start, state = 'opened'),
		max(peak), max(peak_suppressed), max(k), argMax(period_start, observed)
		FROM `+b.pub()+`.alerts FINAL
		WHERE kind = '' AND period_start < ?
		GROUP BY incident_id, alert_id, point_id, country, type, role, population, nationality, resolution
		HAVING max(period_start) >= ?
		ORDER BY max(severity) DESC, max(peak) DESC, alert_id`, d.Period.End, d.Period.Start)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var in bulletin.Incident
		var alertID string
		var peak uint64
		var sup, k uint8
		if err := rows.Scan(&in.ID, &alertID, &in.Place, &in.Country, &in.Type, &in.Role, &in.Population, &in.Nationality,
			&in.Resolution, &in.Status, &in.Severity, &in.Onset, &peak, &sup, &k, &in.PeakAt); err != nil {
			return err
		}
		key := in.ID
		if key == "" {
			key = alertID
		}
		if seen[key] || len(d.Incidents) == maxIncidents { // one series per incident: its strongest
			continue
		}
		seen[key] = true
		in.Peak = fig(peak, sup, k)
		d.Incidents = append(d.Incidents, in)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range d.Incidents {
		if err := b.band(ctx, &d.Incidents[i], d.Period); err != nil {
			return err
		}
	}
	return nil
}

// band reads the judged periods of an incident's series from four weeks before its onset to
// the bulletin's end.
func (b Bulletin) band(ctx context.Context, in *bulletin.Incident, p bulletin.Period) error {
	from := in.Onset.AddDate(0, 0, -28)
	if in.Onset.IsZero() || p.Start.Before(from) {
		from = p.Start.AddDate(0, 0, -28)
	}
	rows, err := b.Conn.Query(ctx, `SELECT period_start, observed, suppressed, k, expected, upper FROM `+b.pub()+`.surge_bands FINAL
		WHERE resolution = ? AND point_id = ? AND country = ? AND type = ? AND role = ? AND population = ? AND nationality = ?
			AND period_start >= ? AND period_start < ? ORDER BY period_start`,
		in.Resolution, in.Place, in.Country, in.Type, in.Role, in.Population, in.Nationality, from, p.End)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var bp bulletin.BandPoint
		var n uint64
		var sup, k uint8
		if err := rows.Scan(&bp.At, &n, &sup, &k, &bp.Expected, &bp.Upper); err != nil {
			return err
		}
		bp.Observed = fig(n, sup, k)
		in.Band = append(in.Band, bp)
	}
	return rows.Err()
}

// maxRows bounds the children's tables (the largest first).
const maxRows = 12

func (b Bulletin) children(ctx context.Context, d *bulletin.Data) error {
	q := func(sql string, args ...any) ([]bulletin.ChildRow, error) {
		rows, err := b.Conn.Query(ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []bulletin.ChildRow
		for rows.Next() {
			var r bulletin.ChildRow
			var m, u uint64
			if err := rows.Scan(&r.Name, &m, &u); err != nil {
				return nil, err
			}
			r.Minors, r.Unaccompanied = bulletin.Figure{Value: m, K: 10}, bulletin.Figure{Value: u, K: 10}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	var err error
	d.ChildrenByPoint, err = q(`SELECT any(p.name), sum(f.persons) AS m, sumIf(f.persons, f.category = 'unaccompanied_minor')
		FROM `+b.pub()+`.figures AS f FINAL ANY LEFT JOIN (SELECT id AS point_id, name FROM `+b.pub()+`.points FINAL) AS p USING point_id
		WHERE f.grain = 'point_day' AND f.minor = 1 AND f.period_start >= ? AND f.period_start < ?
		GROUP BY f.point_id HAVING m > 0 ORDER BY m DESC, f.point_id LIMIT `+fmt.Sprint(maxRows), d.Period.Start, d.Period.End)
	if err != nil {
		return err
	}
	d.ChildrenByNationality, err = q(`SELECT nationality, sum(persons) AS m, sumIf(persons, category = 'unaccompanied_minor')
		FROM `+b.pub()+`.figures FINAL WHERE grain = ? AND minor = 1 AND nationality != '' AND period_start = ?
		GROUP BY nationality HAVING m > 0 ORDER BY m DESC, nationality LIMIT `+fmt.Sprint(maxRows), grain(d.Period), d.Period.Start)
	return err
}

func (b Bulletin) returns(ctx context.Context, d *bulletin.Data) error {
	rows, err := b.Conn.Query(ctx, `SELECT country, period_start, sum(persons), sumIf(persons, minor = 1)
		FROM `+b.pub()+`.figures FINAL WHERE grain = ? AND type = 'return' AND period_start IN (?, ?)
		GROUP BY country, period_start ORDER BY country`, grain(d.Period), d.Period.Start, d.Previous.Start)
	if err != nil {
		return err
	}
	defer rows.Close()
	by := map[string]*bulletin.ReturnRow{}
	var order []string
	for rows.Next() {
		var c string
		var at time.Time
		var n, m uint64
		if err := rows.Scan(&c, &at, &n, &m); err != nil {
			return err
		}
		r := by[c]
		if r == nil {
			r = &bulletin.ReturnRow{Country: c, Persons: bulletin.Figure{K: 5}, Minors: bulletin.Figure{K: 10}, Previous: bulletin.Figure{K: 5}}
			by[c] = r
			order = append(order, c)
		}
		if at.Equal(d.Period.Start) {
			r.Persons.Value, r.Minors.Value = n, m
		} else {
			r.Previous.Value, r.HasPrevious = n, true
		}
	}
	for _, c := range order {
		d.Returns = append(d.Returns, *by[c])
	}
	return rows.Err()
}

// funnel reads the brief of the period's month (the brief is published by month: a weekly
// bulletin shows the month its week starts in).
func (b Bulletin) funnel(ctx context.Context, d *bulletin.Data) error {
	month := time.Date(d.Period.Start.Year(), d.Period.Start.Month(), 1, 0, 0, 0, 0, time.UTC)
	rows, err := b.Conn.Query(ctx, `SELECT grain, toString(measure), country, point_id, sum(persons)
		FROM `+b.pub()+`.brief FINAL WHERE grain IN ('subdivision_month', 'centre_month') AND period_start = ?
		GROUP BY grain, measure, country, point_id ORDER BY country, point_id`, month)
	if err != nil {
		return err
	}
	defer rows.Close()
	countries := map[string]*bulletin.FunnelRow{}
	centres := map[string]*bulletin.CentreRow{}
	var corder, porder []string
	for rows.Next() {
		var g, measure, country, point string
		var n uint64
		if err := rows.Scan(&g, &measure, &country, &point, &n); err != nil {
			return err
		}
		f := bulletin.Figure{Value: n, K: 5}
		if g == "subdivision_month" {
			r := countries[country]
			if r == nil {
				r = &bulletin.FunnelRow{Country: country}
				countries[country] = r
				corder = append(corder, country)
			}
			*map[string]*bulletin.Figure{"returned": &r.Returned, "received": &r.Received, "referred": &r.Referred, "enrolled": &r.Enrolled}[measure] = f
			continue
		}
		r := centres[point]
		if r == nil {
			r = &bulletin.CentreRow{Name: point, Country: country}
			centres[point] = r
			porder = append(porder, point)
		}
		switch measure {
		case "received":
			r.Received = f
		case "referred":
			r.Referred = f
		case "enrolled":
			r.Enrolled = f
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range corder {
		d.Funnel = append(d.Funnel, *countries[c])
	}
	names, err := b.pointNames(ctx)
	if err != nil {
		return err
	}
	for _, p := range porder {
		r := *centres[p]
		if n, ok := names[p]; ok {
			r.Name = n
		}
		d.Centres = append(d.Centres, r)
	}
	return nil
}

func (b Bulletin) pointNames(ctx context.Context) (map[string]string, error) {
	rows, err := b.Conn.Query(ctx, "SELECT id, name FROM "+b.pub()+".points FINAL")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// completeness lists the agencies that sent events, and per point of the bulletin the time
// up to which every agency reporting there has sent events.
func (b Bulletin) completeness(ctx context.Context, d *bulletin.Data) error {
	rows, err := b.Conn.Query(ctx, "SELECT agency, point_id, newest FROM "+b.pub()+".agency_points FINAL ORDER BY point_id, agency")
	if err != nil {
		return err
	}
	defer rows.Close()
	shown := map[string]string{}
	for _, p := range d.Points {
		shown[p.ID] = p.Name
	}
	by := map[string]*bulletin.Completeness{}
	for rows.Next() {
		var agency, point string
		var newest time.Time
		if err := rows.Scan(&agency, &point, &newest); err != nil {
			return err
		}
		if !slices.Contains(d.Agencies, agency) {
			d.Agencies = append(d.Agencies, agency)
		}
		name, ok := shown[point]
		if !ok {
			continue
		}
		c := by[point]
		if c == nil {
			c = &bulletin.Completeness{Point: point, Name: name, Through: newest}
			by[point] = c
		}
		c.Agencies = append(c.Agencies, agency)
		if newest.Before(c.Through) {
			c.Through = newest
		}
	}
	sort.Strings(d.Agencies)
	for _, p := range d.Points {
		if c, ok := by[p.ID]; ok {
			d.Completeness = append(d.Completeness, *c)
		}
	}
	return rows.Err()
}
