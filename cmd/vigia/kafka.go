package main

import (
	"context"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
)

// rawWriter is the producer of the record generators (replay, simulate), which stand in for
// many agencies at once: it connects as the administrator, enrolls the agencies that are not
// registered yet (registry and raw topic, no credentials) and spreads records over their
// partitions. close flushes and releases the connections.
func rawWriter(ctx context.Context, cfg config.Config, agencies []string) (w *kafka.Writer, close func(), err error) {
	a, done, err := adminAccess(cfg)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range agencies {
		if err := a.Enroll(ctx, id); err != nil {
			done()
			return nil, nil, err
		}
	}
	w = a.Kafka.Writer(kclient.WriterConfig{})
	return w, func() { _ = w.Close(); done() }, nil
}
