package secrets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/segmentio/kafka-go"
)

// Headers of a record signed with a RecordMAC.
const (
	HeaderMAC   = "vigia-mac"
	HeaderMACID = "vigia-mac-key"
)

// RecordMACKeySize is the size of a record MAC key (VIGIA_ALERT_KEYS).
const RecordMACKeySize = 32

// RecordMAC signs the records one stage writes so that the stage that reads them can tell
// them from records anyone else with write access produced (the alerts: a forged one would
// reach ministries as if Vigía had raised it). HMAC-SHA256 over topic, key and value, with a
// key only the pipeline holds; its id travels in a header, so keys rotate. It proves origin,
// not freshness: a principal with write access can re-send a signed record, which notify
// delivers under the same idempotency key (receivers act once per key).
type RecordMAC struct{ Ring *KeyRing }

// ErrUnsigned and ErrBadMAC are why Verify refuses a record.
var (
	ErrUnsigned = errors.New("record not signed")
	ErrBadMAC   = errors.New("record signature does not verify")
)

// Headers are the signature headers of a record for topic.
func (r RecordMAC) Headers(topic string, key, value []byte) []kafka.Header {
	id, k := r.Ring.Current()
	return []kafka.Header{{Key: HeaderMACID, Value: []byte(id)}, {Key: HeaderMAC, Value: []byte(base64.StdEncoding.EncodeToString(sum(k, topic, key, value)))}}
}

// Verify checks m's signature with the key its header names.
func (r RecordMAC) Verify(m kafka.Message) error {
	var id, mac []byte
	for _, h := range m.Headers {
		switch h.Key {
		case HeaderMACID:
			id = h.Value
		case HeaderMAC:
			mac = h.Value
		}
	}
	if id == nil || mac == nil {
		return ErrUnsigned
	}
	k, ok := r.Ring.Key(string(id))
	if !ok {
		return fmt.Errorf("%w: unknown key id %q", ErrBadMAC, id)
	}
	got, err := base64.StdEncoding.DecodeString(string(mac))
	if err != nil || !hmac.Equal(got, sum(k, m.Topic, m.Key, m.Value)) {
		return ErrBadMAC
	}
	return nil
}

// sum is the MAC of topic, key and value, each preceded by its length, so no byte can move
// from one to another under the same MAC.
func sum(k []byte, topic string, key, value []byte) []byte {
	h := hmac.New(sha256.New, k)
	for _, part := range [][]byte{[]byte(topic), key, value} {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(part))))
		h.Write(part)
	}
	return h.Sum(nil)
}
