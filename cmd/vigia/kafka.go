package main

import (
	"context"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// rawWriter is the producer of the record generators (replay, simulate): it creates the
// agencies' raw topics when missing and spreads records over their partitions. close
// flushes and releases the connections.
func rawWriter(ctx context.Context, cfg config.Config, agencies []string) (w *kafka.Writer, close func(), err error) {
	kc, err := kclient.New(cfg.Kafka.Client())
	if err != nil {
		return nil, nil, err
	}
	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	specs := make([]kclient.TopicSpec, len(agencies))
	for i, a := range agencies {
		specs[i] = kclient.TopicSpec{Name: names.Raw(a), Partitions: cfg.Kafka.Partitions, ReplicationFactor: cfg.Kafka.ReplicationFactor}
	}
	if err := kc.EnsureTopics(ctx, specs...); err != nil {
		kc.Close()
		return nil, nil, err
	}
	w = kc.Writer(kclient.WriterConfig{})
	return w, func() { _ = w.Close(); kc.Close() }, nil
}
