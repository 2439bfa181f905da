// Package testenv connects integration tests to the real Kafka and ClickHouse that
// `make services` starts. A test that cannot reach its server fails with a message naming
// the server: it never passes by skipping (only `make unit`, go test -short, leaves them
// out). Each test gets its own ClickHouse database and topic prefix, so tests run in parallel
// and rerun without cleanup.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// Config returns the default configuration with the services' addresses from the
// environment (VIGIA_KAFKA_BROKERS, VIGIA_CLICKHOUSE_ADDR, as the Makefile exports them), a
// unique topic prefix and a unique database name.
//
// Under `go test -short` (make unit) it skips the test: the unit tier is the tests that need
// no server. Without -short (make test, CI) a missing server fails the test.
func Config(t testing.TB) config.Config {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs Kafka and ClickHouse (make test runs it)")
	}
	cfg, err := config.Load("", config.Environ())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	id := Unique()
	cfg.Kafka.TopicPrefix = "t" + id
	cfg.Kafka.Partitions = 3
	cfg.ClickHouse.Database = "vigia_test_" + id
	cfg.Metrics.Listen = ""
	// Registered first, so it runs last: after the test's processes and readers are gone,
	// its topics are deleted so the broker does not accumulate partitions run after run.
	t.Cleanup(func() {
		if os.Getenv("VIGIA_KEEP_TEST_TOPICS") != "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		kc, err := kclient.New(cfg.Kafka.Client())
		if err == nil {
			defer kc.Close()
			err = kc.DeleteTopicsWithPrefix(ctx, cfg.Kafka.TopicPrefix)
		}
		if err != nil {
			t.Logf("testenv: %v", err)
		}
	})
	return cfg
}

// Kafka checks the broker answers and returns a client of the one client layer, closed when
// the test ends.
func Kafka(t testing.TB, cfg config.Config) *kclient.Client {
	t.Helper()
	kc, err := kclient.New(cfg.Kafka.Client())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(kc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := kc.Reachable(ctx); err != nil {
		t.Fatalf("integration test needs the Kafka broker: %v", err)
	}
	return kc
}

// ClickHouse connects, applies the migrations to the test's own database and drops that
// database when the test ends.
func ClickHouse(t testing.TB, cfg config.Config) driver.Conn {
	t.Helper()
	conn := ClickHouseEmpty(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := chsink.Migrate(ctx, conn, cfg.ClickHouse.Database); err != nil {
		t.Fatalf("cannot migrate test database: %v", err)
	}
	return conn
}

// ClickHouseEmpty connects without migrating; the test's database is still dropped at the end.
func ClickHouseEmpty(t testing.TB, cfg config.Config) driver.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := chsink.Open(ctx, cfg.ClickHouse)
	if err != nil {
		t.Fatalf("integration test needs the ClickHouse server: %v", err)
	}
	t.Cleanup(func() {
		if os.Getenv("VIGIA_KEEP_TEST_DB") == "" {
			_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database)
		}
		conn.Close()
	})
	return conn
}

// Unique returns a short random id for names.
func Unique() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
