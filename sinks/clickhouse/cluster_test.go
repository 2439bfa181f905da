package clickhouse

import (
	"strings"
	"testing"
)

func mustServer(t *testing.T, v string) Server {
	t.Helper()
	srv, err := ParseServer(v)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// Single-server mode is the migrations as written: the plan is each one's statements in order.
func TestPlanSingleServerIsTheMigrationsAsWritten(t *testing.T) {
	for _, v := range []string{"18.16.1", "24.8.4"} {
		srv := mustServer(t, v)
		plan, err := Plan("vigia", srv, "")
		if err != nil {
			t.Fatal(err)
		}
		want := prepareStatements("vigia")
		ms, _ := Migrations()
		for _, m := range ms {
			stmts, err := m.Statements("vigia", srv)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, stmts...)
		}
		if strings.Join(plan, ";\n") != strings.Join(want, ";\n") {
			t.Fatalf("%s: single-server plan differs from the migrations", v)
		}
		for _, q := range plan {
			q = withoutComments(q)
			if strings.Contains(q, "ON CLUSTER") || strings.Contains(q, "Replicated") || strings.Contains(q, "Distributed") {
				t.Fatalf("%s: single-server DDL names a cluster: %s", v, q)
			}
		}
		windows := strings.Count(strings.Join(plan, "\n"), "MODIFY SETTING non_replicated_deduplication_window = 1000")
		if want := map[bool]int{false: 0, true: 6}[srv.NonReplicatedDedup]; windows != want {
			t.Fatalf("%s: %d tables keep insert tokens, want %d (the batchers' six from 20.9 on)", v, windows, want)
		}
	}
}

func TestPlanClusterReplicatesAndDistributesEveryTable(t *testing.T) {
	single, err := Plan("vigia", mustServer(t, "24.8.4"), "")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan("vigia", mustServer(t, "24.8.4"), "region")
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for _, q := range single {
		if strings.HasPrefix(withoutComments(q), "CREATE TABLE") {
			tables++
		}
	}
	all := strings.Join(plan, "\n")
	for _, q := range plan {
		if !strings.Contains(q, " ON CLUSTER region") {
			t.Fatalf("a statement does not run on the cluster: %s", q)
		}
		if strings.Contains(q, "non_replicated_deduplication_window") {
			t.Fatalf("replicated tables need no non-replicated window: %s", q)
		}
	}
	if got := strings.Count(all, "ENGINE = Replicated"); got != tables {
		t.Fatalf("%d replicated tables, want %d", got, tables)
	}
	alters := 0
	for _, q := range single {
		if q = withoutComments(q); strings.HasPrefix(q, "ALTER TABLE") && !strings.Contains(q, "MODIFY SETTING") {
			alters++
		}
	}
	if got := strings.Count(all, "ENGINE = Distributed(region, "); got != tables+alters {
		t.Fatalf("%d distributed tables made, want %d and again after each of %d ALTERs", got, tables, alters)
	}
	for _, want := range []string{
		"CREATE TABLE IF NOT EXISTS vigia.events_local ON CLUSTER region (",
		"ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/vigia/events_local', '{replica}', version)",
		"CREATE TABLE IF NOT EXISTS vigia.events ON CLUSTER region AS vigia.events_local ENGINE = Distributed(region, vigia, events_local, cityHash64(point_id, type, occurred_at, agency, event_id))",
		"ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/vigia/schema_migrations_local', '{replica}') ORDER BY version",
		"CREATE DATABASE IF NOT EXISTS vigia_public ON CLUSTER region",
		"ALTER TABLE vigia.alerts_local ON CLUSTER region ADD COLUMN detected_late",
		"DROP TABLE IF EXISTS vigia.alerts ON CLUSTER region",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("cluster plan lacks %q", want)
		}
	}
}

func TestForClusterRefusesWhatItCannotRewrite(t *testing.T) {
	for _, tc := range []struct {
		name, cluster, stmt, want string
	}{
		{"a view", "region", "CREATE VIEW vigia.v AS SELECT 1", "cannot run \"CREATE VIEW vigia.v AS SELECT 1\" on a cluster"},
		{"an insert", "region", "INSERT INTO vigia.t VALUES (1)", "only CREATE DATABASE"},
		{"a bad name", "re gion", "CREATE DATABASE IF NOT EXISTS vigia", "a cluster name is letters, digits and _"},
		{"an unknown table", "region", "ALTER TABLE vigia.nowhere ADD COLUMN x UInt8", "no migration creates it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ForCluster([]string{tc.stmt}, tc.cluster, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestShardingKeyIsTheSortingKey(t *testing.T) {
	for _, tc := range []struct{ tail, want string }{
		{"\nORDER BY id", "cityHash64(id)"},
		{" ORDER BY version", "cityHash64(version)"},
		{"\nPARTITION BY (grain, toYYYYMM(period_start))\nORDER BY (grain, point_id)", "cityHash64(grain, point_id)"},
		{"\nORDER BY (point_id, toDate(occurred_at))\nSETTINGS index_granularity = 8192", "cityHash64(point_id, toDate(occurred_at))"},
		{"\nORDER BY tuple()", "rand()"},
		{"", "rand()"},
	} {
		if got := shardingKey(tc.tail); got != tc.want {
			t.Errorf("shardingKey(%q) = %s, want %s", tc.tail, got, tc.want)
		}
	}
}
