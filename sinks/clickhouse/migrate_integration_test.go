package clickhouse_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// Migrating twice leaves the very same schema, records every version once, and the points
// registry is loaded once.
func TestMigrateTwiceChangesNothing(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg) // first migration
	db := cfg.ClickHouse.Database
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	ms, err := chsink.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	before := schemaOf(ctx, t, conn, db)
	for _, table := range []string{"events", "windows", "alerts", "points", "pipeline_stats", "dlq_records", "reference_data", "schema_migrations"} {
		if _, ok := before[table]; !ok {
			t.Errorf("table %s missing after migrate", table)
		}
	}
	res, err := chsink.Migrate(ctx, conn, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applied) != 0 || res.Current != ms[len(ms)-1].Version {
		t.Fatalf("second migrate applied %d, current %d", len(res.Applied), res.Current)
	}
	after := schemaOf(ctx, t, conn, db)
	if len(after) != len(before) {
		t.Fatalf("tables changed: %d before, %d after", len(before), len(after))
	}
	for name, ddl := range before {
		if after[name] != ddl {
			t.Errorf("table %s changed:\n%s\n%s", name, ddl, after[name])
		}
	}
	var recorded uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".schema_migrations").Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if int(recorded) != len(ms) {
		t.Errorf("%d versions recorded, want %d", recorded, len(ms))
	}

	ps, err := schemas.RegionPoints()
	if err != nil {
		t.Fatal(err)
	}
	for i, wantLoaded := range []bool{true, false} {
		loaded, err := chsink.LoadPoints(ctx, conn, db, ps)
		if err != nil {
			t.Fatal(err)
		}
		if loaded != wantLoaded {
			t.Errorf("LoadPoints call %d: loaded=%v, want %v", i+1, loaded, wantLoaded)
		}
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".points").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if int(n) != ps.Len() {
		t.Errorf("%d rows in points, want %d", n, ps.Len())
	}
}

func schemaOf(ctx context.Context, t *testing.T, conn driver.Conn, db string) map[string]string {
	t.Helper()
	rows, err := conn.Query(ctx, "SELECT name, create_table_query FROM system.tables WHERE database = ?", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			t.Fatal(err)
		}
		out[name] = ddl
	}
	return out
}

func TestParseServer(t *testing.T) {
	for _, tc := range []struct {
		v          string
		lc, token  bool
		wantErrors bool
	}{
		{"18.16.1", false, false, false},
		{"19.9.2.4", true, false, false},
		{"24.8.4.13", true, true, false},
		{"garbage", false, false, true},
	} {
		s, err := chsink.ParseServer(tc.v)
		if (err != nil) != tc.wantErrors {
			t.Errorf("%s: err %v", tc.v, err)
			continue
		}
		if s.LowCardinality != tc.lc || s.InsertDedupToken != tc.token {
			t.Errorf("%s: %+v", tc.v, s)
		}
	}
}

// On a current server the same migration renders LowCardinality; on 18.16, String.
func TestStatementsFallback(t *testing.T) {
	ms, err := chsink.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	old, _ := chsink.ParseServer("18.16.1")
	cur, _ := chsink.ParseServer("24.8.1")
	a, _ := ms[0].Statements("db", old)
	b, _ := ms[0].Statements("db", cur)
	if strings.Contains(a[0], "LowCardinality") || !strings.Contains(b[0], "LowCardinality(String)") {
		t.Fatalf("fallback not applied:\n%s\n%s", a[0], b[0])
	}
}

// CheckSchema passes a database with every migration of this binary, and names the first one
// missing or changed otherwise, with what to do.
func TestCheckSchema(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ms, err := chsink.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	last := ms[len(ms)-1]
	// record makes a database whose schema_migrations holds ms with the given checksums.
	record := func(name string, ms []chsink.Migration, sum func(chsink.Migration) string) string {
		db := cfg.ClickHouse.Database + "_" + name
		for _, q := range []string{"DROP DATABASE IF EXISTS " + db, "CREATE DATABASE " + db,
			"CREATE TABLE " + db + ".schema_migrations (version UInt32, name String, checksum String, server_version String, applied_at DateTime('UTC')) ENGINE = MergeTree ORDER BY version"} {
			if err := conn.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		t.Cleanup(func() { _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db) })
		batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".schema_migrations (version, name, checksum, server_version, applied_at)")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if err := batch.Append(uint32(m.Version), m.Name, sum(m), "test", time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			t.Fatal(err)
		}
		return db
	}
	same := func(m chsink.Migration) string { return m.Checksum }
	for _, c := range []struct {
		name string
		db   string
		want []string // nothing: no error
	}{
		{"migrated", cfg.ClickHouse.Database, nil},
		{"never migrated", cfg.ClickHouse.Database + "_absent", []string{"database " + cfg.ClickHouse.Database + "_absent has no record of migrations", "run `vigia migrate` first"}},
		{"one behind", record("behind", ms[:len(ms)-1], same),
			[]string{fmt.Sprintf("lacks migration %03d_%s", last.Version, last.Name), fmt.Sprintf("(%d of its %d applied)", len(ms)-1, len(ms)), "run `vigia migrate` first"}},
		{"changed", record("changed", ms, func(m chsink.Migration) string {
			if m.Version == 1 {
				return "elsewhere"
			}
			return m.Checksum
		}), []string{fmt.Sprintf("holds migration %03d_%s in another form", ms[0].Version, ms[0].Name), "checksum elsewhere"}},
	} {
		err := chsink.CheckSchema(ctx, conn, c.db)
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != nil && (err == nil || !containsEvery(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one that says %q", c.name, err, c.want)
		}
	}
}

func containsEvery(s string, subs []string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
