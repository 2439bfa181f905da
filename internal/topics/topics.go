// Package topics names Vigía's Kafka topics and lays them out (partitions, retention,
// compaction: Layout); internal/kclient creates them. Every name starts with the configured
// prefix, so two deployments (or two test runs) can share one cluster.
package topics

import (
	"regexp"
	"strconv"
	"time"

	"github.com/vigia-observatory/vigia/internal/kclient"
)

// Names derives topic names from a prefix.
type Names struct{ Prefix string }

// Raw is the topic an agency publishes into.
func (n Names) Raw(agency string) string { return n.Prefix + ".raw." + agency }

// agencyID is what an agency id looks like: it ends a raw topic's name.
const agencyID = `[a-z0-9][a-z0-9_-]{1,31}`

// AgencyPattern matches a whole agency id.
var AgencyPattern = regexp.MustCompile(`^` + agencyID + `$`)

// RawPattern matches every agency's raw topic and captures the agency.
func (n Names) RawPattern() *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(n.Prefix) + `\.raw\.(` + agencyID + `)$`)
}

// Anon holds anonymized events keyed by the deduplication fingerprint.
func (n Names) Anon() string { return n.Prefix + ".anon" }

// Clean holds deduplicated events keyed by point.
func (n Names) Clean() string { return n.Prefix + ".clean" }

// DLQ holds rejected records, encrypted, with the reason in clear headers.
func (n Names) DLQ() string { return n.Prefix + ".dlq" }

// Alerts holds surge alert lifecycle changes.
func (n Names) Alerts() string { return n.Prefix + ".alerts" }

// Progress is the compacted one-partition topic of settled watermarks (wire.Progress).
func (n Names) Progress() string { return n.Prefix + ".progress" }

// Agencies is the registry of agencies (compacted, one partition; key agency id, a tombstone
// when removed): the raw topics ingest consumes. Only the administrator writes it.
func (n Names) Agencies() string { return n.Prefix + ".agencies" }

// Internal are the topics only the pipeline writes.
func (n Names) Internal() []string {
	return []string{n.Anon(), n.Clean(), n.DLQ(), n.Alerts(), n.Progress()}
}

// GroupPrefix starts every consumer group id of the pipeline (<prefix>-<stage>).
func (n Names) GroupPrefix() string { return n.Prefix + "-" }

// PartitionString is "topic[partition]" for logs and errors.
func PartitionString(topic string, partition int) string {
	return topic + "[" + strconv.Itoa(partition) + "]"
}

// Layout is the pipeline's topics and their retention rules.
type Layout struct {
	Names             Names
	Partitions        int
	ReplicationFactor int
	// DedupHorizon is how far back dedup rebuilds its state from vigia.clean.
	DedupHorizon time.Duration
}

// Registry is the agencies' registry topic, created by the administrator (`vigia kafka setup`).
func (l Layout) Registry() kclient.TopicSpec {
	return kclient.TopicSpec{Name: l.Names.Agencies(), Partitions: 1, ReplicationFactor: l.ReplicationFactor, Compacted: true}
}

// Specs are the topics the pipeline creates.
func (l Layout) Specs() []kclient.TopicSpec {
	parts, rf := l.Partitions, l.ReplicationFactor
	specs := []kclient.TopicSpec{
		{Name: l.Names.Anon(), Partitions: parts, ReplicationFactor: rf},
		// vigia.clean is where dedup rebuilds its state from: kept past the rebuild window.
		{Name: l.Names.Clean(), Partitions: parts, ReplicationFactor: rf, Retention: l.DedupHorizon + 48*time.Hour},
		{Name: l.Names.DLQ(), Partitions: parts, ReplicationFactor: rf, Retention: 30 * 24 * time.Hour},
		// Alerts are few and are the observatory's record: kept for 400 days.
		{Name: l.Names.Alerts(), Partitions: 1, ReplicationFactor: rf, Retention: 400 * 24 * time.Hour},
		// One partition: the consumer group makes exactly one process the detector.
		{Name: l.Names.Progress(), Partitions: 1, ReplicationFactor: rf, Compacted: true},
	}
	return specs
}
