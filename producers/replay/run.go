package replay

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// Run publishes the days in order, one day every daySeconds of wall time (0: as fast as
// the brokers take them), to each record's agency topic; after each day it calls done.
// It returns the records and persons published.
func Run(ctx context.Context, p stream.Producer, names topics.Names, days []Day, daySeconds float64, done func(Day)) (records, persons int, err error) {
	start := time.Now()
	for i, d := range days {
		msgs := make([]kafka.Message, len(d.Records))
		for j, r := range d.Records {
			msgs[j] = kafka.Message{Topic: names.Raw(r.Agency), Value: r.Value}
		}
		if err := p.WriteMessages(ctx, msgs...); err != nil {
			return records, persons, fmt.Errorf("cannot publish %s: %w", d.Date.Format(time.DateOnly), err)
		}
		records, persons = records+len(msgs), persons+d.Persons
		if done != nil {
			done(d)
		}
		next := start.Add(time.Duration(float64(i+1) * daySeconds * float64(time.Second)))
		select {
		case <-ctx.Done():
			return records, persons, ctx.Err()
		case <-time.After(time.Until(next)):
		}
	}
	return records, persons, nil
}
