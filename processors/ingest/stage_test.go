package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/lib/anonymize"
	"github.com/vigia-observatory/vigia/schemas"
)

type fakeProducer struct {
	got     []kafka.Message
	markers []kafka.Message // source progress markers, kept apart from the records
	fail    error
}

func (f *fakeProducer) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	if f.fail != nil {
		return f.fail
	}
	for _, m := range msgs { // the stage reuses its buffers: keep copies, as Kafka would
		m.Key, m.Value = bytes.Clone(m.Key), bytes.Clone(m.Value)
		if _, _, ok := wire.SourceMarker(m.Value); ok {
			f.markers = append(f.markers, m)
			continue
		}
		f.got = append(f.got, m)
	}
	return nil
}

func newStage(t *testing.T, prod stream.Producer) *Stage {
	t.Helper()
	ps, err := schemas.RegionPoints()
	if err != nil {
		t.Fatal(err)
	}
	hk, _ := secrets.ParseKeyRing("p1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)), 32)
	dk, _ := secrets.ParseKeyRing("d1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32)), 32)
	sealer, _ := dlq.NewSealer(dk)
	s, err := New(Config{Topics: topics.Names{Prefix: "vigia"}, Validator: &schemas.Validator{Points: ps},
		Anonymize: anonymize.Config{Keys: hk, EventKeys: hk}, Sealer: sealer, Producer: prod, AnonPartitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func lines(t *testing.T, path string, topic string) []kafka.Message {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []kafka.Message
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, kafka.Message{Topic: topic, Offset: int64(len(out)), Value: bytes.Clone(sc.Bytes())})
	}
	return out
}

// Every record ends in exactly one of anon or DLQ, with the reason in clear and no PII.
func TestEveryRecordEndsSomewhere(t *testing.T) {
	t.Parallel()
	prod := &fakeProducer{}
	s := newStage(t, prod)
	ph, err := s.Open(context.Background(), "vigia.raw.hn-inm", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	valid := lines(t, "../../schemas/testdata/valid.ndjson", "vigia.raw.hn-inm")
	invalid := lines(t, "../../schemas/testdata/invalid.ndjson", "vigia.raw.hn-inm")
	msgs := append(valid, invalid...)
	for i := range msgs {
		msgs[i].Offset = int64(i)
	}
	commit, err := ph.Handle(context.Background(), msgs)
	if err != nil || commit != int64(len(msgs)) {
		t.Fatalf("commit %d err %v", commit, err)
	}
	if len(prod.got) != len(msgs) {
		t.Fatalf("%d records in, %d out", len(msgs), len(prod.got))
	}
	var anon, dead int
	for i, m := range prod.got {
		switch m.Topic {
		case "vigia.anon":
			anon++
			var c wire.CleanEvent
			if err := c.UnmarshalBinary(m.Value); err != nil {
				t.Fatalf("output %d: %v", i, err)
			}
			if !bytes.HasPrefix(m.Key, []byte(c.PointID+"/")) {
				t.Errorf("anon key %q does not start with the point", m.Key)
			}
		case "vigia.dlq":
			dead++
			r, err := dlq.Parse(m)
			if err != nil {
				t.Fatal(err)
			}
			if r.Offset != msgs[i].Offset {
				t.Errorf("DLQ record for offset %d says %d", msgs[i].Offset, r.Offset)
			}
		}
		for _, canary := range []string{"Ana María", "Pérez", "V12345678", "José", "CURP-XXXX", "1990-01-01"} {
			blob := string(m.Key) + string(m.Value)
			for _, h := range m.Headers {
				blob += string(h.Value)
			}
			if strings.Contains(blob, canary) {
				t.Errorf("output %d (%s) contains %q", i, m.Topic, canary)
			}
		}
	}
	// Valid records of other agencies are agency_mismatch on hn-inm's topic.
	if anon == 0 || dead < len(invalid) || anon+dead != len(msgs) {
		t.Fatalf("anon %d dlq %d of %d", anon, dead, len(msgs))
	}
}

func TestProducerFailureDoesNotAdvance(t *testing.T) {
	t.Parallel()
	prod := &fakeProducer{fail: errors.New("broker down")}
	s := newStage(t, prod)
	ph, _ := s.Open(context.Background(), "vigia.raw.hn-inm", 0, 5)
	msgs := lines(t, "../../schemas/testdata/valid.ndjson", "vigia.raw.hn-inm")
	for i := range msgs {
		msgs[i].Offset = int64(5 + i)
	}
	commit, err := ph.Handle(context.Background(), msgs)
	if err == nil || commit != 5 {
		t.Fatalf("commit %d err %v: a failed produce must not move the offset", commit, err)
	}
	prod.fail = nil
	if commit, err = ph.Handle(context.Background(), msgs); err != nil || commit != int64(5+len(msgs)) {
		t.Fatalf("after recovery: %d %v", commit, err)
	}
}

func TestOpenRejectsForeignTopic(t *testing.T) {
	t.Parallel()
	s := newStage(t, &fakeProducer{})
	if _, err := s.Open(context.Background(), "vigia.clean", 0, 0); err == nil {
		t.Fatal("opened a non-raw topic")
	}
}
