package main

import (
	"strings"
	"testing"
)

// --dry-run prints what a migration runs, for a server version and a mode, with no server.
func TestMigrateDryRun(t *testing.T) {
	t.Setenv("VIGIA_CLICKHOUSE_ADDR", "127.0.0.1:1") // nothing listens: a dry run must not connect
	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		want, not []string
	}{
		{"one server, 18.16", []string{"--server-version", "18.16"}, 0,
			[]string{"-- vigia migrate --dry-run: ClickHouse 18.16, one server", "CREATE TABLE IF NOT EXISTS vigia.events (", "ENGINE = ReplacingMergeTree(version)", "-- fallback: LowCardinality(String) -> String"},
			[]string{"ON CLUSTER", "non_replicated_deduplication_window"}},
		{"one server, 24.8: insert tokens kept", []string{"--server-version", "24.8"}, 0,
			[]string{"ALTER TABLE vigia.events MODIFY SETTING non_replicated_deduplication_window = 1000;"}, []string{"ON CLUSTER"}},
		{"cluster, 24.8", []string{"--server-version", "24.8", "--cluster", "region"}, 0,
			[]string{"CREATE TABLE IF NOT EXISTS vigia.events_local ON CLUSTER region (", "ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/vigia/events_local', '{replica}', version)",
				"ENGINE = Distributed(region, vigia, events_local, cityHash64(point_id, type, occurred_at, agency, event_id));"},
			[]string{"non_replicated_deduplication_window"}},
		{"no version", nil, 2, []string{"--dry-run needs --server-version"}, nil},
		{"bad version", []string{"--server-version", "latest"}, 2, []string{"--server-version: cannot parse ClickHouse version"}, nil},
		{"bad cluster", []string{"--server-version", "24.8", "--cluster", "my cluster"}, 2, []string{"a cluster name is letters, digits and _"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := run(t, append([]string{"migrate", "--dry-run"}, tc.args...)...)
			all := out + errs
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(all, n) {
					t.Errorf("output has %q", n)
				}
			}
		})
	}
}
