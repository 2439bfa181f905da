// Package clickhouse is Vigía's storage: the connection, the versioned DDL migrations gated by
// what the server supports, and the batched, idempotent writers.
package clickhouse

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/config"
)

// Open connects to ClickHouse over the native protocol (with TLS when c.TLS) as c.Username and
// checks that it answers. Tables are always named with their database, so the session asks
// for none and gets the user's default: naming "default" would be refused to a user whose
// allowed databases are Vigía's only (ClickHouse 18.16's allow_databases).
func Open(ctx context.Context, c config.ClickHouse) (driver.Conn, error) {
	where := strings.Join(c.Addr, ",")
	tlsConfig, err := c.TLSConfig()
	if err != nil {
		return nil, fmt.Errorf("cannot open ClickHouse at %s: clickhouse.tls_ca_file: %w", where, err)
	}
	opts := &clickhouse.Options{
		Addr:        c.Addr,
		Auth:        clickhouse.Auth{Username: c.Username, Password: c.Password},
		TLS:         tlsConfig,
		DialTimeout: c.DialTimeout,
	}
	if c.Cluster != "" {
		// An insert into a Distributed table is acknowledged once its shard's replica has it,
		// not when it is queued on the receiving server: offsets are committed on that
		// acknowledgement, and what was inserted must be readable at once.
		opts.Settings = clickhouse.Settings{"insert_distributed_sync": 1}
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("cannot open ClickHouse at %s: %w", where, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		var ex *clickhouse.Exception
		if errors.As(err, &ex) && slices.Contains(loginRefused, ex.Code) {
			return nil, fmt.Errorf("ClickHouse at %s refused user %s: check clickhouse.username and its password (VIGIA_CLICKHOUSE_PASSWORD or clickhouse.password_file; `make services` writes the local users' into .state/clickhouse/secrets/): %w", where, c.Username, err)
		}
		var record tls.RecordHeaderError
		var authority x509.UnknownAuthorityError
		var host x509.HostnameError
		switch {
		case errors.As(err, &record):
			return nil, fmt.Errorf("ClickHouse at %s does not speak TLS there: with clickhouse.tls on, give its secure native port (tcp_port_secure, usually 9440): %w", where, err)
		case errors.As(err, &authority):
			return nil, fmt.Errorf("ClickHouse at %s: its certificate is not trusted: give the CA that signed it as clickhouse.tls_ca_file (env VIGIA_CLICKHOUSE_TLS_CA_FILE): %w", where, err)
		case errors.As(err, &host):
			return nil, fmt.Errorf("ClickHouse at %s: its certificate does not name that host: give clickhouse.addr with a name the certificate holds: %w", where, err)
		}
		return nil, fmt.Errorf("cannot reach ClickHouse at %s (is it running? `make services` starts one): %w", where, err)
	}
	return conn, nil
}

// loginRefused are the server's answers to a user it does not let in: unknown user, wrong or
// missing password, address not allowed, authentication failed.
var loginRefused = []int32{192, 193, 194, 195, 516}

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
