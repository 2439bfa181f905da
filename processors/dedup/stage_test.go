package dedup

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/lib/dedupstate"
)

// halfFailing acknowledges every other record of its first call only (a broker lost in the
// middle of a batch), then everything.
type halfFailing struct {
	calls     int
	delivered map[string]int // clean records delivered, by event id
}

func (h *halfFailing) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	h.calls++
	var failed kafka.WriteErrors
	if h.calls == 1 {
		failed = make(kafka.WriteErrors, len(msgs))
	}
	for i, m := range msgs {
		if h.calls == 1 && i%2 == 1 {
			failed[i] = errors.New("dial tcp: connection refused")
			continue
		}
		var ev wire.CleanEvent
		if ev.UnmarshalBinary(m.Value) == nil {
			h.delivered[ev.EventID]++
		}
	}
	if h.calls == 1 {
		return failed
	}
	return nil
}

// A batch whose produce failed for some records is handed again: the records that were
// delivered the first time must not be delivered twice (the window stage would count them
// twice), and the others must be delivered.
func TestRetriedBatchDeliversEachRecordOnce(t *testing.T) {
	t.Parallel()
	prod := &halfFailing{delivered: map[string]int{}}
	s := &Stage{cfg: Config{Topics: topics.Names{Prefix: "t"}, Producer: prod, WatermarkDelay: time.Minute, IdleTimeout: time.Second}}
	s.cfg.State.Defaults()
	p := &partition{s: s, state: dedupstate.New(s.cfg.State), srcs: newSources(time.Second, time.Now())}
	var msgs []kafka.Message
	for i := range 10 {
		ev := wire.CleanEvent{Agency: "hn-inm", EventID: "ev-" + strconv.Itoa(i), PointID: "hnd-corinto",
			OccurredAt: 1_700_000_000 + int64(i), ExactKey: uint64(1000 + i), SemanticKey: uint64(2000 + i)}
		msgs = append(msgs, kafka.Message{Offset: int64(i), Value: ev.AppendBinary(nil)})
	}
	if _, err := p.Handle(context.Background(), msgs); err == nil {
		t.Fatal("the first produce failed in part, yet Handle succeeded")
	}
	commit, err := p.Handle(context.Background(), msgs)
	if err != nil || commit != 10 {
		t.Fatalf("retry: commit %d, %v", commit, err)
	}
	for i := range 10 {
		if n := prod.delivered["ev-"+strconv.Itoa(i)]; n != 1 {
			t.Errorf("ev-%d delivered %d times, want once", i, n)
		}
	}
}
