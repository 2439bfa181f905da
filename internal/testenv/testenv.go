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
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/access"
	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/topics"
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
	stateOnce.Do(setStateDir)
	cfg, err := config.Load("", config.Environ())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	id := Unique()
	cfg.Kafka.TopicPrefix = "t" + id
	cfg.Kafka.Partitions = 3
	cfg.ClickHouse.Database = "vigia_test_" + id
	cfg.Metrics.Listen = ""
	// As `make services` does for the default prefix: the test's topics, the registry, and
	// the pipeline principal's ACLs on them, granted by the administrator.
	admin := adminOf(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin.Setup(ctx, cfg.Kafka.SASLUsername); err != nil {
		t.Fatalf("integration test needs the Kafka broker (make services): %v", err)
	}
	// Registered first, so it runs last: after the test's processes and readers are gone,
	// its topics and ACLs are deleted so the broker does not accumulate them run after run.
	t.Cleanup(func() {
		defer admin.Kafka.Close()
		if os.Getenv("VIGIA_KEEP_TEST_TOPICS") != "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := errors.Join(admin.Kafka.DeleteTopicsWithPrefix(ctx, cfg.Kafka.TopicPrefix), admin.Teardown(ctx, cfg.Kafka.SASLUsername))
		if err != nil {
			t.Logf("testenv: %v", err)
		}
	})
	return cfg
}

var stateOnce sync.Once

// StateDir is the folder where `make services` keeps its state and credentials: VIGIA_STATE_DIR,
// or the repository's .state.
func StateDir() string {
	stateOnce.Do(setStateDir)
	return os.Getenv("VIGIA_STATE_DIR")
}

// setStateDir points VIGIA_STATE_DIR at the repository's .state, where `make services` keeps
// the Kafka credentials, when it is not set: tests run in their package's folder, and the
// pipelines they start as processes inherit it.
//
// It also makes the tests connect to ClickHouse as its administrator, "default", unless the
// environment names a user: each test creates and drops a database of its own, which the
// users `make services` makes cannot (their allowed databases are a fixed list on ClickHouse
// 18.16). Left alone, the configuration would pick vigia_pipeline from the state folder.
func setStateDir() {
	if os.Getenv("VIGIA_CLICKHOUSE_USERNAME") == "" && os.Getenv("VIGIA_CLICKHOUSE_PASSWORD") == "" && os.Getenv("VIGIA_CLICKHOUSE_PASSWORD_FILE") == "" {
		_ = os.Setenv("VIGIA_CLICKHOUSE_USERNAME", "default")
	}
	if os.Getenv("VIGIA_STATE_DIR") != "" {
		return
	}
	dir, err := os.Getwd()
	for err == nil {
		if _, e := os.Stat(filepath.Join(dir, "go.mod")); e == nil {
			_ = os.Setenv("VIGIA_STATE_DIR", filepath.Join(dir, ".state"))
			return
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return
		}
		dir = parent
	}
}

func adminOf(t testing.TB, cfg config.Config) access.Admin {
	t.Helper()
	kc, err := kclient.New(cfg.Kafka.AdminClient())
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return access.Admin{Kafka: kc, Layout: topics.Layout{Names: topics.Names{Prefix: cfg.Kafka.TopicPrefix},
		Partitions: cfg.Kafka.Partitions, ReplicationFactor: cfg.Kafka.ReplicationFactor, DedupHorizon: cfg.Pipeline.DedupHorizon}}
}

// Kafka checks the broker answers and returns a client of the administrator (a super user
// where the broker authenticates: the tests' harness publishes as any agency and reads any
// topic), closed when the test ends. The pipeline under test connects with cfg, as the
// pipeline principal.
func Kafka(t testing.TB, cfg config.Config) *kclient.Client {
	t.Helper()
	kc, err := kclient.New(cfg.Kafka.AdminClient())
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

// Enroll registers agencies for the test's prefix (registry and raw topic, as the record
// generators do), so ingest consumes them.
func Enroll(t testing.TB, cfg config.Config, agencies ...string) {
	t.Helper()
	admin := adminOf(t, cfg)
	defer admin.Kafka.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, a := range agencies {
		if err := admin.Enroll(ctx, a); err != nil {
			t.Fatalf("testenv: %v", err)
		}
	}
}

// ClickHouse connects, applies the migrations to the test's own database and drops that
// database when the test ends.
func ClickHouse(t testing.TB, cfg config.Config) driver.Conn {
	t.Helper()
	conn := ClickHouseEmpty(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := chsink.MigrateCluster(ctx, conn, cfg.ClickHouse.Database, cfg.ClickHouse.Cluster); err != nil {
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
			on := ""
			if cfg.ClickHouse.Cluster != "" {
				on = " ON CLUSTER " + cfg.ClickHouse.Cluster // every replica's copy, and its ZooKeeper paths
			}
			_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database+on)
			_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+chsink.PublicDatabase(cfg.ClickHouse.Database)+on)
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
