// Package topics names Vigía's Kafka topics and creates them. Every name starts with the
// configured prefix, so two deployments (or two test runs) can share one cluster.
package topics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
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

// newClient returns a client with a transport of its own: kafka-go's shared DefaultTransport
// caches cluster metadata for seconds, so a topic created a moment ago could be reported
// unknown. close releases the transport's connections.
func newClient(brokers []string) (client *kafka.Client, close func()) {
	tr := &kafka.Transport{MetadataTTL: time.Second}
	return &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second, Transport: tr}, tr.CloseIdleConnections
}

// Spec is a topic to create.
type Spec struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	Compacted         bool
	// Retention, when set, is the topic's retention.ms.
	Retention time.Duration
}

// Ensure creates the topics that do not exist yet and waits until the brokers know them, as
// seen through kafka-go's shared DefaultTransport, which writers use: its metadata cache must
// know a topic before anything is produced to it. An existing topic is left as it is.
func Ensure(ctx context.Context, brokers []string, specs ...Spec) error {
	client, done := newClient(brokers)
	defer done()
	req := &kafka.CreateTopicsRequest{}
	for _, s := range specs {
		tc := kafka.TopicConfig{Topic: s.Name, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor}
		if s.Compacted {
			tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: "cleanup.policy", ConfigValue: "compact"})
		}
		if s.Retention > 0 {
			tc.ConfigEntries = append(tc.ConfigEntries, kafka.ConfigEntry{ConfigName: "retention.ms", ConfigValue: strconv.FormatInt(s.Retention.Milliseconds(), 10)})
		}
		req.Topics = append(req.Topics, tc)
	}
	res, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("cannot create topics on %s: %w", strings.Join(brokers, ","), err)
	}
	for name, err := range res.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("cannot create topic %s: %w", name, err)
		}
	}
	shared := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second} // DefaultTransport
	return waitKnown(ctx, shared, specs)
}

func waitKnown(ctx context.Context, client *kafka.Client, specs []Spec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	for {
		md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
		if err == nil && allReady(md, len(names)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cannot see topics %s: %w", strings.Join(names, ","), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func allReady(md *kafka.MetadataResponse, want int) bool {
	if len(md.Topics) != want {
		return false
	}
	for _, t := range md.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Leader.Host == "" {
				return false
			}
		}
	}
	return true
}

// List returns the names of the topics on the cluster.
func List(ctx context.Context, brokers []string) ([]string, error) {
	client, done := newClient(brokers)
	defer done()
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, fmt.Errorf("cannot list topics on %s: %w", strings.Join(brokers, ","), err)
	}
	out := make([]string, 0, len(md.Topics))
	for _, t := range md.Topics {
		out = append(out, t.Name)
	}
	return out, nil
}

// Reachable dials the first broker that answers, for clear start-up errors.
func Reachable(ctx context.Context, brokers []string) error {
	var last error
	for _, b := range brokers {
		d := net.Dialer{Timeout: 3 * time.Second}
		c, err := d.DialContext(ctx, "tcp", b)
		if err == nil {
			c.Close()
			return nil
		}
		last = err
	}
	return fmt.Errorf("cannot reach any Kafka broker of %s (is it running? `make services` starts one): %w", strings.Join(brokers, ","), last)
}

// PartitionString is "topic[partition]" for logs and errors.
func PartitionString(topic string, partition int) string {
	return topic + "[" + strconv.Itoa(partition) + "]"
}

// Partitions returns the number of partitions of a topic.
func Partitions(ctx context.Context, brokers []string, topic string) (int, error) {
	client, done := newClient(brokers)
	defer done()
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return 0, fmt.Errorf("cannot read metadata of %s: %w", topic, err)
	}
	for _, t := range md.Topics {
		if t.Error != nil {
			return 0, fmt.Errorf("cannot read metadata of %s: %w", topic, t.Error)
		}
		return len(t.Partitions), nil
	}
	return 0, fmt.Errorf("topic %s not found", topic)
}

// DeleteWithPrefix deletes every topic whose name starts with prefix + ".", for tests that
// clean up after themselves.
func DeleteWithPrefix(ctx context.Context, brokers []string, prefix string) error {
	all, err := List(ctx, brokers)
	if err != nil {
		return err
	}
	var names []string
	for _, t := range all {
		if strings.HasPrefix(t, prefix+".") {
			names = append(names, t)
		}
	}
	if len(names) == 0 {
		return nil
	}
	client, done := newClient(brokers)
	defer done()
	res, err := client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: names})
	if err != nil {
		return fmt.Errorf("cannot delete topics %s.*: %w", prefix, err)
	}
	for name, err := range res.Errors {
		if err != nil {
			return fmt.Errorf("cannot delete topic %s: %w", name, err)
		}
	}
	return nil
}
