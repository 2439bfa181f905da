package dlq

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/schemas"
)

type captured struct{ msgs []kafka.Message }

func (c *captured) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	c.msgs = append(c.msgs, msgs...)
	return nil
}

// A row refused twice is filed under one source position (so one dlq_records row), a
// different row under another, and each opens with the DLQ key.
func TestRejectFilesARowUnderItsContent(t *testing.T) {
	t.Parallel()
	kr, _ := secrets.ParseKeyRing("d1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)), KeySize)
	s, _ := NewSealer(kr)
	out := &captured{}
	reject := (&Rejecter{Sealer: s, Producer: out, Topic: "vigia.dlq"}).Reject("windows")
	type row struct{ Point string }
	reject(row{"hnd-agua-caliente"}, errors.New("type mismatch"))
	reject(row{"hnd-agua-caliente"}, errors.New("type mismatch"))
	reject(row{"gtm-tecun-uman"}, errors.New("type mismatch"))
	if len(out.msgs) != 3 {
		t.Fatalf("%d DLQ messages, want 3", len(out.msgs))
	}
	if !bytes.Equal(out.msgs[0].Key, out.msgs[1].Key) || bytes.Equal(out.msgs[0].Key, out.msgs[2].Key) {
		t.Fatalf("keys %q %q %q: the same row must have one position, another row another", out.msgs[0].Key, out.msgs[1].Key, out.msgs[2].Key)
	}
	r, err := Parse(out.msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.Reason != schemas.SinkRejected || r.Topic != "clickhouse.windows" || r.Partition != -1 || r.Offset < 0 {
		t.Fatalf("record %+v", r)
	}
	orig, err := Open(kr, r)
	if err != nil || !bytes.Contains(orig, []byte("hnd-agua-caliente")) {
		t.Fatalf("open: %q, %v", orig, err)
	}
}
