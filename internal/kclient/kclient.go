// Package kclient is Vigía's one Kafka client layer: every reader, writer, consumer group and
// admin call of every stage and command is built here, from one Config (brokers, client id,
// timeouts, compression, SASL and TLS), so a cluster that needs authentication is reached the
// same way by the pipeline, the admin calls, `dlq`, `publish`, `replay`, `simulate` and the
// demo. A test (TestNoKafkaClientOutsideKclient) fails when another package builds a kafka-go
// Reader, Writer, Dialer, Transport, Client or ConsumerGroup itself.
package kclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Config of the connections to one Kafka cluster.
type Config struct {
	// Brokers are host:port seed brokers. Required.
	Brokers []string
	// ClientID names this process to the brokers. Default "vigia".
	ClientID string
	// DialTimeout bounds connecting to a broker. Default 10s.
	DialTimeout time.Duration
	// Compression of produced batches. Default none.
	Compression kafka.Compression
	// SASL authenticates the connections. Default none.
	SASL SASL
	// TLS encrypts them. Default off.
	TLS TLS
}

// SASL credentials; Mechanism is "", "none", "plain", "scram-sha-256" or "scram-sha-512".
type SASL struct {
	Mechanism string
	Username  string
	Password  string
}

// TLS settings; CAFile (PEM) replaces the system's roots, CertFile and KeyFile (PEM) present a
// client certificate (mutual TLS).
type TLS struct {
	Enable   bool
	CAFile   string
	CertFile string
	KeyFile  string
}

// Client builds kafka-go clients for one cluster. Its transport is shared by every writer
// made from it, and by the metadata checks that must see what writers see; nothing here is
// global, so two pipelines run side by side in one process. Safe for concurrent use.
type Client struct {
	cfg       Config
	mechanism sasl.Mechanism
	tls       *tls.Config
	transport *kafka.Transport
}

// New checks cfg and prepares the credentials; it makes no connection.
func New(cfg Config) (*Client, error) {
	if len(cfg.Brokers) == 0 {
		return nil, errors.New("cannot configure Kafka: no broker (kafka.brokers)")
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "vigia"
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	c := &Client{cfg: cfg}
	var err error
	if c.mechanism, err = mechanism(cfg.SASL); err != nil {
		return nil, err
	}
	if c.tls, err = tlsConfig(cfg.TLS); err != nil {
		return nil, err
	}
	c.transport = c.newTransport(0)
	return c, nil
}

// As is a client of the same cluster with other SASL credentials (to check what another
// principal can do, or that a new credential works).
func (c *Client) As(s SASL) (*Client, error) {
	cfg := c.cfg
	cfg.SASL = s
	return New(cfg)
}

// Brokers are the seed brokers.
func (c *Client) Brokers() []string { return c.cfg.Brokers }

// Close releases the idle connections of the shared transport.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

func (c *Client) newTransport(metadataTTL time.Duration) *kafka.Transport {
	return &kafka.Transport{DialTimeout: c.cfg.DialTimeout, ClientID: c.cfg.ClientID, SASL: c.mechanism,
		TLS: c.tls, MetadataTTL: metadataTTL}
}

// dialer is for readers and consumer groups, which take a dialer rather than a transport.
func (c *Client) dialer() *kafka.Dialer {
	return &kafka.Dialer{ClientID: c.cfg.ClientID, Timeout: c.cfg.DialTimeout, DualStack: true,
		TLS: c.tls, SASLMechanism: c.mechanism}
}

// WriterConfig is what differs between Vigía's producers.
type WriterConfig struct {
	// Topic, when set, is the topic of every message; otherwise each message names its own.
	Topic string
	// Balancer chooses partitions. Default round robin.
	Balancer kafka.Balancer
	// BatchSize is the most messages per partition batch (kafka-go preallocates that many).
	// Default 1000.
	BatchSize int
	// BatchBytes bounds a produced record batch. Default MaxBatchBytes.
	BatchBytes int64
	// BatchTimeout is how long a partial batch waits for more. Default 2ms.
	BatchTimeout time.Duration
}

// MaxBatchBytes keeps produced batches under the broker's default message limit
// (1,048,588): a batch over a topic's max.message.bytes can never be delivered and would stall
// its stage forever.
const MaxBatchBytes = 1_000_000

// Writer returns a producer whose WriteMessages returns once every message is acknowledged
// by all in-sync replicas, which is what the stages wait for before committing. Topics are
// never created by producing to them.
func (c *Client) Writer(wc WriterConfig) *kafka.Writer {
	if wc.Balancer == nil {
		wc.Balancer = &kafka.RoundRobin{}
	}
	if wc.BatchSize <= 0 {
		// kafka-go preallocates BatchSize messages for every partition batch: 10,000 cost
		// 10% of the pipeline's CPU in zeroed memory; a stage batch spread over partitions
		// holds a few hundred per partition.
		wc.BatchSize = 1000
	}
	if wc.BatchBytes <= 0 {
		wc.BatchBytes = MaxBatchBytes
	}
	if wc.BatchTimeout <= 0 {
		wc.BatchTimeout = 2 * time.Millisecond
	}
	return &kafka.Writer{Addr: kafka.TCP(c.cfg.Brokers...), Topic: wc.Topic, Balancer: wc.Balancer,
		RequiredAcks: kafka.RequireAll, BatchSize: wc.BatchSize, BatchBytes: wc.BatchBytes,
		BatchTimeout: wc.BatchTimeout, MaxAttempts: 5, Compression: c.cfg.Compression,
		Transport: c.transport}
}

// Reader returns a reader of rc's topic with this cluster's brokers and credentials.
func (c *Client) Reader(rc kafka.ReaderConfig) *kafka.Reader {
	rc.Brokers, rc.Dialer = c.cfg.Brokers, c.dialer()
	return kafka.NewReader(rc)
}

// ConsumerGroup joins gc's group with this cluster's brokers and credentials.
func (c *Client) ConsumerGroup(gc kafka.ConsumerGroupConfig) (*kafka.ConsumerGroup, error) {
	gc.Brokers, gc.Dialer = c.cfg.Brokers, c.dialer()
	return kafka.NewConsumerGroup(gc)
}

// admin returns a client with a transport of its own that caches metadata for only a second:
// a topic created a moment ago must not be reported unknown. done releases its connections.
func (c *Client) admin() (client *kafka.Client, done func()) {
	tr := c.newTransport(time.Second)
	return &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Timeout: 30 * time.Second, Transport: tr}, tr.CloseIdleConnections
}

// shared is an admin client over the writers' transport: its metadata is what writers see.
func (c *Client) shared() *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Timeout: 30 * time.Second, Transport: c.transport}
}

func mechanism(s SASL) (sasl.Mechanism, error) {
	switch s.Mechanism {
	case "", "none":
		return nil, nil
	case "plain":
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case "scram-sha-256", "scram-sha-512":
		algo := scram.SHA256
		if s.Mechanism == "scram-sha-512" {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, s.Username, s.Password)
		if err != nil {
			return nil, fmt.Errorf("cannot prepare SASL %s (kafka.sasl_mechanism): %w", s.Mechanism, err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("cannot use SASL mechanism %q (kafka.sasl_mechanism): must be none, plain, scram-sha-256 or scram-sha-512", s.Mechanism)
}

func tlsConfig(t TLS) (*tls.Config, error) {
	if !t.Enable {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read kafka.tls_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cannot use kafka.tls_ca_file %s: no PEM certificate in it", t.CAFile)
		}
		tc.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("cannot use a client certificate: set both kafka.tls_cert_file and kafka.tls_key_file, or neither")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load the client certificate (kafka.tls_cert_file, kafka.tls_key_file): %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}
