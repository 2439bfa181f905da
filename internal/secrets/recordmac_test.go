package secrets

import (
	"errors"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
)

// A signed alert verifies; one forged, altered, moved to another topic, or signed with a key
// the pipeline does not hold does not.
func TestRecordMAC(t *testing.T) {
	t.Parallel()
	ring, err := ParseKeyRing("a1:"+strings.Repeat("QUFB", 10)+"QUE=", 32)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ParseKeyRing("a1:"+strings.Repeat("QkJC", 10)+"QkI=", 32)
	mac := RecordMAC{Ring: ring}
	signed := kafka.Message{Topic: "vigia.alerts", Key: []byte("abc"), Value: []byte(`{"x":1}`)}
	signed.Headers = mac.Headers(signed.Topic, signed.Key, signed.Value)
	if err := mac.Verify(signed); err != nil {
		t.Fatalf("a signed record: %v", err)
	}
	forged := signed
	forged.Headers = RecordMAC{Ring: other}.Headers(signed.Topic, signed.Key, signed.Value)
	altered, moved, bare := signed, signed, signed
	altered.Value = []byte(`{"x":2}`)
	moved.Topic = "other.alerts"
	bare.Headers = nil
	for name, tc := range map[string]struct {
		m    kafka.Message
		want error
	}{"forged": {forged, ErrBadMAC}, "altered": {altered, ErrBadMAC}, "moved": {moved, ErrBadMAC}, "unsigned": {bare, ErrUnsigned}} {
		if err := mac.Verify(tc.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}
