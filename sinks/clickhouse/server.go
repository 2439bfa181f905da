// Package clickhouse is Vigía's storage: the connection, the versioned DDL migrations gated by
// what the server supports, and the batched, idempotent writers.
package clickhouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/config"
)

// Open connects to ClickHouse over the native protocol and checks that it answers. Tables are
// always named with their database, so the session's own database stays "default".
func Open(ctx context.Context, c config.ClickHouse) (driver.Conn, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        c.Addr,
		Auth:        clickhouse.Auth{Database: "default", Username: c.Username, Password: c.Password},
		DialTimeout: c.DialTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("cannot open ClickHouse at %s: %w", strings.Join(c.Addr, ","), err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("cannot reach ClickHouse at %s (is it running? `make services` starts one): %w", strings.Join(c.Addr, ","), err)
	}
	return conn, nil
}

// Server describes what the connected server can do, so DDL and inserts use a fallback where
// a feature is missing (the local test server is ClickHouse 18.16; production runs current).
type Server struct {
	Version            string
	Major, Minor       int
	LowCardinality     bool // LowCardinality(T) without experimental settings (19.9+)
	InsertDedupToken   bool // insert_deduplication_token setting (22.2+)
	NonReplicatedDedup bool // non_replicated_deduplication_window MergeTree setting (20.9+)
	DateTime64         bool // DateTime64 type (20.1+)
}

// DetectServer asks the server its version and derives the capabilities.
func DetectServer(ctx context.Context, conn driver.Conn) (Server, error) {
	var v string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		return Server{}, fmt.Errorf("cannot read ClickHouse version: %w", err)
	}
	return ParseServer(v)
}

// ParseServer derives the capabilities from a version string such as "18.16.1" or "24.8.4.13".
func ParseServer(v string) (Server, error) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return Server{}, fmt.Errorf("cannot parse ClickHouse version %q", v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return Server{}, fmt.Errorf("cannot parse ClickHouse version %q", v)
	}
	at := func(M, m int) bool { return major > M || (major == M && minor >= m) }
	return Server{
		Version: v, Major: major, Minor: minor,
		LowCardinality:     at(19, 9),
		InsertDedupToken:   at(22, 2),
		NonReplicatedDedup: at(20, 9),
		DateTime64:         at(20, 1),
	}, nil
}

// Fallbacks lists, for people, the features replaced by an equivalent on this server.
func (s Server) Fallbacks() []string {
	var out []string
	if !s.LowCardinality {
		out = append(out, "LowCardinality(String) -> String")
	}
	if !s.InsertDedupToken {
		out = append(out, "no insert_deduplication_token: idempotence by ReplacingMergeTree keys and FINAL")
	}
	return out
}
