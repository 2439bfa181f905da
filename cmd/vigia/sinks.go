package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"

	"github.com/vigia-observatory/vigia/lib/windowing"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/processors/store"
	"github.com/vigia-observatory/vigia/processors/window"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// sinkSet is the ClickHouse side: one connection and one batcher per table, shared by the
// stages of this process. The batchers outlive the stages so the stages' final flushes land.
type sinkSet struct {
	conn    driver.Conn
	events  *chsink.Batcher[wire.CleanEvent]
	dlq     *chsink.Batcher[dlq.Record]
	windows *chsink.Batcher[windowing.Row]
	alerts  *chsink.Batcher[schemas.AlertChange]
	bands   *chsink.Batcher[surge.Band]
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

func (p *pipeline) openSinks(ctx context.Context) (*sinkSet, error) {
	conn, err := chsink.Open(ctx, p.cfg.ClickHouse)
	if err != nil {
		return nil, err
	}
	srv, err := chsink.DetectServer(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	bc := chsink.BatcherConfig{Database: p.cfg.ClickHouse.Database, Server: srv, MaxRows: p.cfg.Pipeline.InsertRows,
		MaxWait: p.cfg.Pipeline.InsertWait, Metrics: p.m, Log: p.log}
	s := &sinkSet{conn: conn}
	var errs [5]error
	s.events, errs[0] = newBatcher[wire.CleanEvent](p, conn, chsink.EventsTable{}, bc)
	s.dlq, errs[1] = newBatcher[dlq.Record](p, conn, chsink.DLQTable{}, bc)
	s.windows, errs[2] = newBatcher[windowing.Row](p, conn, chsink.WindowsTable{}, bc)
	s.alerts, errs[3] = newBatcher[schemas.AlertChange](p, conn, chsink.AlertsTable{}, bc)
	s.bands, errs[4] = newBatcher[surge.Band](p, conn, chsink.BandsTable{}, bc)
	if err := errors.Join(errs[:]...); err != nil {
		conn.Close()
		return nil, err
	}
	// The batchers stop only after the stages have flushed into them (close).
	bctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, run := range []func(context.Context){s.events.Run, s.dlq.Run, s.windows.Run, s.alerts.Run, s.bands.Run} {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); run(bctx) }()
	}
	return s, nil
}

// newBatcher is one table's batcher; a row ClickHouse refuses for good goes to the DLQ.
func newBatcher[T any](p *pipeline, conn driver.Conn, t chsink.Table[T], bc chsink.BatcherConfig) (*chsink.Batcher[T], error) {
	bc.Reject = p.rejectTo(t.Name())
	return chsink.NewBatcher[T](conn, t, bc)
}

func (s *sinkSet) close() {
	s.cancel()
	s.wg.Wait()
	s.conn.Close()
}

func (p *pipeline) sinkStage(stage string, s *sinkSet) (stream.Handler, error) {
	switch stage {
	case "store":
		return store.New(store.Config{Topics: p.names, Events: s.events, DLQ: s.dlq, Metrics: p.m, Log: p.log})
	case "detect":
		return p.detectStage(s)
	}
	return window.New(window.Config{
		Aggregator: windowing.Config{AllowedLateness: p.cfg.Pipeline.AllowedLateness, Zone: p.zone},
		Submit: func(ctx context.Context, rows []windowing.Row, source string) (stream.Ticket, error) {
			return s.windows.Submit(ctx, rows, source)
		},
		FlushInterval: p.cfg.Pipeline.WindowFlush, Progress: p.windowProgress, Metrics: p.m, Log: p.log,
	})
}

// zone is the time zone of a point, for its daily windows.
func (p *pipeline) zone(pointID string) *time.Location {
	if pt, ok := p.points.Lookup(pointID); ok {
		if loc, err := loadZone(pt.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

var zones sync.Map // IANA name -> *time.Location: LoadLocation parses tzdata on every call

func loadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, l)
	return l, nil
}

// rejectTo sends a row ClickHouse refused for good to the DLQ with the server's message, so
// the sink goes on and nothing is dropped silently.
func (p *pipeline) rejectTo(table string) func(row any, err error) {
	return func(row any, cause error) {
		var b []byte
		if e, ok := row.(wire.CleanEvent); ok {
			b = e.AppendBinary(nil)
		} else {
			b, _ = json.Marshal(row)
		}
		src := kafka.Message{Topic: "clickhouse." + table, Value: b, Offset: time.Now().UnixNano()}
		errs := schemas.Errors{{Path: table, Reason: schemas.SinkRejected, Message: fmt.Sprintf("ClickHouse refused the row: %v", cause)}}
		m, err := p.sealer.Message(p.names.DLQ(), "store", "", src, errs, time.Now())
		if err == nil {
			err = p.writer.WriteMessages(context.Background(), m)
		}
		if err != nil {
			p.log.Error().Err(err).Str("table", table).Msg("cannot send a rejected row to the DLQ")
		}
		p.m.DLQ.WithLabelValues("store", "", schemas.SinkRejected.String()).Inc()
	}
}
