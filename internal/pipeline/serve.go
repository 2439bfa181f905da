package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// serveMetrics serves /metrics (and pprof when configured) in g until ctx ends; a listen
// address that cannot be used fails the run with a message saying which.
func (rt *runtime) serveMetrics(g *errgroup.Group, ctx context.Context) {
	addr := rt.cfg.Metrics.Listen
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(rt.reg, promhttp.HandlerOpts{}))
	if rt.cfg.Metrics.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", addr)
	g.Go(func() error {
		if err != nil {
			return fmt.Errorf("cannot serve /metrics on %s (metrics.listen): %w", addr, err)
		}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("cannot serve /metrics on %s: %w", addr, err)
		}
		return nil
	})
}

// reportStats snapshots this process's counters per stage into pipeline_stats every
// pipeline.stats_interval until ctx ends, so the pipeline-health dashboard works from
// ClickHouse alone.
func (rt *runtime) reportStats(ctx context.Context, stages []string) {
	host, _ := os.Hostname()
	instance := fmt.Sprintf("%s-%d", host, os.Getpid())
	t := time.NewTicker(rt.cfg.Pipeline.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		snap := rt.m.Snapshot(stages)
		rows := make([]chsink.StatsRow, len(snap))
		for i, s := range snap {
			rows[i] = chsink.StatsRow{TS: now, Instance: instance, StageStats: s}
		}
		// Not waited for: ClickHouse away, the next snapshot carries the totals anyway.
		_, _ = rt.sinks.stats.Submit(ctx, rows, "")
	}
}
