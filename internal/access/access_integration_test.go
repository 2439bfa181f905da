package access_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/access"
	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// as connects to the test broker with other credentials (or none, or without TLS).
func as(t *testing.T, cfg config.Config, mech, user, password string, tls bool) *kclient.Client {
	t.Helper()
	c := cfg.Kafka.Client()
	c.SASL = kclient.SASL{Mechanism: mech, Username: user, Password: password}
	c.TLS.Enable = tls
	c.DialTimeout = 5 * time.Second
	kc, err := kclient.New(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	return kc
}

func write(ctx context.Context, kc *kclient.Client, topic string) error {
	w := kc.Writer(kclient.WriterConfig{Topic: topic, BatchTimeout: time.Millisecond})
	defer w.Close()
	w.MaxAttempts = 1
	return w.WriteMessages(ctx, kafka.Message{Value: []byte(`{"probe":1}`)})
}

func secured(t *testing.T, cfg config.Config) {
	t.Helper()
	if cfg.Kafka.SASLMechanism != "scram-sha-512" || !cfg.Kafka.TLS || cfg.Kafka.Admin.Username == "" {
		t.Fatalf("the broker of make services authenticates (SASL_SSL, SCRAM-SHA-512); this configuration does not: %s %v admin %q (run make services)",
			cfg.Kafka.SASLMechanism, cfg.Kafka.TLS, cfg.Kafka.Admin.Username)
	}
}

// Who cannot connect: no credentials, a wrong password, no TLS.
func TestBrokerRefusesStrangers(t *testing.T) {
	cfg := testenv.Config(t)
	secured(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		name string
		kc   *kclient.Client
	}{
		{"anonymous", as(t, cfg, "none", "", "", true)},
		{"wrong password", as(t, cfg, "scram-sha-512", cfg.Kafka.SASLUsername, "not-the-password", true)},
		{"plaintext", as(t, cfg, "scram-sha-512", cfg.Kafka.SASLUsername, cfg.Kafka.SASLPassword, false)},
	} {
		short, stop := context.WithTimeout(ctx, 10*time.Second)
		err := tc.kc.Authenticate(short)
		stop()
		if err == nil {
			t.Errorf("%s: the broker answered", tc.name)
		}
		t.Logf("%s: %v", tc.name, err)
	}
	if err := as(t, cfg, "scram-sha-512", cfg.Kafka.SASLUsername, cfg.Kafka.SASLPassword, true).Authenticate(ctx); err != nil {
		t.Fatalf("the pipeline's own credentials: %v", err)
	}
}

// What an agency can do: write its own raw topic, and nothing else; rotated, only the new
// password works; removed, nothing works.
func TestAgencyAccess(t *testing.T) {
	cfg := testenv.Config(t)
	secured(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := access.Admin{Kafka: testenv.Kafka(t, cfg), Layout: topics.Layout{Names: topics.Names{Prefix: cfg.Kafka.TopicPrefix}, Partitions: 1, ReplicationFactor: 1}}
	n := admin.Layout.Names
	pwA, err := admin.Add(ctx, "ag-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Add(ctx, "ag-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Add(ctx, "ag-a"); !errors.Is(err, access.ErrRegistered) {
		t.Errorf("adding ag-a twice: %v", err)
	}
	a := as(t, cfg, "scram-sha-512", access.AgencyUser("ag-a"), pwA, true)
	if err := write(ctx, a, n.Raw("ag-a")); err != nil {
		t.Fatalf("agency A writing its own topic: %v", err)
	}
	denied := func(what string, err error) {
		t.Helper()
		if !authorization(err) {
			t.Errorf("%s: got %v, want an authorization error from the broker", what, err)
		}
	}
	// Through a writer a refused topic looks missing (the broker leaves what a principal may
	// not describe out of the metadata); asked directly, the broker says why.
	for _, topic := range []string{n.Raw("ag-b"), n.Alerts(), n.Progress(), n.Agencies()} {
		if err := write(ctx, a, topic); err == nil {
			t.Errorf("agency A wrote %s", topic)
		}
		denied("agency A writing "+topic, a.ProduceTo(ctx, topic, []byte(`{"forged":true}`)))
		denied("agency A describing "+topic, a.Describe(ctx, topic))
	}
	_, err = a.ReadRange(ctx, n.Raw("ag-a"), 0, time.Unix(0, 0), func(kafka.Message) error { return nil })
	denied("agency A reading its own topic", err)
	_, err = a.ReadRange(ctx, n.Clean(), 0, time.Unix(0, 0), func(kafka.Message) error { return nil })
	denied("agency A reading vigia.clean", err)
	denied("agency A creating a topic", a.EnsureTopics(ctx, kclient.TopicSpec{Name: n.Raw("ag-c"), Partitions: 1, ReplicationFactor: 1}))
	pipeline := as(t, cfg, "scram-sha-512", cfg.Kafka.SASLUsername, cfg.Kafka.SASLPassword, true)
	denied("the pipeline writing an agency's topic", write(ctx, pipeline, n.Raw("ag-a")))
	if err := write(ctx, pipeline, n.Alerts()); err != nil {
		t.Errorf("the pipeline writing vigia.alerts: %v", err)
	}

	pwA2, err := admin.Rotate(ctx, "ag-a")
	if err != nil {
		t.Fatal(err)
	}
	if err := as(t, cfg, "scram-sha-512", access.AgencyUser("ag-a"), pwA, true).Authenticate(ctx); err == nil {
		t.Error("the old password still connects after rotate")
	}
	a2 := as(t, cfg, "scram-sha-512", access.AgencyUser("ag-a"), pwA2, true)
	if err := write(ctx, a2, n.Raw("ag-a")); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if err := admin.Remove(ctx, "ag-a"); err != nil {
		t.Fatal(err)
	}
	// The broker applies a removal from the metadata log a moment after the controller took it.
	removed := as(t, cfg, "scram-sha-512", access.AgencyUser("ag-a"), pwA2, true)
	testenv.Eventually(t, 10*time.Second, func() error {
		if err := removed.Authenticate(ctx); err == nil {
			return errors.New("a removed agency still connects")
		}
		return nil
	})
	reg, err := access.Registered(ctx, admin.Kafka, n)
	if err != nil || len(reg) != 1 || reg["ag-b"].ID != "ag-b" {
		t.Errorf("registry after removing ag-a: %v, %v", reg, err)
	}
	if parts, err := admin.Kafka.Partitions(ctx, n.Raw("ag-a")); err != nil || parts != 1 {
		t.Errorf("the removed agency's topic is gone: %d, %v", parts, err)
	}
	_ = admin.Remove(ctx, "ag-b")
}

// authorization reports whether err carries a broker's authorization refusal.
func authorization(err error) bool {
	var we kafka.WriteErrors
	if errors.As(err, &we) {
		for _, e := range we {
			if authorization(e) {
				return true
			}
		}
		return false
	}
	return errors.Is(err, kafka.TopicAuthorizationFailed) || errors.Is(err, kafka.GroupAuthorizationFailed) ||
		errors.Is(err, kafka.ClusterAuthorizationFailed)
}
