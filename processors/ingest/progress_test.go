package ingest

import (
	"context"
	"testing"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
)

// Each raw partition tells every anon partition how far it has got: caught up after a batch
// that reaches the end of its log, reading a backlog otherwise; and a caught-up source that
// finds a backlog says so before it sends any of it.
func TestSourceProgressMarkers(t *testing.T) {
	t.Parallel()
	prod := &fakeProducer{}
	ph, err := newStage(t, prod).Open(context.Background(), "vigia.raw.hn-inm", 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	valid := lines(t, "../../schemas/testdata/valid.ndjson", "vigia.raw.hn-inm")
	last := func(batch []kafka.Message) (newest int64, caught bool) {
		t.Helper()
		if len(prod.markers) != 3 {
			t.Fatalf("%d markers, want one per anon partition (3)", len(prod.markers))
		}
		for n, m := range prod.markers {
			if string(m.Key) != string(stream.PartitionKey(n)) || len(m.Headers) != 1 || string(m.Headers[0].Value) != "vigia.raw.hn-inm:2" {
				t.Fatalf("marker %d: key %q headers %v", n, m.Key, m.Headers)
			}
		}
		newest, caught, _ = wire.SourceMarker(prod.markers[0].Value)
		prod.markers = nil
		return newest, caught
	}
	// A backlog: the batch ends before the high watermark.
	batch := valid[:4]
	for i := range batch {
		batch[i].Offset, batch[i].HighWaterMark = int64(i), 100
	}
	if _, err := ph.Handle(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if newest, caught := last(batch); caught || newest == 0 {
		t.Fatalf("backlog: newest %d caught %v", newest, caught)
	}
	// Caught up: the last record is the last of the log.
	batch = valid[4:8]
	for i := range batch {
		batch[i].Offset, batch[i].HighWaterMark = int64(4+i), 8
	}
	if _, err := ph.Handle(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	newest, caught := last(batch)
	if !caught {
		t.Fatal("not caught up at the end of the log")
	}
	// A new backlog: the "reading" marker comes before the records.
	before := len(prod.got)
	prod.fail = nil
	batch = lines(t, "../../schemas/testdata/valid.ndjson", "vigia.raw.hn-inm")[:2]
	for i := range batch {
		batch[i].Offset, batch[i].HighWaterMark = int64(8+i), 50
	}
	order := &orderProducer{fakeProducer: prod}
	ph.(*partition).s.cfg.Producer = order
	if _, err := ph.Handle(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if len(order.kinds) < 2 || order.kinds[0] != "marker" || order.kinds[1] != "records" || len(prod.got) != before+2 {
		t.Fatalf("writes %v, want the reading marker before the records", order.kinds)
	}
	if n, c, _ := wire.SourceMarker(prod.markers[0].Value); c || n != newest {
		t.Fatalf("first marker of the backlog: newest %d caught %v, want %d reading", n, c, newest)
	}
}

// orderProducer records whether each write carried markers or records.
type orderProducer struct {
	*fakeProducer
	kinds []string
}

func (o *orderProducer) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	kind := "records"
	if _, _, ok := wire.SourceMarker(msgs[0].Value); ok {
		kind = "marker"
	}
	o.kinds = append(o.kinds, kind)
	return o.fakeProducer.WriteMessages(ctx, msgs...)
}
