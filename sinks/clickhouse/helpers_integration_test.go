package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/rs/zerolog"

	"github.com/vigia-observatory/vigia/internal/config"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// runBatcher starts a batcher of table on the test's database, running until the test ends;
// a row the server refuses fails the test.
func runBatcher[T any](t *testing.T, conn driver.Conn, cfg config.Config, table chsink.Table[T]) *chsink.Batcher[T] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := chsink.DetectServer(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	b, err := chsink.NewBatcher[T](conn, table, chsink.BatcherConfig{
		Database: cfg.ClickHouse.Database, Server: srv, Log: zerolog.Nop(),
		Reject: func(row any, err error) { t.Errorf("row rejected: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	bctx, stop := context.WithCancel(context.Background())
	go b.Run(bctx)
	t.Cleanup(stop)
	return b
}
