package clickhouse

import (
	"fmt"
	"regexp"
	"strings"
)

// Cluster mode: with clickhouse.cluster set, every migration's DDL is rewritten so that each
// table becomes a replicated local table on every shard and a Distributed table of the
// original name over them. Readers and writers keep using the original names; what must act
// on the data where it lies (partitions dropped, settings) names <table>_local.
//
// The migrations stay written for one server (their checksums do not change): the rewrite is
// a pure function of their rendered statements, so `vigia migrate --dry-run` shows exactly
// what either mode runs, and a statement it does not know stops the migration.

// LocalSuffix names a table's replicated local part in cluster mode.
const LocalSuffix = "_local"

var (
	clusterNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	createDBRe    = regexp.MustCompile(`^CREATE DATABASE IF NOT EXISTS (\w+)$`)
	createTableRe = regexp.MustCompile(`(?s)^CREATE TABLE IF NOT EXISTS (\w+)\.(\w+) \((.*)\) ENGINE = (\w*MergeTree)(?:\(([^)]*)\))?(.*)$`)
	alterRe       = regexp.MustCompile(`(?s)^ALTER TABLE (\w+)\.(\w+)\s+(.*)$`)
)

// ValidClusterName reports whether name can be a cluster's name in DDL.
func ValidClusterName(name string) bool { return clusterNameRe.MatchString(name) }

// ForCluster rewrites single-server statements for cluster (the cluster's name in the
// servers' remote_servers); an empty cluster returns them unchanged.
//   - CREATE DATABASE gets ON CLUSTER.
//   - CREATE TABLE db.t ... ENGINE = XMergeTree(args) becomes db.t_local ON CLUSTER with
//     ReplicatedXMergeTree('/clickhouse/tables/{shard}/db/t_local', '{replica}', args), then
//     db.t ON CLUSTER AS db.t_local ENGINE = Distributed(cluster, db, t_local, key), the key
//     being cityHash64 of the table's ORDER BY columns: rows with the same sorting key land on
//     one shard, so ReplacingMergeTree still collapses repeats and FINAL stays exact.
//   - ALTER TABLE db.t runs ON CLUSTER on db.t_local, then db.t is dropped and created
//     again over it, with its columns; a MODIFY SETTING of non_replicated_deduplication_window
//     is dropped: replicated tables deduplicate inserts by their own window.
//
// schema is every single-server statement of the migrations (Plan's, without cluster): an
// ALTER recreates its table's Distributed table, whose sharding key its CREATE gave.
func ForCluster(stmts []string, cluster string, schema []string) ([]string, error) {
	if cluster == "" {
		return stmts, nil
	}
	if !ValidClusterName(cluster) {
		return nil, fmt.Errorf("cannot use cluster %q: a cluster name is letters, digits and _", cluster)
	}
	keys := shardingKeys(schema)
	on := " ON CLUSTER " + cluster
	distributed := func(db, t string) string {
		return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s AS %s.%s%s ENGINE = Distributed(%s, %s, %s%s, %s)", db, t, on, db, t, LocalSuffix, cluster, db, t, LocalSuffix, keys[db+"."+t])
	}
	var out []string
	for _, s := range stmts {
		s = withoutComments(s)
		switch {
		case createDBRe.MatchString(s):
			out = append(out, s+on)
		case createTableRe.MatchString(s):
			m := createTableRe.FindStringSubmatch(s)
			db, t, cols, engine, args, rest := m[1], m[2], m[3], m[4], m[5], m[6]
			local := t + LocalSuffix
			repl := fmt.Sprintf("Replicated%s('/clickhouse/tables/{shard}/%s/%s', '{replica}'", engine, db, local)
			if strings.TrimSpace(args) != "" {
				repl += ", " + args
			}
			keys[db+"."+t] = shardingKey(rest)
			out = append(out,
				fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s%s (%s) ENGINE = %s)%s", db, local, on, cols, repl, rest),
				distributed(db, t))
		case alterRe.MatchString(s):
			m := alterRe.FindStringSubmatch(s)
			db, t, action := m[1], m[2], m[3]
			if strings.Contains(action, "non_replicated_deduplication_window") {
				continue
			}
			if _, ok := keys[db+"."+t]; !ok {
				return nil, fmt.Errorf("cannot alter %s.%s on a cluster: no migration creates it", db, t)
			}
			out = append(out, fmt.Sprintf("ALTER TABLE %s.%s%s%s %s", db, t, LocalSuffix, on, action))
			if !strings.HasPrefix(strings.TrimSpace(action), "MODIFY SETTING") {
				// An ALTER ON CLUSTER runs on one replica per replicated shard, so it cannot
				// reach the Distributed table every server holds: that one is made again over
				// the altered local table (a replicated ALTER returns once the active replicas
				// have applied it).
				out = append(out, fmt.Sprintf("DROP TABLE IF EXISTS %s.%s%s", db, t, on), distributed(db, t))
			}
		default:
			first, _, _ := strings.Cut(s, "\n")
			return nil, fmt.Errorf("cannot run %q on a cluster: only CREATE DATABASE, CREATE TABLE ... MergeTree and ALTER TABLE are rewritten for cluster mode", first)
		}
	}
	return out, nil
}

// shardingKey is cityHash64 of the ORDER BY expression in a CREATE TABLE's tail (a column,
// or a parenthesized list read to its matching parenthesis), or rand() for a table without
// one (none of Vigía's).
func shardingKey(tail string) string {
	_, after, ok := strings.Cut(tail, "ORDER BY ")
	if !ok {
		return "rand()"
	}
	after = strings.TrimSpace(after)
	if strings.HasPrefix(after, "tuple()") {
		return "rand()"
	}
	if !strings.HasPrefix(after, "(") {
		col, _, _ := strings.Cut(after, "\n")
		return "cityHash64(" + strings.TrimSpace(strings.Fields(col)[0]) + ")"
	}
	depth := 0
	for i, r := range after {
		switch r {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				if cols := strings.TrimSpace(after[1:i]); cols != "" {
					return "cityHash64(" + cols + ")"
				}
				return "rand()"
			}
		}
	}
	return "rand()"
}

// withoutComments drops a statement's whole-line comments (migrations open with them).
func withoutComments(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// shardingKeys maps each table a single-server schema creates ("db.t") to its sharding key.
func shardingKeys(schema []string) map[string]string {
	keys := map[string]string{}
	for _, s := range schema {
		if m := createTableRe.FindStringSubmatch(withoutComments(s)); m != nil {
			keys[m[1]+"."+m[2]] = shardingKey(m[6])
		}
	}
	return keys
}
