// Package audit plays the attacker against the published layer: with the rights it is given
// (the Grafana reader's), it asks every query of every dashboard, for every value its
// variables can take (point, type and role; country and nationality, and All) and for nested
// time ranges, and reports any count of persons under k
// that it can read or derive by differencing: a shown count, the difference between a range
// and the same range one period longer, or between two panels' totals over the same range.
// `vigia disclosure audit` runs it; the end-to-end test runs it after its scenario and, with
// the protection turned off, proves that it finds what the protection prevents.
package audit

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/dashboards"
)

// Config of an audit.
type Config struct {
	// Conn queries the published database with the rights of whoever is audited. Required.
	Conn driver.Conn
	// Database is the published database. Required.
	Database string
	// From and To bound the ranges tried. Required, From before To.
	From, To time.Time
	// Step is the difference between two nested ranges. Default 24h (the published day).
	Step time.Duration
	// MaxRanges caps the nested ranges per query (the step grows to fit). Default 120.
	MaxRanges int
}

// Validate checks the configuration and sets its defaults.
func (c *Config) Validate() error {
	switch {
	case c.Conn == nil || c.Database == "":
		return errors.New("cannot audit: a connection and the published database are required")
	case !c.From.Before(c.To):
		return fmt.Errorf("cannot audit: from %s is not before to %s", c.From.Format(time.RFC3339), c.To.Format(time.RFC3339))
	}
	if c.Step == 0 {
		c.Step = 24 * time.Hour
	}
	if c.MaxRanges == 0 {
		c.MaxRanges = 120
	}
	if n := int(c.To.Sub(c.From) / c.Step); n > c.MaxRanges {
		c.Step = c.To.Sub(c.From) / time.Duration(c.MaxRanges)
	}
	return nil
}

// Finding is a count under k that the attacker read or derived.
type Finding struct {
	Dashboard, Panel string
	Vars             map[string]string
	How              string // "shown", "range difference", "panel difference"
	Where            string // the row, range or panels
	Value            float64
	K                int
}

func (f Finding) String() string {
	return fmt.Sprintf("%s / %s %v: %s %s = %g (k %d)", f.Dashboard, f.Panel, f.Vars, f.How, f.Where, f.Value, f.K)
}

// Report is what an audit found and how much it tried.
type Report struct {
	Queries  int
	Findings []Finding
}

// Run audits the dashboards' queries against the published layer.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	files, err := dashboards.Render(dashboards.Settings{Database: cfg.Database})
	if err != nil {
		return Report{}, err
	}
	qs, err := dashboards.Queries(files)
	if err != nil {
		return Report{}, err
	}
	a := &auditor{cfg: cfg}
	groups, err := a.choices(ctx)
	if err != nil {
		return Report{}, err
	}
	totals := map[string]map[string]float64{} // dashboard and choices -> "panel|column" -> total
	sets := map[string]map[string]string{}
	for _, q := range qs {
		if !countsPersons(q) {
			continue
		}
		for _, set := range setsFor(q, groups) {
			key := q.File + " " + fmt.Sprint(set)
			if totals[key] == nil {
				totals[key], sets[key] = map[string]float64{}, set
			}
			if err := a.query(ctx, q, set, totals[key]); err != nil {
				return a.report, err
			}
		}
	}
	for key, ts := range totals {
		a.panelDifferences(key[:strings.Index(key, " ")], ts, sets[key])
	}
	return a.report, nil
}

type auditor struct {
	cfg    Config
	report Report
}

// countsPersons tells the queries that show counts of persons: the health dashboard shows
// records and times, variables list names.
func countsPersons(q dashboards.PanelQuery) bool {
	return q.File != "health.json" && !strings.HasPrefix(q.Panel, "variable:")
}

// group is variables a viewer chooses together, and the values to try for them.
type group struct {
	names []string
	sets  []map[string]string
}

// choices are the variable values to try, by group: every point, type and role with
// published figures (what a viewer can pick from the point list, together); every country
// with brief figures or alerts, and all ('%'); every nationality with consular figures, and
// all. A query is asked for every combination of the groups whose variables it reads.
func (a *auditor) choices(ctx context.Context) ([]group, error) {
	db := a.cfg.Database
	points := group{names: []string{"point", "type", "role"}}
	rows, err := a.cfg.Conn.Query(ctx, "SELECT DISTINCT point_id, toString(type), toString(role) FROM "+db+".figures WHERE point_id != ''")
	if err != nil {
		return nil, fmt.Errorf("cannot list the points to audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, t, r string
		if err := rows.Scan(&p, &t, &r); err != nil {
			return nil, err
		}
		points.sets = append(points.sets, map[string]string{"point": p, "type": t, "role": r})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(points.sets) == 0 {
		c := dashboards.Choices()
		points.sets = append(points.sets, map[string]string{"point": c["point"], "type": c["type"], "role": c["role"]})
	}
	countries, err := a.values(ctx, "country",
		"SELECT DISTINCT country FROM "+db+".brief WHERE grain != 'consular_month'",
		"SELECT DISTINCT country FROM "+db+".alerts")
	if err != nil {
		return nil, err
	}
	nationalities, err := a.values(ctx, "nationality", "SELECT DISTINCT nationality FROM "+db+".brief WHERE grain = 'consular_month'")
	if err != nil {
		return nil, err
	}
	return []group{points, countries, nationalities}, nil
}

// values is a one-variable group: '%' (All) and every value the queries list.
func (a *auditor) values(ctx context.Context, name string, queries ...string) (group, error) {
	seen := map[string]bool{"%": true}
	g := group{names: []string{name}, sets: []map[string]string{{name: "%"}}}
	for _, q := range queries {
		rows, err := a.cfg.Conn.Query(ctx, q)
		if err != nil {
			return g, fmt.Errorf("cannot list the values of %s to audit: %w", name, err)
		}
		var vs []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return g, err
			}
			vs = append(vs, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return g, err
		}
		sort.Strings(vs)
		for _, v := range vs {
			if v != "" && !seen[v] {
				seen[v] = true
				g.sets = append(g.sets, map[string]string{name: v})
			}
		}
	}
	return g, nil
}

// setsFor are the variable values to ask q with: every combination of the groups whose
// variables it reads (one empty set when it reads none).
func setsFor(q dashboards.PanelQuery, groups []group) []map[string]string {
	out := []map[string]string{{}}
	for _, g := range groups {
		if !reads(q, g.names) {
			continue
		}
		var next []map[string]string
		for _, s := range out {
			for _, v := range g.sets {
				m := maps.Clone(s)
				maps.Copy(m, v)
				next = append(next, m)
			}
		}
		out = next
	}
	return out
}

// reads tells whether q reads any of the variables.
func reads(q dashboards.PanelQuery, names []string) bool {
	for _, name := range names {
		if strings.Contains(q.SQL, "${"+name) {
			return true
		}
	}
	return false
}

// query runs q over the whole range (every count shown is checked) and over nested ranges
// (each range's totals against the next one's), and adds its totals for panelDifferences.
func (a *auditor) query(ctx context.Context, q dashboards.PanelQuery, set map[string]string, totals map[string]float64) error {
	values := maps.Clone(q.Constants)
	maps.Copy(values, dashboards.Choices()) // variables q does not read
	maps.Copy(values, set)
	var prev map[string]float64
	for end := a.cfg.From.Add(a.cfg.Step); ; end = end.Add(a.cfg.Step) {
		if end.After(a.cfg.To) {
			end = a.cfg.To
		}
		sums, err := a.run(ctx, q, dashboards.Vars{From: a.cfg.From, To: end, IntervalS: int(a.cfg.Step / time.Second), Values: values}, set, end.Equal(a.cfg.To))
		if err != nil {
			return err
		}
		for key, v := range sums {
			kk := kOf(q.File, key)
			if d := v - prev[key]; prev != nil && under(d, kk) {
				a.find(q, set, "range difference", fmt.Sprintf("%s up to %s minus a step less", key, end.Format(time.DateOnly)), d, kk)
			}
		}
		prev = sums
		if !end.Before(a.cfg.To) {
			break
		}
	}
	for key, v := range prev {
		col := key[strings.LastIndex(key, "|")+1:]
		totals[q.Panel+"|"+col] += v
	}
	return nil
}

// run asks one query and returns the sum of each count column by row key (the row's other
// cells) and by column; a count shown under k is a finding when check is set.
func (a *auditor) run(ctx context.Context, q dashboards.PanelQuery, v dashboards.Vars, set map[string]string, check bool) (map[string]float64, error) {
	sql := dashboards.Expand(q.SQL, v)
	a.report.Queries++
	rows, err := a.cfg.Conn.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("cannot ask %s / %s: %w", q.File, q.Panel, err)
	}
	defer rows.Close()
	cols := rows.Columns()
	types := rows.ColumnTypes()
	sums := map[string]float64{}
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = newTarget(ct.ScanType())
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("cannot read %s / %s: %w", q.File, q.Panel, err)
		}
		cells := make([]string, len(dest))
		for i, d := range dest {
			cells[i] = text(d)
		}
		var key []string
		for i, c := range cols {
			if !isCount(c) && c != "time" {
				key = append(key, cells[i])
			}
		}
		for i, c := range cols {
			if !isCount(c) {
				continue
			}
			n, err := strconv.ParseFloat(cells[i], 64)
			if err != nil { // "<k" or NULL: a suppressed total counts 0
				n = 0
			}
			name := strings.Join(key, ",") + "|" + c
			k := kOf(q.File, c)
			if check && under(n, k) {
				a.find(q, set, "shown", name+" at "+cells[0], n, k)
			}
			sums[name] += n
		}
	}
	return sums, rows.Err()
}

// panelDifferences compares, per dashboard, every two panels' totals of the same measure
// over the whole range: a total minus the shown breakdown must not leave a count under k.
func (a *auditor) panelDifferences(file string, ts map[string]float64, set map[string]string) {
	{
		keys := make([]string, 0, len(ts))
		for key := range ts {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for i, x := range keys {
			for _, y := range keys[i+1:] {
				cx, cy := x[strings.LastIndex(x, "|")+1:], y[strings.LastIndex(y, "|")+1:]
				if measure(cx) != measure(cy) {
					continue
				}
				k := kOf(file, cx)
				if d := math.Abs(ts[x] - ts[y]); under(d, k) {
					a.find(dashboards.PanelQuery{File: file, Panel: x + " against " + y}, set, "panel difference", "totals over the range", d, k)
				}
			}
		}
	}
}

func (a *auditor) find(q dashboards.PanelQuery, set map[string]string, how, where string, v float64, k int) {
	a.report.Findings = append(a.report.Findings, Finding{Dashboard: q.File, Panel: q.Panel, Vars: set, How: how, Where: where, Value: v, K: k})
}

// under is a count of persons from 1 to k-1.
func under(n float64, k int) bool { return n >= 0.5 && n < float64(k)-0.5 }

// countColumns are the columns that carry counts of persons, by their measure
// (TestCountColumnsKnown finds every column a dashboard fills with a sum of published cells).
var countColumns = map[string]string{"persons": "persons", "Personas / Persons": "persons", "observed": "observed",
	"minors": "minors", "Menores / Minors": "minors", "unaccompanied": "unaccompanied", "No acompañados / Unaccompanied": "unaccompanied", "peak": "peak",
	// The brief's: consular cases opened and closed, and the reintegration funnel.
	"Abiertos / Opened": "opened", "Cerrados / Closed": "closed",
	"Retornados / Returned": "returned", "Recibidos / Received": "received", "Referidos / Referred": "referred", "Inscritos / Enrolled": "enrolled",
	"Menores retornados / Minors returned": "minors returned", "Menores recibidos / Minors received": "minors received",
	"Menores referidos / Minors referred": "minors referred", "Menores inscritos / Minors enrolled": "minors enrolled"}

func isCount(col string) bool { _, ok := countColumns[col]; return ok }

// CountColumn reports whether a dashboard column shows a count of persons (the columns the
// audit checks), for other checks of the dashboards' output.
func CountColumn(col string) bool { return isCount(col) }
func measure(col string) string   { return countColumns[col] }

// kOf is the threshold of a column: 10 on the children's dashboard, for children's columns
// and on the protection needs dashboard (every need's cell has k 10), else 5.
func kOf(file, col string) int {
	if file == "children.json" || file == "protection.json" || strings.Contains(col, "inor") || strings.Contains(col, "naccompanied") || strings.Contains(col, "acompañados") {
		return 10
	}
	return 5
}
