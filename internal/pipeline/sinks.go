package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/lib/windowing"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// sinkSet is the ClickHouse side: one connection and one batcher per table, shared by the
// stages of this process. The batchers outlive the stages so the stages' final flushes land.
type sinkSet struct {
	conn    driver.Conn
	events  *chsink.Batcher[wire.CleanEvent]
	dlq     *chsink.Batcher[dlq.Record]
	windows windowSink
	needs   *chsink.Batcher[chsink.NeedsRow]
	alerts  *chsink.Batcher[schemas.AlertChange]
	bands   *chsink.Batcher[surge.Band]
	stats   *chsink.Batcher[chsink.StatsRow]
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// windowSink adapts the windows batcher to the window stage's SubmitFunc.
type windowSink struct{ *chsink.Batcher[windowing.Row] }

func (w windowSink) Submit(ctx context.Context, rows []windowing.Row, source string) (stream.Ticket, error) {
	return w.Batcher.Submit(ctx, rows, source)
}

func (rt *runtime) openSinks(ctx context.Context) (*sinkSet, error) {
	conn, err := chsink.Open(ctx, rt.cfg.ClickHouse)
	if err != nil {
		return nil, err
	}
	srv, err := chsink.DetectServer(ctx, conn)
	if err == nil {
		err = chsink.CheckSchema(ctx, conn, rt.cfg.ClickHouse.Database)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	rej := &dlq.Rejecter{Sealer: rt.sealer, Producer: rt.writer, Topic: rt.names.DLQ(), Metrics: rt.m, Log: rt.log}
	bc := chsink.BatcherConfig{Database: rt.cfg.ClickHouse.Database, Server: srv, MaxRows: rt.cfg.Pipeline.InsertRows,
		MaxWait: rt.cfg.Pipeline.InsertWait, Metrics: rt.m, Log: rt.log}
	s := &sinkSet{conn: conn}
	var errs [7]error
	s.events, errs[0] = newBatcher(conn, chsink.EventsTable{}, bc, rej)
	s.dlq, errs[1] = newBatcher(conn, chsink.DLQTable{}, bc, rej)
	s.windows.Batcher, errs[2] = newBatcher(conn, chsink.WindowsTable{}, bc, rej)
	s.alerts, errs[3] = newBatcher(conn, chsink.AlertsTable{}, bc, rej)
	s.bands, errs[4] = newBatcher(conn, chsink.BandsTable{}, bc, rej)
	s.stats, errs[5] = newBatcher(conn, chsink.StatsTable{}, bc, rej)
	s.needs, errs[6] = newBatcher(conn, chsink.NeedsTable{}, bc, rej)
	if err := errors.Join(errs[:]...); err != nil {
		conn.Close()
		return nil, err
	}
	// The batchers stop only after the stages have flushed into them (close).
	bctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, run := range []func(context.Context){s.events.Run, s.dlq.Run, s.windows.Run, s.alerts.Run, s.bands.Run, s.stats.Run, s.needs.Run} {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); run(bctx) }()
	}
	return s, nil
}

// newBatcher is one table's batcher; a row ClickHouse refuses for good goes to the DLQ.
func newBatcher[T any](conn driver.Conn, t chsink.Table[T], bc chsink.BatcherConfig, rej *dlq.Rejecter) (*chsink.Batcher[T], error) {
	bc.Reject = rej.Reject(t.Name())
	return chsink.NewBatcher[T](conn, t, bc)
}

func (s *sinkSet) series(database string) chsink.SeriesSource {
	return chsink.SeriesSource{Conn: s.conn, Database: database}
}

func (s *sinkSet) close() {
	s.cancel()
	s.wg.Wait()
	s.conn.Close()
}
