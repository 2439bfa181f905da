package config

import (
	"errors"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/topics"
)

// Compressions maps kafka.compression values to kafka-go codecs (0 is none).
var Compressions = map[string]kafka.Compression{"none": 0, "gzip": kafka.Gzip, "snappy": kafka.Snappy, "lz4": kafka.Lz4, "zstd": kafka.Zstd}

var (
	topicPartRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)
	identRe     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

type badFunc func(key, format string, args ...any)

func checkAddrs(bad badFunc, key string, addrs []string) {
	if len(addrs) == 0 {
		bad(key, "must list at least one host:port")
	}
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			bad(key, "%q is not host:port", a)
		}
	}
}

func positive(bad badFunc, key string, v, min, max int) {
	if v < min || v > max {
		bad(key, "%d must be between %d and %d", v, min, max)
	}
}

func positiveDur(bad badFunc, key string, d time.Duration) {
	if d <= 0 {
		bad(key, "%s must be a positive duration such as 10s", d)
	}
}

// joinLines renders several problems one per line, indented under the heading.
func joinLines(errs []error) error {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Error()
	}
	return errors.New(strings.Join(parts, "\n  "))
}

func (p *Pipeline) validate(bad badFunc) {
	if len(p.Agencies) > 0 {
		bad("pipeline.agencies (env VIGIA_PIPELINE_AGENCIES)", "agencies are registered now, not configured: remove this key and run `vigia agencies add ID` for each agency, as the administrator")
	}
	for _, a := range p.Agencies {
		if !topics.AgencyPattern.MatchString(a) {
			bad("pipeline.agencies", "%q must match ^[a-z0-9][a-z0-9_-]{1,31}$", a)
		}
	}
	if p.TimePrecision < time.Second || p.TimePrecision > time.Hour || time.Hour%p.TimePrecision != 0 {
		bad("pipeline.time_precision", "%s must divide an hour, from 1s to 1h (e.g. 1m, 5m, 15m)", p.TimePrecision)
	}
	positive(bad, "pipeline.row_retention_months", p.RowRetentionMonths, 1, 120)
	for _, c := range p.Destinations {
		if len(c) != 3 || strings.ToUpper(c) != c {
			bad("pipeline.destinations", "%q must be an ISO 3166-1 alpha-3 code in upper case", c)
		}
	}
	// In file order, so the message lists problems in a stable order.
	for _, kv := range []struct {
		key string
		d   time.Duration
	}{
		{"pipeline.shutdown_grace", p.Shutdown}, {"pipeline.batch_wait", p.BatchWait},
		{"pipeline.dedup_horizon", p.DedupHorizon}, {"pipeline.dedup_tolerance", p.DedupTolerance},
		{"pipeline.watermark_delay", p.WatermarkDelay}, {"pipeline.idle_timeout", p.IdleTimeout},
		{"pipeline.allowed_lateness", p.AllowedLateness}, {"pipeline.window_flush", p.WindowFlush},
		{"pipeline.insert_wait", p.InsertWait}, {"pipeline.stats_interval", p.StatsInterval},
	} {
		positiveDur(bad, kv.key, kv.d)
	}
	positive(bad, "pipeline.batch_size", p.BatchSize, 1, 100_000)
	positive(bad, "pipeline.memory_budget_mib", p.MemoryBudgetMiB, 64, 1<<20)
	positive(bad, "pipeline.dedup_max_keys", p.DedupMaxKeys, 1000, 1_000_000_000)
	positive(bad, "pipeline.insert_rows", p.InsertRows, 1, 10_000_000)
}
