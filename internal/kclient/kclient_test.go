package kclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go/sasl/plain"
)

// Every client is built with the configured SASL mechanism and TLS, with clear errors.
func TestCredentials(t *testing.T) {
	base := Config{Brokers: []string{"127.0.0.1:9092"}}
	c, err := New(base)
	if err != nil || c.mechanism != nil || c.tls != nil || c.cfg.ClientID != "vigia" {
		t.Fatalf("plain connection: %+v %v", c, err)
	}
	cfg := base
	cfg.SASL = SASL{Mechanism: "plain", Username: "hn-inm", Password: "s3cret"}
	if c, err = New(cfg); err != nil || c.mechanism.(plain.Mechanism).Username != "hn-inm" {
		t.Fatalf("plain: %v", err)
	}
	// The same credentials reach every kind of client.
	if w := c.Writer(WriterConfig{}); w.Transport == nil {
		t.Fatal("writer without the shared transport")
	}
	if d := c.dialer(); d.SASLMechanism == nil {
		t.Fatal("readers' dialer without SASL")
	}
	for _, m := range []string{"scram-sha-256", "scram-sha-512"} {
		cfg.SASL.Mechanism = m
		if c, err = New(cfg); err != nil || c.mechanism == nil || !strings.HasPrefix(c.mechanism.Name(), "SCRAM-SHA-") {
			t.Fatalf("%s: %v", m, err)
		}
	}
	cfg.SASL.Mechanism = "kerberos"
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "kafka.sasl_mechanism") {
		t.Fatalf("unknown mechanism: %v", err)
	}
	cfg.SASL = SASL{}
	cfg.TLS = TLS{Enable: true}
	if c, err = New(cfg); err != nil || c.tls == nil || c.tls.RootCAs != nil || c.dialer().TLS == nil {
		t.Fatalf("TLS with the system's CAs: %v", err)
	}
	cfg.TLS.CAFile = filepath.Join(t.TempDir(), "ca.pem")
	_ = os.WriteFile(cfg.TLS.CAFile, []byte("not a certificate"), 0o600)
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad CA file: %v", err)
	}
	cfg.TLS = TLS{Enable: true, CertFile: "client.pem"}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "tls_key_file") {
		t.Fatalf("certificate without key: %v", err)
	}
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "kafka.brokers") {
		t.Fatalf("no broker: %v", err)
	}
}
