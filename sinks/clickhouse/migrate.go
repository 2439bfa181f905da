package clickhouse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one versioned DDL file, migrations/NNN_name.sql. Its SQL is a text/template:
// {{.DB}} is the database, {{.Public}} its published layer (PublicDatabase) and {{lc "String"}} is LowCardinality(String) where the server has
// it and String elsewhere; {{.Server}} is the server's capabilities, for a statement only some
// versions can run. Statements are separated by ";" at the end of a line.
type Migration struct {
	Version  int
	Name     string
	Source   string
	Checksum string // of the template, so the same migration has one checksum on every server
}

var migrationNameRe = regexp.MustCompile(`^(\d{3})_([a-z0-9_]+)\.sql$`)

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot list migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		m := migrationNameRe.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q must be named NNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("cannot read migration %s: %w", e.Name(), err)
		}
		v, _ := strconv.Atoi(m[1])
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: m[2], Source: string(b), Checksum: hex.EncodeToString(sum[:8])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("two migrations have version %03d", ms[i].Version)
		}
	}
	return ms, nil
}

// PublicDatabase is the published layer's database of db: <db>_public. It follows the
// internal database's name, so each test's database has its own published layer.
func PublicDatabase(db string) string { return db + "_public" }

// Statements renders the migration for a server and splits it into statements.
func (m Migration) Statements(db string, srv Server) ([]string, error) {
	t, err := template.New(m.Name).Funcs(template.FuncMap{
		"lc": func(typ string) string {
			if srv.LowCardinality {
				return "LowCardinality(" + typ + ")"
			}
			return typ
		},
	}).Parse(m.Source)
	if err != nil {
		return nil, fmt.Errorf("cannot parse migration %03d_%s: %w", m.Version, m.Name, err)
	}
	var buf bytes.Buffer
	data := struct {
		DB, Public string
		Server     Server
	}{db, PublicDatabase(db), srv}
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("cannot render migration %03d_%s: %w", m.Version, m.Name, err)
	}
	var out []string
	for _, s := range regexp.MustCompile(`;\s*\n`).Split(buf.String(), -1) {
		if s = strings.TrimSpace(s); s != "" && !onlyComments(s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func onlyComments(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "--") {
			return false
		}
	}
	return true
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	Server  Server
	Applied []Migration // applied by this call
	Current int         // highest applied version after the call
}

// Migrate creates the database and applies, in order, every migration not yet recorded in
// <db>.schema_migrations, on one server. Running it again applies nothing. A recorded
// migration whose file changed since is an error: migrations are append-only.
func Migrate(ctx context.Context, conn driver.Conn, db string) (MigrateResult, error) {
	return MigrateCluster(ctx, conn, db, "")
}

// MigrateCluster is Migrate in cluster mode when cluster is set (see ForCluster): every
// statement runs ON CLUSTER, so it needs the servers' remote_servers and distributed DDL
// (ZooKeeper or Keeper) configured.
func MigrateCluster(ctx context.Context, conn driver.Conn, db, cluster string) (MigrateResult, error) {
	srv, err := DetectServer(ctx, conn)
	if err != nil {
		return MigrateResult{}, err
	}
	res := MigrateResult{Server: srv}
	ms, err := Migrations()
	if err != nil {
		return res, err
	}
	var schema []string
	if cluster != "" {
		if schema, err = Plan(db, srv, ""); err != nil {
			return res, err
		}
	}
	prep, err := ForCluster(prepareStatements(db), cluster, schema)
	if err != nil {
		return res, err
	}
	for _, q := range prep {
		if err := conn.Exec(ctx, q); err != nil {
			return res, fmt.Errorf("cannot prepare database %s: %w", db, err)
		}
	}
	applied, err := appliedMigrations(ctx, conn, db)
	if err != nil {
		return res, err
	}
	for _, m := range ms {
		if sum, ok := applied[m.Version]; ok {
			if sum != m.Checksum {
				return res, fmt.Errorf("migration %03d_%s changed after it was applied (checksum %s, recorded %s): add a new migration instead", m.Version, m.Name, m.Checksum, sum)
			}
			res.Current = m.Version
			continue
		}
		if err := apply(ctx, conn, db, srv, cluster, schema, m); err != nil {
			return res, err
		}
		res.Applied = append(res.Applied, m)
		res.Current = m.Version
	}
	return res, nil
}

// ClickHouse's codes for a database or table that does not exist.
const codeUnknownTable, codeUnknownDatabase = 60, 81

// CheckSchema returns an error naming the first migration of this binary that db lacks or
// holds in another form. Stages that write ClickHouse call it at start: begun before `vigia
// migrate` (an upgrade that skipped it), they would fail their inserts one by one instead of
// saying what to do.
func CheckSchema(ctx context.Context, conn driver.Conn, db string) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	applied, err := appliedMigrations(ctx, conn, db)
	var ex *clickhouse.Exception
	switch {
	case errors.As(err, &ex) && (ex.Code == codeUnknownDatabase || ex.Code == codeUnknownTable):
		return fmt.Errorf("database %s has no record of migrations: run `vigia migrate` first (%w)", db, err)
	case err != nil: // a refusal, an outage: not something migrating would fix
		return fmt.Errorf("cannot check the schema of database %s: %w", db, err)
	}
	for _, m := range ms {
		sum, ok := applied[m.Version]
		if !ok {
			return fmt.Errorf("database %s lacks migration %03d_%s of this binary (%d of its %d applied): run `vigia migrate` first", db, m.Version, m.Name, len(applied), len(ms))
		}
		if sum != m.Checksum {
			return fmt.Errorf("database %s holds migration %03d_%s in another form than this binary's (checksum %s, this binary %s): run the binary that migrated it, or migrate a new database", db, m.Version, m.Name, sum, m.Checksum)
		}
	}
	return nil
}

// prepareStatements create the database and its record of applied migrations.
func prepareStatements(db string) []string {
	return []string{
		"CREATE DATABASE IF NOT EXISTS " + db,
		"CREATE TABLE IF NOT EXISTS " + db + ".schema_migrations (version UInt32, name String, checksum String, server_version String, applied_at DateTime('UTC')) ENGINE = MergeTree ORDER BY version",
	}
}

// Plan is every statement a migration of an empty database runs on srv, in order, in cluster
// mode when cluster is set: what `vigia migrate --dry-run` prints.
func Plan(db string, srv Server, cluster string) ([]string, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	out := prepareStatements(db)
	for _, m := range ms {
		stmts, err := m.Statements(db, srv)
		if err != nil {
			return nil, err
		}
		out = append(out, stmts...)
	}
	return ForCluster(out, cluster, out)
}

func appliedMigrations(ctx context.Context, conn driver.Conn, db string) (map[int]string, error) {
	rows, err := conn.Query(ctx, "SELECT version, checksum FROM "+db+".schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("cannot read applied migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var v uint32
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, fmt.Errorf("cannot read applied migrations: %w", err)
		}
		out[int(v)] = sum
	}
	return out, rows.Err()
}

func apply(ctx context.Context, conn driver.Conn, db string, srv Server, cluster string, schema []string, m Migration) error {
	stmts, err := m.Statements(db, srv)
	if err != nil {
		return err
	}
	if stmts, err = ForCluster(stmts, cluster, schema); err != nil {
		return fmt.Errorf("cannot apply migration %03d_%s: %w", m.Version, m.Name, err)
	}
	if cluster != "" {
		// The record goes through the Distributed table: synchronously, so the next run reads it.
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_distributed_sync": 1}))
	}
	for _, q := range stmts {
		if err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("cannot apply migration %03d_%s: %w", m.Version, m.Name, err)
		}
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".schema_migrations (version, name, checksum, server_version, applied_at)")
	if err != nil {
		return fmt.Errorf("cannot record migration %03d_%s: %w", m.Version, m.Name, err)
	}
	if err := batch.Append(uint32(m.Version), m.Name, m.Checksum, srv.Version, time.Now().UTC()); err != nil {
		return fmt.Errorf("cannot record migration %03d_%s: %w", m.Version, m.Name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot record migration %03d_%s: %w", m.Version, m.Name, err)
	}
	return nil
}
