package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go/sasl/plain"

	"github.com/vigia-observatory/vigia/internal/config"
)

// The agency tool's connection: SASL mechanisms and TLS as configured, clear errors.
func TestKafkaTransport(t *testing.T) {
	k := config.Default().Kafka
	tr, err := kafkaTransport(k)
	if err != nil || tr.SASL != nil || tr.TLS != nil {
		t.Fatalf("plain connection: %+v %v", tr, err)
	}
	k.SASLMechanism, k.SASLUsername, k.SASLPassword = "plain", "hn-inm", "s3cret"
	if tr, err = kafkaTransport(k); err != nil || tr.SASL.(plain.Mechanism).Username != "hn-inm" {
		t.Fatalf("plain: %+v %v", tr.SASL, err)
	}
	for _, m := range []string{"scram-sha-256", "scram-sha-512"} {
		k.SASLMechanism = m
		if tr, err = kafkaTransport(k); err != nil || tr.SASL == nil || !strings.HasPrefix(tr.SASL.Name(), "SCRAM-SHA-") {
			t.Fatalf("%s: %v %v", m, tr.SASL, err)
		}
	}
	k.TLS = true
	if tr, err = kafkaTransport(k); err != nil || tr.TLS == nil || tr.TLS.RootCAs != nil {
		t.Fatalf("TLS with the system's CAs: %v", err)
	}
	k.TLSCAFile = filepath.Join(t.TempDir(), "ca.pem")
	_ = os.WriteFile(k.TLSCAFile, []byte("not a certificate"), 0o600)
	if _, err := kafkaTransport(k); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad CA file: %v", err)
	}
	cfg := config.Default()
	cfg.Kafka.SASLMechanism = "scram-sha-256"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "VIGIA_KAFKA_SASL_PASSWORD") {
		t.Fatalf("SASL without credentials: %v", err)
	}
}
