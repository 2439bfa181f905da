package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	t.Parallel()
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"log level", func(c *Config) { c.LogLevel = "loud" }, "log_level"},
		{"no brokers", func(c *Config) { c.Kafka.Brokers = nil }, "kafka.brokers"},
		{"broker without port", func(c *Config) { c.Kafka.Brokers = []string{"localhost"} }, "kafka.brokers"},
		{"port out of range", func(c *Config) { c.ClickHouse.Addr = []string{"h:70000"} }, "clickhouse.addr"},
		{"prefix with dot", func(c *Config) { c.Kafka.TopicPrefix = "a.b" }, "kafka.topic_prefix"},
		{"partitions", func(c *Config) { c.Kafka.Partitions = 0 }, "kafka.partitions"},
		{"database", func(c *Config) { c.ClickHouse.Database = "drop table" }, "clickhouse.database"},
		{"max count", func(c *Config) { c.Validation.MaxCount = -1 }, "validation.max_count"},
		{"skew", func(c *Config) { c.Validation.MaxClockSkew = 0 }, "validation.max_clock_skew"},
		{"metrics", func(c *Config) { c.Metrics.Listen = "9464" }, "metrics.listen"},
		{"surge resolution", func(c *Config) { c.Surge.Resolutions = []string{"month"} }, "surge.resolutions: \"month\" must be day or hour"},
		{"surge method", func(c *Config) { c.Surge.Method = "C4" }, "surge.method"},
		{"surge dashboard", func(c *Config) { c.Surge.DashboardURL = "grafana" }, "surge.dashboard_url"},
		{"class method", func(c *Config) { c.Surge.Classes = []SurgeClass{{Name: "x", Method: "magic"}} }, "surge.classes[0] (x).method"},
		{"class levels", func(c *Config) { c.Surge.Classes = []SurgeClass{{Name: "x", Levels: []float64{0.1}}} }, "surge.classes[0] (x).levels"},
		{"class inverted levels", func(c *Config) { c.Surge.Classes = []SurgeClass{{Name: "x", Levels: []float64{0.001, 0.01, 0.1}}} }, "surge.classes[0] (x): severity levels"},
		{"class seasonal", func(c *Config) { c.Surge.Classes = []SurgeClass{{Name: "x", Method: "seasonal"}} }, "surge.classes[0] (x).frequency"},
		{"class role", func(c *Config) { c.Surge.Classes = []SurgeClass{{Name: "x", Role: "border"}} }, "surge.classes[0] (x).role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

func write(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "vigia.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadFileThenEnv(t *testing.T) {
	t.Parallel()
	p := write(t, "kafka:\n  brokers: [a:1, b:2]\n  partitions: 12\nvalidation:\n  max_clock_skew: 1h\n")
	c, err := Load(p, map[string]string{"VIGIA_KAFKA_PARTITIONS": "3", "VIGIA_CLICKHOUSE_PASSWORD": "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Kafka.Brokers, ",") != "a:1,b:2" || c.Kafka.Partitions != 3 ||
		c.Validation.MaxClockSkew != time.Hour || c.ClickHouse.Password != "s3cret" || c.ClickHouse.Database != "vigia" {
		t.Fatalf("got %+v", c)
	}
}

func TestLoadRejectsUnknownKey(t *testing.T) {
	t.Parallel()
	p := write(t, "kafka:\n  brokerz: [a:1]\n")
	_, err := Load(p, nil)
	if err == nil || !strings.Contains(err.Error(), "brokerz") {
		t.Fatalf("got %v, want an error naming the unknown key", err)
	}
}

func TestLoadRejectsBadEnv(t *testing.T) {
	t.Parallel()
	_, err := Load("", map[string]string{"VIGIA_KAFKA_PARTITIONS": "many"})
	if err == nil || !strings.Contains(err.Error(), "PARTITIONS") {
		t.Fatalf("got %v", err)
	}
}

func TestPasswordNeverFromYAML(t *testing.T) {
	t.Parallel()
	p := write(t, "clickhouse:\n  password: x\n")
	if _, err := Load(p, nil); err == nil {
		t.Fatal("a password in the YAML file must be refused")
	}
}

func TestPasswordFile(t *testing.T) {
	t.Parallel()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("hunter2\n"), 0o600)
	c, err := Load("", map[string]string{"VIGIA_CLICKHOUSE_PASSWORD_FILE": pw})
	if err != nil || c.ClickHouse.Password != "hunter2" {
		t.Fatalf("got %q, %v", c.ClickHouse.Password, err)
	}
}

// The credentials file is a default: the YAML file's kafka keys and the environment win.
func TestCredentialsFileBeneathConfig(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "pipeline.env")
	if err := os.WriteFile(creds, []byte("VIGIA_KAFKA_BROKERS=local:9092\nVIGIA_KAFKA_SASL_MECHANISM=scram-sha-512\nVIGIA_KAFKA_SASL_USERNAME=vigia-pipeline\nVIGIA_KAFKA_SASL_PASSWORD=pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yml := filepath.Join(dir, "prod.yaml")
	if err := os.WriteFile(yml, []byte("kafka:\n  brokers: [prod:9094]\n  sasl_username: svc-vigia\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(yml, map[string]string{"VIGIA_KAFKA_CREDENTIALS_FILE": creds, "VIGIA_KAFKA_SASL_PASSWORD": "from-env"})
	if err != nil {
		t.Fatal(err)
	}
	k := cfg.Kafka
	if k.Brokers[0] != "prod:9094" || k.SASLUsername != "svc-vigia" || k.SASLMechanism != "scram-sha-512" || k.SASLPassword != "from-env" {
		t.Fatalf("brokers %v user %q mechanism %q password %q: want the YAML's brokers and user, the file's mechanism, the environment's password",
			k.Brokers, k.SASLUsername, k.SASLMechanism, k.SASLPassword)
	}
	if _, err := Load("", map[string]string{"VIGIA_KAFKA_CREDENTIALS_FILE": filepath.Join(dir, "nope.env")}); err == nil || !strings.Contains(err.Error(), "kafka.credentials_file") {
		t.Fatalf("a named file that is missing: %v", err)
	}
}
