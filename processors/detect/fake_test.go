package detect

import (
	"context"

	"github.com/segmentio/kafka-go"
)

type nopProducer struct{}

func (nopProducer) WriteMessages(context.Context, ...kafka.Message) error { return nil }
