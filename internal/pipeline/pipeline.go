// Package pipeline is Vigía's runtime: it declares the stage graph (graph.go), owns the Kafka
// client, the ClickHouse batchers, the metrics server and the stages' lifetimes, and runs
// the selected stages with errgroup semantics: the first stage that fails is logged with its
// cause, the others stop cleanly (flush, wait for acknowledgements, commit), and Run returns
// that error so `vigia run` exits non-zero. Nothing here is global: tests run two pipelines in
// one process.
package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"golang.org/x/sync/errgroup"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/schemas"
)

// Options of one run.
type Options struct {
	// Config is the validated configuration. Required.
	Config config.Config
	// Stages to run, by name (see Stages). Default all.
	Stages []string
	// Environ holds the secrets (VIGIA_PSEUDONYM_KEYS, VIGIA_DLQ_KEYS, or their *_FILE) and
	// the routes' variables. Default none.
	Environ map[string]string
	// Log receives the run's events. Default: disabled.
	Log zerolog.Logger
}

// runtime is what the stages of one run share.
type runtime struct {
	cfg        config.Config
	environ    map[string]string
	log        zerolog.Logger
	reg        *prometheus.Registry
	m          *metrics.Metrics
	names      topics.Names
	kafka      *kclient.Client
	writer     *kafka.Writer
	sealer     *dlq.Sealer
	points     *schemas.Points
	cleanParts int // partitions of vigia.clean, which the detector must hear from
	sinks      *sinkSet
	refused    sync.Map // raw topics of unregistered agencies already logged
	budget     *stream.Budget
}

// Run runs the selected stages until ctx ends or one of them fails, then flushes, commits
// and returns: nil after a clean stop, else the first failure, naming its stage.
func Run(ctx context.Context, o Options) error {
	stages, err := ParseStages(o.Stages)
	if err != nil {
		return err
	}
	if err := secrets.DistinctEnv(o.Environ); err != nil { // one key for two purposes
		return err
	}
	rt, err := newRuntime(ctx, o)
	if err != nil {
		return err
	}
	defer rt.close()
	handlers, err := rt.build(ctx, stages)
	if err != nil {
		return err
	}
	o.Log.Info().Strs("stages", stages).Str("prefix", rt.names.Prefix).Msg("pipeline started")
	g, gctx := errgroup.WithContext(ctx)
	rt.serveMetrics(g, gctx)
	if rt.sinks != nil {
		g.Go(func() error { rt.reportStats(gctx, stages); return nil })
	}
	for _, h := range handlers {
		g.Go(func() error {
			if err := stream.Run(gctx, rt.streamConfig(h.spec, h.name), h.handler); err != nil {
				o.Log.Error().Err(err).Str("stage", h.name).Msg("stage failed; stopping the others")
				return fmt.Errorf("stage %s: %w", h.name, err)
			}
			return nil
		})
	}
	err = g.Wait()
	if err == nil {
		o.Log.Info().Msg("pipeline stopped: outputs flushed and offsets committed")
	}
	return err
}

func newRuntime(ctx context.Context, o Options) (*runtime, error) {
	cfg := o.Config
	rt := &runtime{cfg: cfg, environ: o.Environ, log: o.Log, reg: prometheus.NewRegistry(),
		names: topics.Names{Prefix: cfg.Kafka.TopicPrefix}, budget: stream.NewBudget(BatchBudget(cfg.Pipeline))}
	rt.m = metrics.New(rt.reg)
	rt.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	var err error
	if rt.points, err = schemas.RegionPoints(); err != nil {
		return nil, err
	}
	dlqKeys, err := secrets.LoadKeyRing(o.Environ, "VIGIA_DLQ_KEYS", dlq.KeySize)
	if err != nil {
		return nil, err
	}
	if rt.sealer, err = dlq.NewSealer(dlqKeys); err != nil {
		return nil, err
	}
	if rt.kafka, err = kclient.New(cfg.Kafka.Client()); err != nil {
		return nil, err
	}
	if err := rt.ensureTopics(ctx); err != nil {
		rt.kafka.Close()
		return nil, err
	}
	rt.writer = rt.kafka.Writer(kclient.WriterConfig{Balancer: stream.PointBalancer{}})
	return rt, nil
}

// close runs after every stage has returned: the batchers flush what the stages' last
// flushes submitted, then the producer and the connections close.
func (rt *runtime) close() {
	if rt.sinks != nil {
		rt.sinks.close()
	}
	if err := rt.writer.Close(); err != nil {
		rt.log.Error().Err(err).Msg("cannot close the Kafka producer")
	}
	rt.kafka.Close()
}

// handler is one consumer group of the run.
type handler struct {
	name    string // the stage, or notify-<route>
	spec    *StageSpec
	handler stream.Handler
}

// build constructs the selected stages; an error names the stage and what to fix.
func (rt *runtime) build(ctx context.Context, stages []string) ([]handler, error) {
	var out []handler
	for _, name := range stages {
		spec := stageSpec(name)
		if spec.needsClickHouse && rt.sinks == nil {
			s, err := rt.openSinks(ctx)
			if err != nil {
				return nil, err
			}
			rt.sinks = s
		}
		hs, err := spec.build(rt)
		if err != nil {
			return nil, fmt.Errorf("cannot start stage %s: %w", name, err)
		}
		for groupName, h := range hs {
			out = append(out, handler{name: groupName, spec: spec, handler: h})
		}
	}
	slices.SortFunc(out, func(a, b handler) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

func (rt *runtime) streamConfig(spec *StageSpec, name string) stream.Config {
	pc := rt.cfg.Pipeline
	return stream.Config{Stage: name, Kafka: rt.kafka, GroupID: rt.names.Prefix + "-" + name,
		Topics:    func(ctx context.Context) ([]string, error) { return spec.inputs(rt, ctx) },
		BatchSize: pc.BatchSize, BatchWait: pc.BatchWait, CloseTimeout: pc.Shutdown, Log: rt.log, Metrics: rt.m,
		Budget: rt.budget}
}

// BatchBudget is the bytes of records the batches of all stages may hold at once: a quarter
// of the memory budget, the rest being read-ahead, outputs in flight, dedup state, windows
// and the runtime's headroom.
func BatchBudget(pc config.Pipeline) int64 { return int64(pc.MemoryBudgetMiB) << 20 / 4 }

// ParseStages reads --stage values ("ingest,dedup" or repeated flags); none means all.
func ParseStages(in []string) ([]string, error) {
	all := Stages()
	if len(in) == 0 {
		return all, nil
	}
	var out []string
	for _, s := range in {
		for _, x := range strings.Split(s, ",") {
			if !slices.Contains(all, x) {
				return nil, fmt.Errorf("--stage %q: must be one of %s", x, strings.Join(all, ", "))
			}
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out, nil
}
