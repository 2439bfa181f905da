package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/testenv"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// The ClickHouse users `make services` makes on the local server (scripts/clickhouse/users.xml.in,
// passwords in <state>/clickhouse/secrets/), logged in as themselves over the real server:
// vigia_grafana reads the published database and nothing else, within limits it cannot raise;
// vigia_pipeline reads and writes but runs no DDL; vigia_migrate runs the migrations.

// Server error codes.
const (
	codeSyntaxError     = 62
	codeTimeoutExceeded = 159
	codeReadonly        = 164
	codeAccessDenied    = 291 // DATABASE_ACCESS_DENIED (18.16's allow_databases)
	codeDDLProhibited   = 392 // QUERY_IS_PROHIBITED (allow_ddl 0)
	codeTooManyRows     = 396
	codeMemoryLimit     = 241
	codeNotEnoughRights = 497 // ACCESS_DENIED (current servers' GRANTs)
	codeSettingBounds   = 452 // SETTING_CONSTRAINT_VIOLATION (current servers' constraints)
)

type localUsers struct {
	cfg                        config.ClickHouse // the server and the database the users were made for
	migrate, pipeline, grafana driver.Conn
}

// usersOf logs in as each user with the password `make services` wrote. A missing password
// file fails the test (the users are what is tested: nothing passes by skipping them).
func usersOf(t *testing.T) localUsers {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the ClickHouse of make services (make test runs it)")
	}
	state := testenv.StateDir()
	cfg, err := config.Load("", config.Environ())
	if err != nil {
		t.Fatal(err)
	}
	u := localUsers{cfg: cfg.ClickHouse}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, who := range []string{"migrate", "pipeline", "grafana"} {
		path := filepath.Join(state, "clickhouse", "secrets", who+".password")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("the ClickHouse user vigia_%s has no password file: run `make services` (scripts/services.sh up makes the users and writes their passwords into %s): %v",
				who, filepath.Dir(path), err)
		}
		c := u.cfg
		c.Username, c.Password, c.PasswordFile = "vigia_"+who, strings.TrimSpace(string(b)), ""
		conn, err := chsink.Open(ctx, c)
		if err != nil {
			t.Fatalf("vigia_%s cannot log in (did `make services` run since scripts/clickhouse/users.xml.in changed?): %v", who, err)
		}
		t.Cleanup(func() { conn.Close() })
		switch who {
		case "migrate":
			u.migrate = conn
		case "pipeline":
			u.pipeline = conn
		default:
			u.grafana = conn
		}
	}
	return u
}

func code(err error) int32 {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return ex.Code
	}
	return -1
}

// refused runs q on conn and fails unless the server refuses it with one of codes.
func refused(t *testing.T, conn driver.Conn, who, q string, codes ...int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := conn.Exec(ctx, q)
	for _, c := range codes {
		if code(err) == c {
			return
		}
	}
	t.Errorf("%s: %s: got %v, want the server to refuse it (code %v)", who, q, err, codes)
}

func count(t *testing.T, conn driver.Conn, who, q string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n uint64
	if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
		t.Errorf("%s: %s: %v", who, q, err)
	}
	return n
}

// grafanaSettings reads the grafana user's effective settings, with extra query settings sent.
func grafanaSettings(ctx context.Context, conn driver.Conn, sent clickhouse.Settings) (map[string]string, error) {
	if sent != nil {
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(sent))
	}
	rows, err := conn.Query(ctx, "SELECT name, value FROM system.settings WHERE name IN ('readonly', 'max_execution_time', 'max_memory_usage', 'max_result_rows', 'result_overflow_mode')")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return nil, err
		}
		out[name] = value
	}
	return out, rows.Err()
}

func TestClickHouseUsers(t *testing.T) {
	u := usersOf(t)
	db, pub := u.cfg.Database, chsink.PublicDatabase(u.cfg.Database)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel) // after the parallel subtests
	// The migrating user migrates the real database, as `vigia migrate` does: both databases
	// and every table, from nothing on a fresh server.
	if _, err := chsink.Migrate(ctx, u.migrate, db); err != nil {
		t.Fatalf("vigia_migrate cannot migrate %s (a migration changed after it was applied to this local server? drop %s and %s as the default user and run `vigia migrate`): %v", db, db, pub, err)
	}
	scratch := "users_test_" + testenv.Unique()
	for _, d := range []string{db, pub} {
		q := "CREATE TABLE " + d + "." + scratch + " (n UInt64) ENGINE = MergeTree ORDER BY n"
		if err := u.migrate.Exec(ctx, q); err != nil {
			t.Fatalf("vigia_migrate cannot create a table: %s: %v", q, err)
		}
		t.Cleanup(func() {
			if err := u.migrate.Exec(context.Background(), "DROP TABLE IF EXISTS "+d+"."+scratch); err != nil {
				t.Errorf("vigia_migrate cannot drop its table: %v", err)
			}
		})
	}
	var internal []string
	rows, err := u.migrate.Query(ctx, "SELECT name FROM system.tables WHERE database = ?", db)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		internal = append(internal, name)
	}
	rows.Close()
	for _, want := range []string{"events", "alerts", "dlq_records", "windows", scratch} {
		if !strings.Contains(" "+strings.Join(internal, " ")+" ", " "+want+" ") {
			t.Fatalf("%s lacks table %s after the migrations: %v", db, want, internal)
		}
	}

	t.Run("pipeline reads and writes both databases, runs no DDL", func(t *testing.T) {
		t.Parallel()
		for _, d := range []string{db, pub} {
			if err := u.pipeline.Exec(ctx, "INSERT INTO "+d+"."+scratch+" SELECT number FROM system.numbers LIMIT 3"); err != nil {
				t.Errorf("vigia_pipeline cannot write %s: %v", d, err)
			}
			if n := count(t, u.pipeline, "vigia_pipeline", "SELECT count() FROM "+d+"."+scratch); n != 3 {
				t.Errorf("vigia_pipeline reads %d rows of %s.%s, want 3", n, d, scratch)
			}
		}
		// Were one let through, it would destroy only what can be lost: the demo's database
		// (which `vigia demo` drops and re-creates anyway) and the test's own tables.
		for _, q := range []string{
			"DROP DATABASE vigia_demo", "DROP TABLE " + db + "." + scratch, "TRUNCATE TABLE " + pub + "." + scratch,
			"ALTER TABLE " + db + "." + scratch + " DELETE WHERE 1", "CREATE TABLE " + db + ".x_" + scratch + " (n UInt8) ENGINE = Memory",
			"SET allow_ddl = 1",
		} {
			refused(t, u.pipeline, "vigia_pipeline", q, codeDDLProhibited, codeNotEnoughRights)
		}
		refused(t, u.pipeline, "vigia_pipeline", "CREATE DATABASE x_"+scratch, codeDDLProhibited, codeAccessDenied, codeNotEnoughRights)
		// No user management: 18.16 has none at all (users.xml only), a current server refuses it.
		refused(t, u.pipeline, "vigia_pipeline", "CREATE USER x_"+scratch+" IDENTIFIED BY 'x'", codeSyntaxError, codeNotEnoughRights)
		// Only Vigía's databases.
		refused(t, u.pipeline, "vigia_pipeline", "SELECT count() FROM default.x_"+scratch, codeAccessDenied, codeNotEnoughRights)
	})

	t.Run("grafana reads the published database only", func(t *testing.T) {
		t.Parallel()
		count(t, u.grafana, "vigia_grafana", "SELECT count() FROM "+pub+".figures FINAL")
		count(t, u.grafana, "vigia_grafana", "SELECT count() FROM "+pub+"."+scratch)
		for _, table := range internal {
			refused(t, u.grafana, "vigia_grafana", "SELECT count() FROM "+db+"."+table, codeAccessDenied, codeNotEnoughRights)
		}
		for _, q := range []string{
			"SELECT * FROM " + db + ".events LIMIT 1", "SELECT * FROM " + db + ".alerts LIMIT 1", "SELECT * FROM " + db + ".dlq_records LIMIT 1",
			"SELECT count() FROM " + pub + ".figures WHERE point_id IN (SELECT point_id FROM " + db + ".events)",
			"SELECT count() FROM vigia_demo.events",
		} {
			refused(t, u.grafana, "vigia_grafana", q, codeAccessDenied, codeNotEnoughRights)
		}
		for _, q := range []string{
			"INSERT INTO " + pub + "." + scratch + " VALUES (1)", "DROP TABLE " + pub + "." + scratch,
			"CREATE TABLE " + pub + ".x_" + scratch + " (n UInt8) ENGINE = Memory", "TRUNCATE TABLE " + pub + "." + scratch,
		} {
			refused(t, u.grafana, "vigia_grafana", q, codeReadonly, codeNotEnoughRights)
		}
	})

	t.Run("grafana cannot raise its limits", func(t *testing.T) {
		t.Parallel()
		want, err := grafanaSettings(ctx, u.grafana, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want["readonly"] != "1" || want["max_execution_time"] == "0" || want["max_memory_usage"] == "0" || want["max_result_rows"] == "0" || want["result_overflow_mode"] != "throw" {
			t.Fatalf("vigia_grafana's profile: %v, want readonly 1 and a time, memory and result-rows limit that throws", want)
		}
		for _, q := range []string{
			"SET max_execution_time = 1000", "SET max_memory_usage = 100000000000", "SET max_result_rows = 0", "SET readonly = 0",
			"SELECT 1 SETTINGS max_execution_time = 1000", "SELECT 1 SETTINGS readonly = 0",
		} {
			refused(t, u.grafana, "vigia_grafana", q, codeReadonly, codeSettingBounds)
		}
		// Settings sent along with a query over the native protocol: ClickHouse 18.16 ignores
		// them in readonly mode, a current server refuses those out of bounds. Never applied.
		got, err := grafanaSettings(ctx, u.grafana, clickhouse.Settings{"max_execution_time": 1000, "max_memory_usage": 100_000_000_000, "max_result_rows": 0, "readonly": 0})
		if c := code(err); err != nil && c != codeReadonly && c != codeSettingBounds {
			t.Fatalf("settings sent with a query: %v", err)
		}
		if err == nil && fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("settings sent with a query were applied: %v, the profile's are %v", got, want)
		}
		// Over HTTP (the other protocol the Grafana plugin speaks): refused.
		pw := strings.TrimSpace(readFile(t, filepath.Join(testenv.StateDir(), "clickhouse", "secrets", "grafana.password")))
		host, _, _ := net.SplitHostPort(u.cfg.Addr[0])
		port := os.Getenv("VIGIA_CLICKHOUSE_HTTP_PORT")
		if port == "" {
			port = "8123"
		}
		for _, setting := range []string{"max_execution_time=1000", "max_memory_usage=100000000000", "readonly=0"} {
			status, body := httpQuery(t, "http://"+net.JoinHostPort(host, port)+"/?"+setting, "vigia_grafana", pw, "SELECT 1")
			if status == http.StatusOK || !strings.Contains(body, "Code: 164") && !strings.Contains(body, "Code: 452") {
				t.Errorf("HTTP with %s: %d %s, want the server to refuse the setting", setting, status, body)
			}
		}
	})

	t.Run("grafana's result and memory are bounded", func(t *testing.T) {
		t.Parallel()
		maxRows, err := strconv.Atoi(settingOf(t, u.grafana, "max_result_rows"))
		if err != nil {
			t.Fatal(err)
		}
		refused(t, u.grafana, "vigia_grafana", fmt.Sprintf("SELECT number FROM system.numbers LIMIT %d", maxRows+1), codeTooManyRows)
		refused(t, u.grafana, "vigia_grafana", "SELECT length(groupArray(number)) FROM (SELECT number FROM system.numbers LIMIT 300000000)", codeMemoryLimit)
	})

	t.Run("grafana's queries stop at its time limit", func(t *testing.T) {
		t.Parallel()
		limit, err := strconv.ParseFloat(settingOf(t, u.grafana, "max_execution_time"), 64)
		if err != nil {
			t.Fatal(err)
		}
		if limit <= 0 || limit > 60 {
			t.Fatalf("vigia_grafana's max_execution_time is %vs: want a limit, and one this test can wait out (make services sets VIGIA_CLICKHOUSE_GRAFANA_MAX_EXECUTION_TIME, default 10)", limit)
		}
		// An endless scan, with a higher limit asked for along with the query.
		qctx, cancel := context.WithTimeout(context.Background(), time.Duration(limit+30)*time.Second)
		defer cancel()
		qctx = clickhouse.Context(qctx, clickhouse.WithSettings(clickhouse.Settings{"max_execution_time": 1000}))
		start := time.Now()
		var n uint64
		err = u.grafana.QueryRow(qctx, "SELECT count() FROM system.numbers").Scan(&n)
		took := time.Since(start).Seconds()
		switch c := code(err); {
		case c == codeSettingBounds:
			t.Logf("the server refused the higher limit sent with the query: %v", err)
		case c != codeTimeoutExceeded:
			t.Fatalf("an endless query as vigia_grafana: %v after %.1fs, want TIMEOUT_EXCEEDED (159) at %vs", err, took, limit)
		case took < limit-1 || took > limit+10:
			t.Errorf("stopped after %.1fs, want about %vs (the profile's limit)", took, limit)
		}
	})
}

func settingOf(t *testing.T, conn driver.Conn, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var v string
	if err := conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = ?", name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func httpQuery(t *testing.T, u, user, password, q string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	c := http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("ClickHouse over HTTP at %s (its port is VIGIA_CLICKHOUSE_HTTP_PORT, 8123 by default): %v", req.URL.Host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
