package dashboards

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// The brief's dashboards and the months their test publishes.
var (
	briefFiles  = []string{"consular.json", "reintegration.json", "protection.json"}
	briefMonths = []time.Time{
		time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
	}
	// From the 10th of August: the month filter takes August whole.
	briefFrom, briefTo = time.Date(2026, 8, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 23, 0, 0, 0, time.UTC)
)

// briefCountColumns are the columns of the brief's dashboards that carry counts of persons.
var briefCountColumns = map[string]bool{"persons": true, "Personas / Persons": true, "Menores / Minors": true,
	"Abiertos / Opened": true, "Cerrados / Closed": true, "observed": true, "peak": true,
	"Retornados / Returned": true, "Recibidos / Received": true, "Referidos / Referred": true, "Inscritos / Enrolled": true,
	"Menores retornados / Minors returned": true, "Menores recibidos / Minors received": true,
	"Menores referidos / Minors referred": true, "Menores inscritos / Minors enrolled": true}

// seedBrief publishes, protected by a keyed rule as the publish stage does, three months of
// the brief (consular cases of three nationalities, a returns funnel through two countries'
// centres and subdivisions, services, protection needs), each with a planted cell under k,
// and the points, subdivisions, alerts and completeness rows the panels join or annotate.
func seedBrief(t *testing.T) (driver.Conn, string) {
	t.Helper()
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	ctx := context.Background()
	db := cfg.ClickHouse.Database
	pub := chsink.PublicDatabase(db)
	store := chsink.Published{Conn: conn, Database: db}
	points, err := schemas.RegionPoints()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chsink.LoadPoints(ctx, conn, db, points); err != nil {
		t.Fatal(err)
	}
	subs, err := schemas.RegionSubdivisions()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CopyPoints(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.CopySubdivisions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	rule, err := disclosure.New([]byte("the dashboards test's rounding!!"))
	if err != nil {
		t.Fatal(err)
	}
	var cells []chsink.PublishedBrief
	add := func(c chsink.BriefCell, n uint64) {
		c.Persons = n
		if c.Category == "" {
			c.Category = "single_adult"
			if c.Minor == 1 {
				c.Category = "unaccompanied_minor"
			}
		}
		f := rule.Protect(c.Key(), n, c.Children())
		cells = append(cells, chsink.PublishedBrief{BriefCell: c, Value: f.Value, Suppressed: f.Suppressed, K: uint8(f.K)})
	}
	for i, m := range briefMonths {
		d := uint64(i * 5)
		consular := func(nat, country, caseType string, minor uint8, opened, closed uint64) {
			for status, n := range map[string]uint64{"opened": opened, "closed": closed} {
				add(chsink.BriefCell{Grain: "consular_month", Measure: "assistance", Period: m, Country: country, Nationality: nat,
					Type: "assistance", Code: caseType, Status: status, Minor: minor}, n)
			}
		}
		consular("HND", "USA", "detention", 0, 40+d, 30)
		consular("HND", "USA", "removal_proceedings", 0, 25, 20+d)
		consular("HND", "MEX", "documents", 0, 15, 12)
		consular("HND", "USA", "child_protection", 1, 14+d, 11)
		consular("GTM", "USA", "detention", 0, 30, 22)
		consular("SLV", "USA", "documents", 0, 12, 10)
		funnel := func(grain, point, country, sub string, minor uint8, ns ...uint64) {
			measures := []string{"returned", "received", "referred", "enrolled"}
			if grain == "centre_month" {
				measures = measures[1:]
			}
			for j, n := range ns {
				add(chsink.BriefCell{Grain: grain, Measure: measures[j], Period: m, PointID: point, Country: country, Subdivision: sub, Minor: minor}, n)
			}
		}
		funnel("subdivision_month", "", "HND", "HN-CR", 0, 150+d, 100, 70, 25)
		funnel("subdivision_month", "", "HND", "HN-FM", 0, 60, 30+d, 15, 6)
		funnel("subdivision_month", "", "HND", "", 0, 20)
		funnel("subdivision_month", "", "HND", "HN-CR", 1, 30, 25, 20+d, 12)
		funnel("subdivision_month", "", "GTM", "GT-01", 0, 100, 90, 50, 20)
		funnel("centre_month", "hnd-camr-san-pedro-sula", "HND", "", 0, 120+d, 80, 30)
		funnel("centre_month", "hnd-canfm-belen-san-pedro-sula", "HND", "", 1, 25, 20, 12+d)
		funnel("centre_month", "gtm-crr-fuerza-aerea", "GTM", "", 0, 90, 50, 20)
		service := func(point, country, svc, outcome string, minor uint8, n uint64) {
			add(chsink.BriefCell{Grain: "service_month", Measure: "referred", Period: m, PointID: point, Country: country, Code: svc, Status: outcome, Minor: minor}, n)
		}
		service("hnd-camr-san-pedro-sula", "HND", "health", "attended", 0, 30+d)
		service("hnd-camr-san-pedro-sula", "HND", "psychosocial", "pending", 0, 20)
		service("hnd-camr-san-pedro-sula", "HND", "reintegration_programme", "enrolled", 0, 30)
		service("hnd-camr-san-pedro-sula", "HND", "employment", "none", 0, 8)
		service("hnd-canfm-belen-san-pedro-sula", "HND", "child_protection", "enrolled", 1, 12)
		service("gtm-crr-fuerza-aerea", "GTM", "shelter", "attended", 0, 50)
		need := func(point, country, typ, code string, minor uint8, n uint64) {
			add(chsink.BriefCell{Grain: "protection_month", Measure: "protection", Period: m, PointID: point, Country: country, Type: typ, Code: code, Category: "unknown", Minor: minor}, n)
		}
		need("gtm-tecun-uman", "GTM", "crossing", "international_protection", 0, 45+d)
		need("gtm-tecun-uman", "GTM", "crossing", "survivor_of_violence", 0, 23)
		need("pan-lajas-blancas", "PAN", "crossing", "separated_child", 1, 18)
		need("hnd-camr-san-pedro-sula", "HND", "return", "disability", 0, 12+d)
	}
	// Planted under k, October only: each must read <k and never its count.
	oct := briefMonths[2]
	add(chsink.BriefCell{Grain: "consular_month", Measure: "assistance", Period: oct, Country: "MEX", Nationality: "HND", Type: "assistance", Code: "death", Status: "opened"}, 3)
	add(chsink.BriefCell{Grain: "centre_month", Measure: "received", Period: oct, PointID: "hnd-camr-omoa", Country: "HND"}, 2)
	add(chsink.BriefCell{Grain: "subdivision_month", Measure: "returned", Period: oct, Country: "HND", Subdivision: "HN-GD"}, 3)
	add(chsink.BriefCell{Grain: "service_month", Measure: "referred", Period: oct, PointID: "hnd-camr-san-pedro-sula", Country: "HND", Code: "legal", Status: "declined"}, 2)
	add(chsink.BriefCell{Grain: "protection_month", Measure: "protection", Period: oct, PointID: "hnd-corinto", Country: "HND", Type: "crossing", Code: "trafficking_indicators", Category: "unknown"}, 4)
	if err := store.WriteBrief(ctx, cells, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Alerts: a Honduran consulate's case series, a series of Hondurans at a Guatemalan
	// point, and one of Venezuelans that the Honduran view must leave out.
	changed := time.Date(2026, 10, 12, 9, 0, 0, 0, time.UTC)
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+pub+".alerts (alert_id, version, state, point_id, country, type, role, population, nationality, resolution, method, severity, period_start, opened_at, changed_at, observed, observed_suppressed, expected, upper, peak, peak_suppressed, k, kind, incident_id)")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		id, point, country, typ, role, nat, state string
		observed                                  uint64
	}{
		{"a-cons", "hnd-cons-houston", "USA", "assistance", "destination", "", "opened", 40},
		{"a-hnd", "", "GTM", "crossing", "transit", "HND", "resolved", 120},
		{"a-ven", "pan-lajas-blancas", "PAN", "crossing", "transit", "VEN", "opened", 300},
	} {
		day := changed.Add(-24 * time.Hour)
		if err := b.Append(a.id, uint32(1), a.state, a.point, a.country, a.typ, a.role, "all", a.nat, "day", "c2", "warning", day, day, changed,
			a.observed, uint8(0), 10.0, 20.0, a.observed, uint8(0), uint8(5), "", "inc-"+a.id); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	b, err = conn.PrepareBatch(ctx, "INSERT INTO "+pub+".agency_points (agency, point_id, newest, records, late, published_at)")
	if err != nil {
		t.Fatal(err)
	}
	for _, ap := range []struct{ agency, point string }{{"hn-sre", "hnd-cons-houston"}, {"hn-inm", "hnd-camr-san-pedro-sula"}} {
		if err := b.Append(ap.agency, ap.point, time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), uint64(100), uint64(0), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	return conn, pub
}

// Every query of the brief's dashboards (panels, annotations, variables) runs on the real
// ClickHouse over published brief figures, with every variable at All and at its default:
// it returns rows, a time series starts with time, every count is a multiple of its k
// (sums of published cells), never under k, and each dashboard shows a planted cell as <k.
func TestBriefDashboardsQueries(t *testing.T) {
	conn, pub := seedBrief(t)
	files, err := Render(Settings{Database: pub})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Queries(files)
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]string{"nationality": "HND", "country": "HND"}
	ran := map[string]int{}
	shownUnderK := map[string]bool{}
	for _, q := range qs {
		if !slices.Contains(briefFiles, q.File) {
			continue
		}
		for _, set := range []map[string]string{Choices(), defaults} {
			values := maps.Clone(q.Constants)
			maps.Copy(values, Choices())
			maps.Copy(values, set)
			sql := Expand(q.SQL, Vars{From: briefFrom, To: briefTo, IntervalS: 86400, Values: values})
			name := fmt.Sprintf("%s / %s %v", q.File, q.Panel, set)
			cols, rows, err := testenv.QueryStrings(conn, sql)
			if err != nil {
				t.Errorf("%s: query fails: %v\n%s", name, err, sql)
				continue
			}
			ran[q.File]++
			if q.Format == TimeSeries && (len(cols) < 2 || cols[0] != "time") {
				t.Errorf("%s: a time series needs a first column named time, got %v", name, cols)
			}
			if len(rows) == 0 {
				t.Errorf("%s: no rows\n%s", name, sql)
			}
			for _, row := range rows {
				for i, cell := range row {
					if !briefCountColumns[cols[i]] {
						continue
					}
					k := 5.0
					if q.File == "protection.json" || strings.Contains(cols[i], "inor") {
						k = 10
					}
					if strings.HasPrefix(cell, "<") {
						shownUnderK[q.File] = true
						if cell != "<5" && cell != "<10" {
							t.Errorf("%s: column %s reads %q", name, cols[i], cell)
						}
						continue
					}
					n, err := strconv.ParseFloat(cell, 64)
					if err != nil {
						if cell != "" { // NULL: a suppressed total in a graph
							t.Errorf("%s: column %s holds %q, not a count", name, cols[i], cell)
						}
						continue
					}
					if n != float64(int64(n/k))*k {
						t.Errorf("%s: column %s shows %v, not a multiple of k=%v: %v", name, cols[i], n, k, row)
					}
				}
			}
			if strings.HasPrefix(q.Panel, "Alertas") {
				var ids []string
				for _, row := range rows {
					ids = append(ids, row[0])
				}
				slices.Sort(ids)
				if want := []string{"a-cons", "a-hnd"}; set["nationality"] == "HND" && !slices.Equal(ids, want) {
					t.Errorf("%s: alerts %v, want %v (a Honduran consulate's cases and Hondurans' flows, not Venezuelans')", name, ids, want)
				}
			}
		}
	}
	for _, f := range briefFiles {
		if ran[f] < 4 {
			t.Errorf("%s: only %d queries ran", f, ran[f])
		}
		if !shownUnderK[f] {
			t.Errorf("%s: no panel reads <k, though a cell under k is planted", f)
		}
	}
}

// The variables of the brief's dashboards (nationality, country) stay data whatever a crafted
// URL sets them to: quote, backslash, pre-encoded quote and UNION payloads, one variable at a
// time and all at once, neither break a query's syntax nor run a SELECT of their own.
func TestBriefDashboardsInjection(t *testing.T) {
	conn, pub := seedBrief(t)
	files, err := Render(Settings{Database: pub})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Queries(files)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "INJECTED-7f3a"
	payloads := []string{
		"x' UNION ALL SELECT '" + marker + "' --",
		`x\`,
		"%27 UNION ALL SELECT '" + marker + "' --",
		"x'; SELECT '" + marker + "'; --",
		"') OR 1=1 OR ('",
	}
	var sets []map[string]string
	for _, name := range []string{"nationality", "country"} {
		for _, p := range payloads {
			sets = append(sets, map[string]string{name: p})
		}
	}
	sets = append(sets, map[string]string{"nationality": `x\`, "country": " UNION ALL SELECT '" + marker + "' --"})
	ran := 0
	for _, q := range qs {
		if !slices.Contains(briefFiles, q.File) {
			continue
		}
		for _, set := range sets {
			used := false
			for name := range set {
				used = used || strings.Contains(q.SQL, "${"+name)
			}
			if !used {
				continue
			}
			values := maps.Clone(q.Constants)
			maps.Copy(values, Choices())
			maps.Copy(values, set)
			sql := Expand(q.SQL, Vars{From: briefFrom, To: briefTo, IntervalS: 86400, Values: values})
			_, rows, err := testenv.QueryStrings(conn, sql)
			ran++
			if err != nil {
				t.Errorf("%s / %s: payload %v: %v\n%s", q.File, q.Panel, set, err, sql)
			}
			for _, row := range rows {
				if slices.Contains(row, marker) {
					t.Errorf("%s / %s: payload %v ran its own SELECT\n%s", q.File, q.Panel, set, sql)
				}
			}
		}
	}
	if ran < 100 {
		t.Errorf("only %d injection attempts: the variables were not found in the queries", ran)
	}
}
