package dlq

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/schemas"
)

func TestSealParseOpen(t *testing.T) {
	t.Parallel()
	kr, _ := secrets.ParseKeyRing("d1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), KeySize)
	s, _ := NewSealer(kr)
	src := kafka.Message{Topic: "vigia.raw.hn-inm", Partition: 2, Offset: 41, Value: []byte(`{"person":{"given_names":"Canary Name"}}`)}
	errs := schemas.Errors{{Path: "point_id", Reason: schemas.UnknownPoint, Message: "point_id is not in the points registry"}, {Path: "count", Reason: schemas.CountOutOfRange, Message: "x"}}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	m, err := s.Message("vigia.dlq", "ingest", "hn-inm", src, errs, now)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(m.Value, []byte("Canary")) {
		t.Fatal("original bytes in clear")
	}
	for _, h := range m.Headers {
		if bytes.Contains(h.Value, []byte("Canary")) {
			t.Fatalf("header %s leaks the record", h.Key)
		}
	}
	r, err := Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Reason != schemas.UnknownPoint || r.Path != "point_id" || r.Offset != 41 || r.Partition != 2 ||
		r.Agency != "hn-inm" || r.Errors != "unknown_point@point_id;count_out_of_range@count" || !r.Time.Equal(now) {
		t.Fatalf("parsed %+v", r)
	}
	orig, err := Open(kr, r)
	if err != nil || !bytes.Equal(orig, src.Value) {
		t.Fatalf("open: %v %s", err, orig)
	}
	// The ciphertext is bound to its position: moved elsewhere, it does not open.
	r.Offset = 42
	if _, err := Open(kr, r); err == nil {
		t.Fatal("a record moved to another offset opened")
	}
	other, _ := secrets.ParseKeyRing("d1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32)), KeySize)
	r.Offset = 41
	if _, err := Open(other, r); err == nil {
		t.Fatal("opened with the wrong key")
	}
}

// A huge record keeps only its first MaxSealed bytes, so its DLQ record always fits a batch.
func TestHugeRecordIsTruncated(t *testing.T) {
	t.Parallel()
	kr, _ := secrets.ParseKeyRing("d1:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), KeySize)
	s, _ := NewSealer(kr)
	src := kafka.Message{Topic: "vigia.raw.x", Value: bytes.Repeat([]byte("y"), 3<<20)}
	m, err := s.Message("vigia.dlq", "ingest", "x", src, schemas.Errors{{Reason: schemas.TooLarge, Message: "m"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := Parse(m)
	orig, err := Open(kr, r)
	if err != nil || len(orig) != MaxSealed || r.Truncated != 3<<20 || len(m.Value) > MaxSealed+64 {
		t.Fatalf("sealed %d bytes of %d (%v)", len(orig), r.Truncated, err)
	}
}
