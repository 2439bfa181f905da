package detect

import (
	"context"

	"github.com/segmentio/kafka-go"
	"github.com/vigia-observatory/vigia/internal/kclient"
)

type nopProducer struct{}

func (nopProducer) WriteMessages(context.Context, ...kafka.Message) error { return nil }

// offlineKafka is a client of no cluster: the judge tests never connect.
var offlineKafka = func() *kclient.Client {
	kc, err := kclient.New(kclient.Config{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		panic(err)
	}
	return kc
}()
