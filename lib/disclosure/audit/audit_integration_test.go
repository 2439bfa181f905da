package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/processors/publish"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

var day0 = time.Date(2026, 10, 1, 6, 0, 0, 0, time.UTC) // local midnight at UTC-6

// scenario fills a test database's windows with ten days at three points: steady flows, a
// day with three people at a quiet point, and a few children, then publishes them with rule.
func scenario(t *testing.T, rule disclosure.Rule) (driver.Conn, string) {
	t.Helper()
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	db := cfg.ClickHouse.Database
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".windows (resolution, window_start, point_id, point_country, type, role, nationality, sex, age_band, minor, unaccompanied, category, persons, events, version, computed_at)")
	if err != nil {
		t.Fatal(err)
	}
	add := func(d int, point, country, nat, cat string, minor uint8, n uint64) {
		start := day0.AddDate(0, 0, d)
		for _, w := range []struct {
			res   string
			start time.Time
		}{{"day", start}, {"hour", start.Add(10 * time.Hour)}} {
			if err := b.Append(w.res, w.start, point, country, "crossing", "transit", nat, "unknown", "", minor, uint8(0), cat, n, n, n, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for d := 0; d < 10; d++ {
		add(d, "gt-tecun-uman", "GTM", "HND", "single_adult", 0, uint64(40+d*3))
		add(d, "pan-lajas-blancas", "PAN", "VEN", "family_unit", 0, uint64(25+d))
		add(d, "pan-lajas-blancas", "PAN", "VEN", "accompanied_minor", 1, uint64(12+d%4))
	}
	add(6, "hnd-corinto", "HND", "NIC", "single_adult", 0, 3)
	add(7, "hnd-corinto", "HND", "NIC", "unaccompanied_minor", 1, 4)
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	briefScenario(t, conn, db)
	st, err := publish.New(publish.Config{Store: chsink.Published{Conn: conn, Database: db}, Rule: &rule})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Once(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	return conn, chsink.PublicDatabase(db)
}

// briefScenario adds the brief's events of the same days (consular cases of Hondurans in
// the USA, returns from Cortés received and referred at San Pedro Sula, protection needs at
// Tecún Umán), each with a planted cell under k: three Hondurans' deaths in Mexico, two
// returned from Gracias a Dios, two declined legal referrals, four persons with trafficking
// indicators at Corinto (k 10).
func briefScenario(t *testing.T, conn driver.Conn, db string) {
	t.Helper()
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".events (agency, event_id, schema_version, type, occurred_at, point_id, point_country, role, count, nationality, minor, category, ingested_at, version, origin_subdivision, reception_point_id, assistance_country, case_type, case_status, service, outcome)")
	if err != nil {
		t.Fatal(err)
	}
	id := 0
	ev := func(d int, typ, point, country, nat, sub, recv, asst, caseType, status, service, outcome string, n int) {
		at := day0.AddDate(0, 0, d).Add(9 * time.Hour)
		for i := 0; i < n; i++ {
			id++
			if err := b.Append("audit", fmt.Sprintf("e%d", id), uint8(5), typ, at, point, country, "destination", uint32(1), nat, uint8(0), "single_adult",
				time.Now().UTC(), uint64(1), sub, recv, asst, caseType, status, service, outcome); err != nil {
				t.Fatal(err)
			}
		}
	}
	for d := 0; d < 10; d++ {
		ev(d, "assistance", "hnd-cons-houston", "USA", "HND", "", "", "USA", "detention", "opened", "none", "none", 5)
		ev(d, "assistance", "hnd-cons-houston", "USA", "HND", "", "", "USA", "detention", "closed", "none", "none", 3)
		ev(d, "return", "hnd-corinto", "HND", "HND", "HN-CR", "hnd-camr-san-pedro-sula", "", "none", "none", "none", "none", 8)
		ev(d, "referral", "hnd-camr-san-pedro-sula", "HND", "HND", "HN-CR", "", "", "none", "none", "health", "attended", 4)
		ev(d, "referral", "hnd-camr-san-pedro-sula", "HND", "HND", "HN-CR", "", "", "none", "none", "reintegration_programme", "enrolled", 2)
	}
	ev(6, "assistance", "hnd-cons-tapachula", "MEX", "HND", "", "", "MEX", "death", "opened", "none", "none", 3)
	ev(6, "return", "hnd-corinto", "HND", "HND", "HN-GD", "", "", "none", "none", "none", "none", 2)
	ev(7, "referral", "hnd-camr-san-pedro-sula", "HND", "HND", "HN-CR", "", "", "none", "none", "legal", "declined", 2)
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	b, err = conn.PrepareBatch(ctx, "INSERT INTO "+db+".protection_counts (day, point_id, point_country, type, minor, need, part, block, persons, version, computed_at)")
	if err != nil {
		t.Fatal(err)
	}
	need := func(d int, point, country, need string, n uint64) {
		if err := b.Append(day0.AddDate(0, 0, d), point, country, "crossing", uint8(0), need, uint16(0), uint64(d), n, uint64(1), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
	}
	for d := 0; d < 10; d++ {
		need(d, "gt-tecun-uman", "GTM", "international_protection", 6)
	}
	need(7, "hnd-corinto", "HND", "trafficking_indicators", 4)
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

func audit(t *testing.T, conn driver.Conn, pub string) Report {
	t.Helper()
	r, err := Run(context.Background(), Config{Conn: conn, Database: pub, From: day0.Add(-48 * time.Hour), To: day0.AddDate(0, 0, 12)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Queries < 100 {
		t.Fatalf("the audit asked only %d queries", r.Queries)
	}
	return r
}

// Protected, the published layer gives the attacker no count under k by any query, range
// or difference the dashboards allow; unprotected, the same audit finds the planted three
// people and four children, shown and by differencing.
func TestAudit(t *testing.T) {
	rule, err := disclosure.New([]byte("the audit test's rounding key!!!"))
	if err != nil {
		t.Fatal(err)
	}
	conn, pub := scenario(t, rule)
	if r := audit(t, conn, pub); len(r.Findings) > 0 {
		for _, f := range r.Findings[:min(len(r.Findings), 20)] {
			t.Errorf("protected: %s", f)
		}
	}

	conn, pub = scenario(t, disclosure.Off())
	r := audit(t, conn, pub)
	hows := map[string]int{}
	for _, f := range r.Findings {
		hows[f.How]++
	}
	if hows["shown"] == 0 || hows["range difference"] == 0 {
		t.Errorf("unprotected: the audit found %v in %d queries, want counts shown and derived by range differences", hows, r.Queries)
	}
	var corinto bool
	for _, f := range r.Findings {
		corinto = corinto || strings.Contains(f.String(), "hnd-corinto") || strings.Contains(f.String(), "NIC")
	}
	if !corinto {
		t.Errorf("unprotected: the planted Corinto cells were not found among %d findings", len(r.Findings))
	}
	brief := map[string]int{}
	for _, f := range r.Findings {
		brief[f.Dashboard]++
	}
	for _, f := range []string{"consular.json", "reintegration.json", "protection.json"} {
		if brief[f] == 0 {
			t.Errorf("unprotected: no finding on %s, where cells under k are planted (findings by dashboard: %v)", f, brief)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{}, {Database: "x"}} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
