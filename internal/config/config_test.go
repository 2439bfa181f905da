package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
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
		{"cluster", func(c *Config) { c.ClickHouse.Cluster = "region-1" }, "clickhouse.cluster"},
		{"max count", func(c *Config) { c.Validation.MaxCount = -1 }, "validation.max_count"},
		{"skew", func(c *Config) { c.Validation.MaxClockSkew = 0 }, "validation.max_clock_skew"},
		{"metrics", func(c *Config) { c.Metrics.Listen = "9464" }, "metrics.listen"},
		{"memory budget", func(c *Config) { c.Pipeline.MemoryBudgetMiB = 16 }, "pipeline.memory_budget_mib"},
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

// writeSecrets makes a state folder as `make services` leaves it: the ClickHouse users'
// passwords under clickhouse/secrets/.
func writeSecrets(t *testing.T, names ...string) string {
	t.Helper()
	state := t.TempDir()
	dir := filepath.Join(state, "clickhouse", "secrets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n+".password"), []byte(n+"-pw\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return state
}

// The stages log in as vigia_pipeline and `vigia migrate` as vigia_migrate when the state
// folder has their passwords; an identity named by the YAML file or the environment wins
// whole (never its username with the state folder's password), and without the folder the
// user is "default".
func TestClickHouseUsersFromStateFolder(t *testing.T) {
	t.Parallel()
	state := writeSecrets(t, "pipeline", "migrate", "grafana")
	c, err := Load("", map[string]string{"VIGIA_STATE_DIR": state})
	if err != nil {
		t.Fatal(err)
	}
	ch := c.ClickHouse
	if ch.Username != "vigia_pipeline" || ch.Password != "pipeline-pw" {
		t.Errorf("stages: %q / %q, want vigia_pipeline with the state folder's password", ch.Username, ch.Password)
	}
	if m := ch.ForMigrations(); m.Username != "vigia_migrate" || m.Password != "migrate-pw" || m.Addr[0] != ch.Addr[0] || m.Database != ch.Database {
		t.Errorf("migrations: %+v, want vigia_migrate with its password on the same server and database", m)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name     string
		yaml     string
		env      map[string]string
		user, pw string
	}{
		{"env user", "", map[string]string{"VIGIA_CLICKHOUSE_USERNAME": "default"}, "default", ""},
		{"env password", "", map[string]string{"VIGIA_CLICKHOUSE_PASSWORD": "s3cret"}, "default", "s3cret"},
		{"yaml user", "clickhouse:\n  username: analyst\n", map[string]string{"VIGIA_CLICKHOUSE_PASSWORD": "a"}, "analyst", "a"},
		{"yaml user alone", "clickhouse:\n  username: svc\n", nil, "svc", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"VIGIA_STATE_DIR": state}
			for k, v := range tc.env {
				env[k] = v
			}
			path := ""
			if tc.yaml != "" {
				path = write(t, tc.yaml)
			}
			c, err := Load(path, env)
			if err != nil {
				t.Fatal(err)
			}
			ch := c.ClickHouse
			if ch.Username != tc.user || ch.Password != tc.pw {
				t.Errorf("got %q / %q, want %q / %q", ch.Username, ch.Password, tc.user, tc.pw)
			}
			if m := ch.ForMigrations(); m.Username != tc.user || m.Password != tc.pw {
				t.Errorf("migrations as %q / %q, want the configured identity", m.Username, m.Password)
			}
		})
	}

	c, err = Load("", map[string]string{"VIGIA_STATE_DIR": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if c.ClickHouse.Username != "default" || c.ClickHouse.Password != "" || c.ClickHouse.ForMigrations().Username != "default" {
		t.Errorf("without the state folder's passwords: %+v, want default", c.ClickHouse)
	}
	// The pipeline's password without the migrating user's: migrations as the pipeline, whose
	// DDL the server refuses with a message naming the user.
	c, err = Load("", map[string]string{"VIGIA_STATE_DIR": writeSecrets(t, "pipeline")})
	if err != nil || c.ClickHouse.ForMigrations().Username != "vigia_pipeline" {
		t.Errorf("pipeline only: %+v, %v", c.ClickHouse, err)
	}
}

// selfSignedCA writes a CA certificate (PEM) and returns its path.
func selfSignedCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClickHouseTLS(t *testing.T) {
	t.Parallel()
	ca := selfSignedCA(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)

	c, err := Load("", map[string]string{"VIGIA_CLICKHOUSE_TLS": "true", "VIGIA_CLICKHOUSE_TLS_CA_FILE": ca, "VIGIA_CLICKHOUSE_ADDR": "ch.example.org:9440"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tc, err := c.ClickHouse.TLSConfig()
	if err != nil || tc == nil || tc.RootCAs == nil || tc.InsecureSkipVerify || tc.MinVersion < tls.VersionTLS12 {
		t.Fatalf("TLS config %+v, %v: want the CA as the only roots, verified, TLS 1.2 or newer", tc, err)
	}
	if tc, err := Default().ClickHouse.TLSConfig(); tc != nil || err != nil {
		t.Fatalf("TLS off by default: %+v, %v", tc, err)
	}

	for _, tc := range []struct {
		name   string
		mutate func(*ClickHouse)
		want   string
	}{
		{"CA without TLS", func(c *ClickHouse) { c.TLSCAFile = ca }, "clickhouse.tls (env VIGIA_CLICKHOUSE_TLS): is off but clickhouse.tls_ca_file"},
		{"skip verify without TLS", func(c *ClickHouse) { c.TLSInsecureSkipVerify = true }, "set tls: true"},
		{"missing CA", func(c *ClickHouse) { c.TLS, c.TLSCAFile = true, filepath.Join(t.TempDir(), "nope.pem") }, "clickhouse.tls_ca_file (env VIGIA_CLICKHOUSE_TLS_CA_FILE): cannot read the CA file"},
		{"CA not PEM", func(c *ClickHouse) { c.TLS, c.TLSCAFile = true, notPEM }, "holds no PEM certificate"},
		{"CA and skip verify", func(c *ClickHouse) { c.TLS, c.TLSCAFile, c.TLSInsecureSkipVerify = true, ca, true }, "clickhouse.tls_insecure_skip_verify (env VIGIA_CLICKHOUSE_TLS_INSECURE_SKIP_VERIFY): is set beside clickhouse.tls_ca_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c.ClickHouse)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	// Skipping verification alone is the operator's choice (a self-signed test server).
	c = Default()
	c.ClickHouse.TLS, c.ClickHouse.TLSInsecureSkipVerify = true, true
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}
