package kclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// TopicSpec is a topic to create.
type TopicSpec struct {
	Name              string
	Partitions        int
	ReplicationFactor int
	Compacted         bool
	// Retention, when set, is the topic's retention.ms.
	Retention time.Duration
}

// EnsureTopics creates the topics that do not exist yet and waits until the brokers know
// them, as seen through the transport writers use: its metadata cache must know a topic
// before anything is produced to it. An existing topic is left as it is.
func (c *Client) EnsureTopics(ctx context.Context, specs ...TopicSpec) error {
	client, done := c.admin()
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
		return fmt.Errorf("cannot create topics on %s: %w", strings.Join(c.cfg.Brokers, ","), err)
	}
	for name, err := range res.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			return fmt.Errorf("cannot create topic %s: %w", name, err)
		}
	}
	return waitKnown(ctx, c.shared(), specs)
}

func waitKnown(ctx context.Context, client *kafka.Client, specs []TopicSpec) error {
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

// Topics returns the names of the topics on the cluster.
func (c *Client) Topics(ctx context.Context) ([]string, error) {
	client, done := c.admin()
	defer done()
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, fmt.Errorf("cannot list topics on %s: %w", strings.Join(c.cfg.Brokers, ","), err)
	}
	out := make([]string, 0, len(md.Topics))
	for _, t := range md.Topics {
		out = append(out, t.Name)
	}
	return out, nil
}

// Reachable dials the first broker that answers, for clear start-up errors.
func (c *Client) Reachable(ctx context.Context) error {
	var last error
	for _, b := range c.cfg.Brokers {
		d := net.Dialer{Timeout: 3 * time.Second}
		c, err := d.DialContext(ctx, "tcp", b)
		if err == nil {
			c.Close()
			return nil
		}
		last = err
	}
	return fmt.Errorf("cannot reach any Kafka broker of %s (is it running? `make services` starts one): %w", strings.Join(c.cfg.Brokers, ","), last)
}

// Authenticate makes one request the broker answers only to an authenticated client (when
// it authenticates): a wrong password, no credentials or no TLS fail here with the broker's
// reason, not later in a stage.
func (c *Client) Authenticate(ctx context.Context) error {
	client, done := c.admin()
	defer done()
	if _, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{}}); err != nil {
		return fmt.Errorf("cannot connect to Kafka at %s as %q (%s): %w", strings.Join(c.cfg.Brokers, ","), c.cfg.SASL.Username, c.cfg.SASL.Mechanism, err)
	}
	return nil
}

// Describe asks the first broker, on a connection of its own, for topic's metadata by name,
// and returns the broker's answer for it: an authorization error when this principal may not
// describe it. (The writers' metadata cache lists all topics, from which a broker leaves out
// those a principal may not see, so through it a refused topic only looks missing.)
func (c *Client) Describe(ctx context.Context, topic string) error {
	conn, err := c.dialer().DialContext(ctx, "tcp", c.cfg.Brokers[0])
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", c.cfg.Brokers[0], err)
	}
	defer conn.Close()
	if _, err := conn.ReadPartitions(topic); err != nil {
		return fmt.Errorf("cannot describe %s: %w", topic, err)
	}
	return nil
}

// ProduceTo writes one record to partition 0 of topic on the first broker, on a connection
// of its own and without asking for metadata first, so the broker's answer to the write
// itself comes back (an authorization error when this principal may not write the topic).
// For checking a principal's rights on a one-broker cluster (the tests).
func (c *Client) ProduceTo(ctx context.Context, topic string, value []byte) error {
	host, port, err := net.SplitHostPort(c.cfg.Brokers[0])
	if err != nil {
		return err
	}
	p, _ := strconv.Atoi(port)
	conn, err := c.dialer().DialPartition(ctx, "tcp", c.cfg.Brokers[0], kafka.Partition{Topic: topic, ID: 0,
		Leader: kafka.Broker{Host: host, Port: p}})
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %w", c.cfg.Brokers[0], err)
	}
	defer conn.Close()
	if _, err := conn.WriteMessages(kafka.Message{Value: value}); err != nil {
		return fmt.Errorf("cannot write to %s: %w", topic, err)
	}
	return nil
}

// Partitions returns the number of partitions of a topic.
func (c *Client) Partitions(ctx context.Context, topic string) (int, error) {
	client, done := c.admin()
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

// DeleteTopicsWithPrefix deletes every topic whose name starts with prefix + ".", for tests
// and the demo, which start from empty topics.
func (c *Client) DeleteTopicsWithPrefix(ctx context.Context, prefix string) error {
	all, err := c.Topics(ctx)
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
	client, done := c.admin()
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
