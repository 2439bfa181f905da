package pipeline

import (
	"context"
	"fmt"

	"github.com/vigia-observatory/vigia/dashboards"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/lib/anonymize"
	"github.com/vigia-observatory/vigia/lib/dedupstate"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/lib/windowing"
	"github.com/vigia-observatory/vigia/processors/dedup"
	"github.com/vigia-observatory/vigia/processors/detect"
	"github.com/vigia-observatory/vigia/processors/ingest"
	"github.com/vigia-observatory/vigia/processors/notify"
	"github.com/vigia-observatory/vigia/processors/publish"
	"github.com/vigia-observatory/vigia/processors/store"
	"github.com/vigia-observatory/vigia/processors/window"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

// StageSpec declares one stage of the graph: what it reads and writes, and how it is built.
// Each stage is a consumer group <prefix>-<name> (notify: one group per route).
type StageSpec struct {
	Name string
	// Inputs and Outputs name the topics and tables, for people (`vigia run --help`,
	// docs/DESIGN.md); inputs is what the consumer group reads.
	Inputs, Outputs string
	inputs          func(rt *runtime, ctx context.Context) ([]string, error)
	needsClickHouse bool
	// build returns the stage's handlers by consumer-group name.
	build func(rt *runtime) (map[string]stream.Handler, error)
}

// graph is the pipeline, in data order.
var graph = []StageSpec{
	{Name: "ingest", Inputs: "<prefix>.raw.<agency>", Outputs: "<prefix>.anon, <prefix>.dlq",
		inputs: (*runtime).rawTopics, build: one("ingest", (*runtime).ingest)},
	{Name: "dedup", Inputs: "<prefix>.anon", Outputs: "<prefix>.clean",
		inputs: fixed(func(rt *runtime) []string { return []string{rt.names.Anon()} }), build: one("dedup", (*runtime).dedup)},
	{Name: "window", Inputs: "<prefix>.clean", Outputs: "windows table, <prefix>.progress", needsClickHouse: true,
		inputs: fixed(func(rt *runtime) []string { return []string{rt.names.Clean()} }), build: one("window", (*runtime).window)},
	{Name: "store", Inputs: "<prefix>.clean, <prefix>.dlq", Outputs: "events and dlq_records tables (and windows recounted for too-late events, with a revision to <prefix>.progress)", needsClickHouse: true,
		inputs: fixed(func(rt *runtime) []string { return []string{rt.names.Clean(), rt.names.DLQ()} }), build: one("store", (*runtime).store)},
	{Name: "detect", Inputs: "<prefix>.progress (and the windows table)", Outputs: "<prefix>.alerts, alerts and surge_bands tables", needsClickHouse: true,
		inputs: fixed(func(rt *runtime) []string { return []string{rt.names.Progress()} }), build: one("detect", (*runtime).detect)},
	{Name: "publish", Inputs: "<prefix>.progress (and the windows, alerts and surge_bands tables)", Outputs: "the published database <database>_public", needsClickHouse: true,
		inputs: fixed(func(rt *runtime) []string { return []string{rt.names.Progress()} }), build: one("publish", (*runtime).publish)},
	{Name: "notify", Inputs: "<prefix>.alerts", Outputs: "webhooks and e-mail of surge.routes_file",
		inputs: fixed(func(rt *runtime) []string { return []string{rt.names.Alerts()} }), build: (*runtime).notify},
}

// Stages names every stage in data order.
func Stages() []string {
	out := make([]string, len(graph))
	for i, s := range graph {
		out[i] = s.Name
	}
	return out
}

// Graph is the declared stage graph, for help texts and docs.
func Graph() []StageSpec { return graph }

func stageSpec(name string) *StageSpec {
	for i := range graph {
		if graph[i].Name == name {
			return &graph[i]
		}
	}
	panic("pipeline: no stage " + name) // ParseStages checked the name
}

func fixed(ts func(rt *runtime) []string) func(*runtime, context.Context) ([]string, error) {
	return func(rt *runtime, _ context.Context) ([]string, error) { return ts(rt), nil }
}

func one(name string, b func(rt *runtime) (stream.Handler, error)) func(rt *runtime) (map[string]stream.Handler, error) {
	return func(rt *runtime) (map[string]stream.Handler, error) {
		h, err := b(rt)
		if err != nil {
			return nil, err
		}
		return map[string]stream.Handler{name: h}, nil
	}
}

func (rt *runtime) ingest() (stream.Handler, error) {
	keys, err := secrets.LoadKeyRing(rt.environ, "VIGIA_PSEUDONYM_KEYS", 32)
	if err != nil {
		return nil, err
	}
	eventKeys, err := secrets.LoadKeyRing(rt.environ, "VIGIA_EVENT_KEYS", 32)
	if err != nil {
		return nil, err
	}
	pc := rt.cfg.Pipeline
	return ingest.New(ingest.Config{
		Topics: rt.names,
		Validator: &schemas.Validator{Points: rt.points, MaxCount: rt.cfg.Validation.MaxCount,
			MaxClockSkew: rt.cfg.Validation.MaxClockSkew},
		Anonymize: anonymize.Config{Keys: keys, EventKeys: eventKeys, PseudonymizeMinors: pc.PseudonymizeMinors,
			UnknownAgeAsMinor: &pc.UnknownAgeAsMinor, Precision: pc.TimePrecision, Scope: pc.DedupHorizon, Destinations: pc.Destinations},
		Sealer: rt.sealer, Producer: rt.writer, AnonPartitions: rt.cleanParts, Metrics: rt.m, Log: rt.log,
	})
}

func (rt *runtime) dedup() (stream.Handler, error) {
	pc := rt.cfg.Pipeline
	return dedup.New(dedup.Config{
		Topics: rt.names, Kafka: rt.kafka, Producer: rt.writer, Metrics: rt.m, Log: rt.log,
		State:          dedupstate.Config{Horizon: pc.DedupHorizon, Tolerance: pc.DedupTolerance, MaxKeys: pc.DedupMaxKeys},
		WatermarkDelay: pc.WatermarkDelay, IdleTimeout: pc.IdleTimeout, Sources: rt.rawPartitions,
	})
}

// windowing is how the window stage counts; the store stage recounts by the same rule.
func (rt *runtime) windowing() windowing.Config {
	return windowing.Config{AllowedLateness: rt.cfg.Pipeline.AllowedLateness, Zone: rt.points.Zone}
}

func (rt *runtime) window() (stream.Handler, error) {
	return window.New(window.Config{
		Aggregator: rt.windowing(),
		Submit:     rt.sinks.windows.Submit,
		ReadBack:   rt.kafka.ReadOffsets,
		SubmitNeeds: func(ctx context.Context, part int, rows []windowing.NeedRow, source string) (stream.Ticket, error) {
			out := make([]chsink.NeedsRow, len(rows))
			for i, r := range rows {
				out[i] = chsink.NeedsRow{NeedRow: r, Partition: part}
			}
			return rt.sinks.needs.Submit(ctx, out, source)
		},
		Resume: func(ctx context.Context, part int, block int64) ([]windowing.NeedRow, error) {
			return chsink.NeedsResume(ctx, rt.sinks.conn, rt.cfg.ClickHouse.Database, part, block)
		},
		FlushInterval: rt.cfg.Pipeline.WindowFlush,
		Progress:      window.ProgressTo(rt.writer, rt.names.Progress(), rt.cleanParts),
		Metrics:       rt.m, Log: rt.log,
	})
}

func (rt *runtime) store() (stream.Handler, error) {
	recounter := chsink.Recounter{Conn: rt.sinks.conn, Database: rt.cfg.ClickHouse.Database}
	return store.New(store.Config{Topics: rt.names, Events: rt.sinks.events, DLQ: rt.sinks.dlq,
		Windows: rt.windowing(), Recount: recounter.Hours, StoreWindows: rt.sinks.windows.Store,
		Revised: store.RevisionsTo(rt.writer, rt.names.Progress()), Metrics: rt.m, Log: rt.log})
}

// detect wires the detector: storage as its source, vigia.alerts and the alerts table as its
// output.
func (rt *runtime) detect() (stream.Handler, error) {
	sc := rt.cfg.Surge
	var classes []detect.Class
	for _, c := range sc.Classes {
		classes = append(classes, detect.Class{Name: c.Name, Level: c.Level, Population: c.Population, Role: c.Role, Type: c.Type, Detector: c.Detector(sc)})
	}
	var res []surge.Resolution
	for _, r := range sc.Resolutions {
		res = append(res, surge.Resolution(r))
	}
	mac, err := rt.alertMAC()
	if err != nil {
		return nil, err
	}
	return detect.New(detect.Config{
		Sign:        mac.Headers,
		Resolutions: res, Default: sc.Detector(), Classes: classes, ResolveAfter: sc.ResolveAfter,
		Lateness:   rt.cfg.Pipeline.AllowedLateness,
		Hysteresis: sc.Hysteresis, NationalityMinCount: sc.NationalityMinCount,
		Corridor: detect.Corridor{RareShare: sc.Corridor.RareShare, Share: sc.Corridor.Share, MinCount: sc.Corridor.MinCount},
		Source:   rt.sinks.series(rt.cfg.ClickHouse.Database),
		Zone:     rt.points.Zone, CountryZones: rt.points.CountryZones, PointName: rt.points.Name,
		Dashboard:   func(c schemas.AlertChange) string { return dashboards.AlertLink(sc.DashboardURL, c) },
		StoreAlerts: rt.sinks.alerts.Store,
		Bands:       rt.sinks.bands.Store,
		Topics:      rt.names, Kafka: rt.kafka, Producer: rt.writer, Metrics: rt.m, Log: rt.log,
	})
}

// notify is one consumer group of vigia.alerts per route of the routes file, so a dead
// route holds up only itself. None without a routes file.
func (rt *runtime) notify() (map[string]stream.Handler, error) {
	if rt.cfg.Surge.RoutesFile == "" {
		rt.log.Info().Msg("no surge.routes_file: alerts go to vigia.alerts and ClickHouse only")
		return nil, nil
	}
	routes, err := notifier.LoadRoutes(rt.cfg.Surge.RoutesFile, rt.environ)
	if err != nil {
		return nil, err
	}
	mac, err := rt.alertMAC()
	if err != nil {
		return nil, err
	}
	rule, err := rt.disclosure()
	if err != nil {
		return nil, err
	}
	trust := notify.Trust{Verify: mac.Verify, Refused: func(route, reason string) { rt.m.AlertsRefused.WithLabelValues(route, reason).Inc() }}
	out := map[string]stream.Handler{}
	for _, r := range routes {
		out["notify-"+r.Name] = notify.New(r, rt.log, func(route, outcome string) {
			rt.m.Notifications.WithLabelValues(route, outcome).Inc()
		}, trust, rule)
	}
	return out, nil
}

// publish wires the published layer's maintenance.
func (rt *runtime) publish() (stream.Handler, error) {
	rule, err := rt.disclosure()
	if err != nil {
		return nil, err
	}
	return publish.New(publish.Config{Store: chsink.Published{Conn: rt.sinks.conn, Database: rt.cfg.ClickHouse.Database,
		LateAfter: rt.cfg.Pipeline.WatermarkDelay + rt.cfg.Pipeline.AllowedLateness},
		Rule: &rule, Zone: rt.points.Zone, Log: rt.log})
}

// disclosure is the rule every figure shown outside the pipeline passes: published cells,
// alert messages. Its key derives from the current pseudonymization key.
func (rt *runtime) disclosure() (disclosure.Rule, error) {
	keys, err := secrets.LoadKeyRing(rt.environ, "VIGIA_PSEUDONYM_KEYS", 32)
	if err != nil {
		return disclosure.Rule{}, fmt.Errorf("cannot derive the disclosure rule's key: %w", err)
	}
	_, key := keys.Current()
	return disclosure.FromSecret(key)
}

// alertMAC signs (detect) and verifies (notify) the records of vigia.alerts with
// VIGIA_ALERT_KEYS, which only the pipeline holds.
func (rt *runtime) alertMAC() (secrets.RecordMAC, error) {
	ring, err := secrets.LoadKeyRing(rt.environ, "VIGIA_ALERT_KEYS", secrets.RecordMACKeySize)
	if err != nil {
		return secrets.RecordMAC{}, fmt.Errorf("cannot sign or verify alerts: %w", err)
	}
	return secrets.RecordMAC{Ring: ring}, nil
}
