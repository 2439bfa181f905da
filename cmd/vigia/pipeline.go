package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigia-observatory/vigia/lib/dedupstate"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/lib/anonymize"
	"github.com/vigia-observatory/vigia/processors/dedup"
	"github.com/vigia-observatory/vigia/processors/ingest"
	"github.com/vigia-observatory/vigia/schemas"
)

// allStages in pipeline order.
var allStages = []string{"ingest", "dedup", "window", "store", "detect", "notify"}

// pipeline is one running set of stages; tests run two in one process.
type pipeline struct {
	cfg     config.Config
	environ map[string]string
	log     zerolog.Logger
	reg     *prometheus.Registry
	m       *metrics.Metrics
	names   topics.Names
	writer  *kafka.Writer
	sealer  *dlq.Sealer
	points  *schemas.Points
	// cleanParts is the partition count of vigia.clean, which the detector must hear from.
	cleanParts int
}

// runPipeline runs the selected stages until ctx ends, then flushes, commits and returns.
func runPipeline(ctx context.Context, cfg config.Config, stages []string, environ map[string]string, log zerolog.Logger) error {
	p := &pipeline{cfg: cfg, environ: environ, log: log, reg: prometheus.NewRegistry(),
		names: topics.Names{Prefix: cfg.Kafka.TopicPrefix}}
	p.m = metrics.New(p.reg)
	p.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	var err error
	if p.points, err = schemas.RegionPoints(); err != nil {
		return err
	}
	dlqKeys, err := secrets.LoadKeyRing(environ, "VIGIA_DLQ_KEYS", dlq.KeySize)
	if err != nil {
		return err
	}
	if p.sealer, err = dlq.NewSealer(dlqKeys); err != nil {
		return err
	}
	if err := p.ensureTopics(ctx); err != nil {
		return err
	}
	p.writer = stream.NewWriter(cfg.Kafka.Brokers, config.Compressions[cfg.Kafka.Compression])
	defer p.writer.Close()
	stopMetrics := p.serveMetrics()
	defer stopMetrics()

	handlers := map[string]stream.Handler{}
	var sinks *sinkSet
	for _, s := range stages {
		var h stream.Handler
		switch s {
		case "notify":
			routes, err := p.notifyStages()
			if err != nil {
				return err
			}
			maps.Copy(handlers, routes)
			continue
		case "ingest":
			h, err = p.ingest()
		case "dedup":
			h, err = p.dedup()
		case "window", "store", "detect":
			if sinks == nil {
				if sinks, err = p.openSinks(ctx); err != nil {
					return err
				}
				defer sinks.close()
			}
			h, err = p.sinkStage(s, sinks)
		}
		if err != nil {
			return err
		}
		handlers[s] = h
	}
	log.Info().Strs("stages", stages).Str("prefix", p.names.Prefix).Msg("pipeline started")
	var wg sync.WaitGroup
	if sinks != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reportStats(ctx, sinks.conn, cfg.ClickHouse.Database, p.reg, stages, cfg.Pipeline.StatsInterval)
		}()
	}
	for name, h := range handlers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = stream.Run(ctx, p.streamConfig(name), h)
		}()
	}
	wg.Wait()
	log.Info().Msg("pipeline stopped: outputs flushed and offsets committed")
	return nil
}

func (p *pipeline) streamConfig(stage string) stream.Config {
	c := stream.Config{Stage: stage, Brokers: p.cfg.Kafka.Brokers, GroupID: p.names.Prefix + "-" + stage,
		BatchSize: p.cfg.Pipeline.BatchSize, BatchWait: p.cfg.Pipeline.BatchWait,
		CloseTimeout: p.cfg.Pipeline.Shutdown, Log: p.log, Metrics: p.m}
	fixed := func(ts ...string) func(context.Context) ([]string, error) {
		return func(context.Context) ([]string, error) { return ts, nil }
	}
	switch stage {
	case "ingest":
		c.Topics = p.rawTopics
	case "dedup":
		c.Topics = fixed(p.names.Anon())
	case "window":
		c.Topics = fixed(p.names.Clean())
	case "store":
		c.Topics = fixed(p.names.Clean(), p.names.DLQ())
	case "detect":
		c.Topics = fixed(p.names.Progress())
	default: // notify-<route>
		c.Topics = fixed(p.names.Alerts())
	}
	return c
}

// rawTopics lists every agency topic on the cluster, so a new agency is picked up without
// a restart.
func (p *pipeline) rawTopics(ctx context.Context) ([]string, error) {
	all, err := topics.List(ctx, p.cfg.Kafka.Brokers)
	if err != nil {
		return nil, err
	}
	re := p.names.RawPattern()
	var out []string
	for _, t := range all {
		if re.MatchString(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// rawPartitions names every raw topic partition ("<topic>:<partition>"), the sources dedup
// waits for.
func (p *pipeline) rawPartitions(ctx context.Context) ([]string, error) {
	ts, err := p.rawTopics(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range ts {
		n, err := topics.Partitions(ctx, p.cfg.Kafka.Brokers, t)
		if err != nil {
			return nil, err
		}
		for i := range n {
			out = append(out, t+":"+strconv.Itoa(i))
		}
	}
	return out, nil
}

func (p *pipeline) ensureTopics(ctx context.Context) error {
	c := p.cfg
	if err := topics.Reachable(ctx, c.Kafka.Brokers); err != nil {
		return err
	}
	parts, rf := c.Kafka.Partitions, c.Kafka.ReplicationFactor
	// vigia.clean is where dedup rebuilds its state from: keep it past the rebuild window.
	cleanRetention := c.Pipeline.DedupHorizon + 48*time.Hour
	specs := []topics.Spec{
		{Name: p.names.Anon(), Partitions: parts, ReplicationFactor: rf},
		{Name: p.names.Clean(), Partitions: parts, ReplicationFactor: rf, Retention: cleanRetention},
		{Name: p.names.DLQ(), Partitions: parts, ReplicationFactor: rf, Retention: 30 * 24 * time.Hour},
		// Alerts are few and are the observatory's record: kept for 400 days.
		{Name: p.names.Alerts(), Partitions: 1, ReplicationFactor: rf, Retention: 400 * 24 * time.Hour},
		// One partition: the consumer group makes exactly one process the detector.
		{Name: p.names.Progress(), Partitions: 1, ReplicationFactor: rf, Compacted: true},
	}
	for _, a := range c.Pipeline.Agencies {
		specs = append(specs, topics.Spec{Name: p.names.Raw(a), Partitions: parts, ReplicationFactor: rf})
	}
	if err := topics.Ensure(ctx, c.Kafka.Brokers, specs...); err != nil {
		return err
	}
	na, err1 := topics.Partitions(ctx, c.Kafka.Brokers, p.names.Anon())
	nc, err2 := topics.Partitions(ctx, c.Kafka.Brokers, p.names.Clean())
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	p.cleanParts = nc
	if na != nc {
		return fmt.Errorf("%s has %d partitions and %s %d: they must be equal, since dedup partition n writes and rebuilds from clean partition n", p.names.Anon(), na, p.names.Clean(), nc)
	}
	return nil
}

func (p *pipeline) ingest() (stream.Handler, error) {
	keys, err := secrets.LoadKeyRing(p.environ, "VIGIA_PSEUDONYM_KEYS", 32)
	if err != nil {
		return nil, err
	}
	return ingest.New(ingest.Config{
		Topics: p.names,
		Validator: &schemas.Validator{Points: p.points, MaxCount: p.cfg.Validation.MaxCount,
			MaxClockSkew: p.cfg.Validation.MaxClockSkew},
		Anonymize: anonymize.Config{Keys: keys, PseudonymizeMinors: p.cfg.Pipeline.PseudonymizeMinors,
			Destinations: p.cfg.Pipeline.Destinations},
		Sealer: p.sealer, Producer: p.writer, AnonPartitions: p.cleanParts, Metrics: p.m, Log: p.log,
	})
}

func (p *pipeline) dedup() (stream.Handler, error) {
	pc := p.cfg.Pipeline
	return dedup.New(dedup.Config{
		Topics: p.names, Brokers: p.cfg.Kafka.Brokers, Producer: p.writer, Metrics: p.m, Log: p.log,
		State:          dedupstate.Config{Horizon: pc.DedupHorizon, Tolerance: pc.DedupTolerance, MaxKeys: pc.DedupMaxKeys},
		WatermarkDelay: pc.WatermarkDelay, IdleTimeout: pc.IdleTimeout, Sources: p.rawPartitions,
	})
}

func (p *pipeline) serveMetrics() func() {
	if p.cfg.Metrics.Listen == "" {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}))
	if p.cfg.Metrics.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	srv := &http.Server{Addr: p.cfg.Metrics.Listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Error().Err(err).Str("listen", p.cfg.Metrics.Listen).Msg("cannot serve /metrics")
		}
	}()
	return func() { _ = srv.Close() }
}

// parseStages reads --stage values ("ingest,dedup" or repeated flags).
func parseStages(in []string) ([]string, error) {
	if len(in) == 0 {
		return allStages, nil
	}
	var out []string
	for _, s := range in {
		for _, x := range strings.Split(s, ",") {
			if !slices.Contains(allStages, x) {
				return nil, fmt.Errorf("--stage %q: must be one of %s", x, strings.Join(allStages, ", "))
			}
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out, nil
}
