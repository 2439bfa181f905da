// Package config holds the configuration of a Vigía process: a YAML file (strict: an unknown
// key is an error), then environment overrides (VIGIA_*), then one Validate at start-up. The
// defaults run against `make services`. There is no global state: each pipeline gets its own
// Config, so tests can run two in one process.
package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/goccy/go-yaml"
	"github.com/vigia-observatory/vigia/internal/kclient"
)

// Config is the whole configuration of a vigia process.
type Config struct {
	// LogLevel is one of debug, info, warn, error. Default info.
	LogLevel string `yaml:"log_level" env:"LOG_LEVEL"`
	// Kafka is the broker connection and topic layout.
	Kafka Kafka `yaml:"kafka" envPrefix:"KAFKA_"`
	// ClickHouse is the storage connection.
	ClickHouse ClickHouse `yaml:"clickhouse" envPrefix:"CLICKHOUSE_"`
	// Validation tunes the event contract's limits.
	Validation Validation `yaml:"validation" envPrefix:"VALIDATION_"`
	// Metrics is where /metrics is served.
	Metrics Metrics `yaml:"metrics" envPrefix:"METRICS_"`
	// Pipeline tunes the stages of `vigia run`.
	Pipeline Pipeline `yaml:"pipeline" envPrefix:"PIPELINE_"`
	// Surge tunes live surge detection and who is told.
	Surge Surge `yaml:"surge" envPrefix:"SURGE_"`
}

// Surge configures the detect stage. The defaults are the ones `vigia backtest` uses.
type Surge struct {
	// Resolutions judged live: day and/or hour. Default [day].
	Resolutions []string `yaml:"resolutions" env:"RESOLUTIONS" envSeparator:","`
	// Method of series no class matches: C1, C2, C3, seasonal, EWMA, CUSUM or noufaily.
	// Default C2.
	Method string `yaml:"method" env:"METHOD"`
	// MinCount is the least count that can raise a severity level. Default 5.
	MinCount float64 `yaml:"min_count" env:"MIN_COUNT"`
	// Baseline is the reference periods of C1, C2, C3 and EWMA. Default 28.
	Baseline int `yaml:"baseline" env:"BASELINE"`
	// Levels are the one-sided error rates of watch, warning (opens an alert) and alert.
	// Default [0.001, 0.00001, 0.000001]: strict, because hundreds of series are judged daily.
	Levels []float64 `yaml:"levels" env:"LEVELS" envSeparator:","`
	// ResolveAfter is the number of quiet periods that resolve an alert. Default 2.
	ResolveAfter int `yaml:"resolve_after" env:"RESOLVE_AFTER"`
	// Hysteresis places an alert's resolve line between the level before the surge (0) and
	// the bound that opened it (1): the alert stays open while the flow is above it.
	// Default 0.5.
	Hysteresis float64 `yaml:"hysteresis" env:"HYSTERESIS"`
	// NationalityMinCount is the least count over a period's baseline for a nationality to be
	// judged as its own series at a point or in a country. Default 50.
	NationalityMinCount float64 `yaml:"nationality_min_count" env:"NATIONALITY_MIN_COUNT"`
	// Corridor raises "new corridor" alerts.
	Corridor SurgeCorridor `yaml:"corridor" envPrefix:"CORRIDOR_"`
	// Classes choose a method and thresholds for some series; the first match wins.
	Classes []SurgeClass `yaml:"classes"`
	// RoutesFile maps alerts to ministries (see sinks/notifier.RoutesFile). Default none: alerts
	// go to vigia.alerts and ClickHouse only.
	RoutesFile string `yaml:"routes_file" env:"ROUTES_FILE"`
	// DashboardURL is the Grafana base URL that messages link to. Default http://localhost:3000.
	DashboardURL string `yaml:"dashboard_url" env:"DASHBOARD_URL"`
}

// SurgeClass selects series (empty = any) and the detector that judges them.
type SurgeClass struct {
	Name       string `yaml:"name"`
	Level      string `yaml:"level"`      // point or country
	Population string `yaml:"population"` // all, minors, unaccompanied
	Role       string `yaml:"role"`
	Type       string `yaml:"type"`
	Method     string `yaml:"method"` // C1, C2, C3, seasonal, EWMA, CUSUM, noufaily
	// Levels are the one-sided error rates of watch, warning and alert. Default surge.levels.
	Levels []float64 `yaml:"levels"`
	// Baseline is the reference periods. Default surge.baseline.
	Baseline int `yaml:"baseline"`
	// MinCount. Default 5.
	MinCount float64 `yaml:"min_count"`
	// Frequency is the periods of a cycle, for seasonal: 7 for days, 24 for hours.
	Frequency int `yaml:"frequency"`
	// PoissonFloor keeps the EARS band at least sqrt(mean) wide. Default true.
	PoissonFloor *bool `yaml:"poisson_floor"`
}

// Pipeline tunes the stages. Secrets are not here: the pseudonymization keys come from
// VIGIA_PSEUDONYM_KEYS (or VIGIA_PSEUDONYM_KEYS_FILE) and the DLQ keys from VIGIA_DLQ_KEYS
// (or VIGIA_DLQ_KEYS_FILE), written id:base64key[,id:base64key], the last one current.
type Pipeline struct {
	// Agencies is no longer a setting: agencies are registered by the administrator (`vigia
	// agencies add ID`), and ingest consumes the registered ones. Set, it stops the program
	// with that message.
	Agencies []string `yaml:"agencies" env:"AGENCIES" envSeparator:","`
	// Shutdown is the grace period to flush and commit after SIGTERM/SIGINT. Default 30s.
	Shutdown time.Duration `yaml:"shutdown_grace" env:"SHUTDOWN_GRACE"`
	// BatchSize is the most records a stage handles at once. Default 2000.
	BatchSize int `yaml:"batch_size" env:"BATCH_SIZE"`
	// BatchWait is the longest wait to fill a batch. Default 100ms.
	BatchWait time.Duration `yaml:"batch_wait" env:"BATCH_WAIT"`
	// MemoryBudgetMiB bounds what `vigia run` holds: it is the Go runtime's soft memory limit
	// (unless GOMEMLIMIT is set), a quarter of it bounds the record bytes of the batches all
	// stages hold at once, and each partition reads ahead at most 4 MiB, so a flood of the
	// largest records does not grow the process with the partitions it reads. Default 1024
	// (64 to 1,048,576).
	MemoryBudgetMiB int `yaml:"memory_budget_mib" env:"MEMORY_BUDGET_MIB"`
	// PseudonymizeMinors keeps a person pseudonym for minors. Default false.
	PseudonymizeMinors bool `yaml:"pseudonymize_minors" env:"PSEUDONYMIZE_MINORS"`
	// UnknownAgeAsMinor treats a person of unknown age as a possible minor: no stored
	// pseudonym. Default true.
	UnknownAgeAsMinor bool `yaml:"unknown_age_as_minor" env:"UNKNOWN_AGE_AS_MINOR"`
	// TimePrecision truncates occurred_at at ingest: the analyses need the minute, the
	// second helps single a person out. Default 1m (1s to 1h).
	TimePrecision time.Duration `yaml:"time_precision" env:"TIME_PRECISION"`
	// RowRetentionMonths is how long row-level tables (events, dlq_records) keep a month of
	// events; `vigia retention` drops older months (the published figures and windows stay).
	// Default 13.
	RowRetentionMonths int `yaml:"row_retention_months" env:"ROW_RETENTION_MONTHS"`
	// Destinations are presumed destination countries when none is declared. Default [USA, CAN].
	Destinations []string `yaml:"destinations" env:"DESTINATIONS" envSeparator:","`
	// DedupHorizon is how long (event time) dedup remembers a key. Default 168h.
	DedupHorizon time.Duration `yaml:"dedup_horizon" env:"DEDUP_HORIZON"`
	// DedupTolerance is the gap within which two reports of one person, type and point are one event. Default 1h.
	DedupTolerance time.Duration `yaml:"dedup_tolerance" env:"DEDUP_TOLERANCE"`
	// DedupMaxKeys bounds the dedup keys held per partition (about 40 bytes each). Default 2000000.
	DedupMaxKeys int `yaml:"dedup_max_keys" env:"DEDUP_MAX_KEYS"`
	// WatermarkDelay is how far the watermark trails the newest event. Default 10m.
	WatermarkDelay time.Duration `yaml:"watermark_delay" env:"WATERMARK_DELAY"`
	// IdleTimeout: a raw partition silent this long (or never heard from this long after
	// dedup starts) no longer holds the event-time watermark back. Default 30s.
	IdleTimeout time.Duration `yaml:"idle_timeout" env:"IDLE_TIMEOUT"`
	// AllowedLateness keeps a window open this long after its end. Default 2h.
	AllowedLateness time.Duration `yaml:"allowed_lateness" env:"ALLOWED_LATENESS"`
	// WindowFlush is how often changed windows are written. Default 1s.
	WindowFlush time.Duration `yaml:"window_flush" env:"WINDOW_FLUSH"`
	// InsertRows flushes a ClickHouse insert at this many rows. Default 50000.
	InsertRows int `yaml:"insert_rows" env:"INSERT_ROWS"`
	// InsertWait flushes a non-empty ClickHouse insert after this long. Default 1s.
	InsertWait time.Duration `yaml:"insert_wait" env:"INSERT_WAIT"`
	// StatsInterval is how often each process writes its counters to pipeline_stats (the
	// pipeline-health dashboard). Default 10s.
	StatsInterval time.Duration `yaml:"stats_interval" env:"STATS_INTERVAL"`
}

// Kafka configures the brokers and topics.
type Kafka struct {
	// Brokers are host:port seed brokers. Default [127.0.0.1:9092]. Env VIGIA_KAFKA_BROKERS (comma-separated).
	Brokers []string `yaml:"brokers" env:"BROKERS" envSeparator:","`
	// ClientID names this process to the brokers. Default "vigia".
	ClientID string `yaml:"client_id" env:"CLIENT_ID"`
	// TopicPrefix starts every topic name: <prefix>.raw.<agency>, <prefix>.anon, ... Default "vigia".
	TopicPrefix string `yaml:"topic_prefix" env:"TOPIC_PREFIX"`
	// Partitions of topics Vigía creates. Default 6.
	Partitions int `yaml:"partitions" env:"PARTITIONS"`
	// ReplicationFactor of topics Vigía creates. Default 1 (one local broker); use 3 in production.
	ReplicationFactor int `yaml:"replication_factor" env:"REPLICATION_FACTOR"`
	// DialTimeout bounds connecting to a broker. Default 10s.
	DialTimeout time.Duration `yaml:"dial_timeout" env:"DIAL_TIMEOUT"`
	// Compression of what Vigía produces: none, gzip, snappy, lz4 or zstd. Default none:
	// measured on one machine, lz4 cost 10-15% of the pipeline's CPU for no gain on a local
	// link; choose lz4 or zstd where bandwidth between brokers and stages is scarce.
	Compression string `yaml:"compression" env:"COMPRESSION"`
	// SASLMechanism authenticates every connection (the stages, the admin calls, `dlq`,
	// `publish`, `replay`, `simulate`, the demo): none, plain, scram-sha-256 or scram-sha-512.
	// Default none.
	SASLMechanism string `yaml:"sasl_mechanism" env:"SASL_MECHANISM"`
	// SASLUsername for SASL. The password comes only from VIGIA_KAFKA_SASL_PASSWORD.
	SASLUsername string `yaml:"sasl_username" env:"SASL_USERNAME"`
	SASLPassword string `yaml:"-" env:"SASL_PASSWORD"`
	// TLS encrypts every connection; TLSCAFile is a PEM file of the CA to trust (default: the
	// system's). Default false.
	TLS       bool   `yaml:"tls" env:"TLS"`
	TLSCAFile string `yaml:"tls_ca_file" env:"TLS_CA_FILE"`
	// TLSCertFile and TLSKeyFile (PEM) present a client certificate (mutual TLS). Default none.
	TLSCertFile string `yaml:"tls_cert_file" env:"TLS_CERT_FILE"`
	TLSKeyFile  string `yaml:"tls_key_file" env:"TLS_KEY_FILE"`
	// CredentialsFile holds VIGIA_KAFKA_* lines (KEY=VALUE: brokers, SASL mechanism, username
	// and password, TLS and CA file), read beneath the environment: the pipeline's identity.
	// Default <state>/kafka/secrets/pipeline.env when it exists (what `make services` writes;
	// <state> is VIGIA_STATE_DIR or ./.state).
	CredentialsFile string `yaml:"credentials_file" env:"CREDENTIALS_FILE"`
	// AdminCredentialsFile is the same for the administrator, the identity of `vigia kafka
	// setup`, `vigia agencies`, `vigia dlq replay` and of the record generators that stand in
	// for many agencies at once (replay, simulate, the demo). Default
	// <state>/kafka/secrets/admin.env when it exists; without one they use CredentialsFile's.
	AdminCredentialsFile string `yaml:"admin_credentials_file" env:"ADMIN_CREDENTIALS_FILE"`
	// Admin is what AdminCredentialsFile says (SASL only; brokers and TLS are shared).
	Admin kclient.SASL `yaml:"-" env:"-"`
}

// AdminClient is the Client of the administrator's identity.
func (k Kafka) AdminClient() kclient.Config {
	c := k.Client()
	if k.Admin.Mechanism != "" {
		c.SASL = k.Admin
	}
	return c
}

// Client is the configuration of the one Kafka client layer.
func (k Kafka) Client() kclient.Config {
	return kclient.Config{Brokers: k.Brokers, ClientID: k.ClientID, DialTimeout: k.DialTimeout,
		Compression: Compressions[k.Compression],
		SASL:        kclient.SASL{Mechanism: k.SASLMechanism, Username: k.SASLUsername, Password: k.SASLPassword},
		TLS:         kclient.TLS{Enable: k.TLS, CAFile: k.TLSCAFile, CertFile: k.TLSCertFile, KeyFile: k.TLSKeyFile}}
}

// ClickHouse configures the storage server.
type ClickHouse struct {
	// Addr are host:port native-protocol addresses. Default [127.0.0.1:9000]. Env VIGIA_CLICKHOUSE_ADDR.
	Addr []string `yaml:"addr" env:"ADDR" envSeparator:","`
	// Database holds Vigía's tables; `vigia migrate` creates it. Default "vigia".
	Database string `yaml:"database" env:"DATABASE"`
	// Cluster, when set, is the name of the servers' cluster (their remote_servers): `vigia
	// migrate` then runs every statement ON CLUSTER, each table is a Replicated*MergeTree
	// <table>_local on every shard and a Distributed table of its name over them (docs/DESIGN.md,
	// "Deployment"). Default none: one server, the tables as the migrations write them.
	Cluster string `yaml:"cluster" env:"CLUSTER"`
	// Username is the identity of the stages and of every command but `vigia migrate`.
	// Default vigia_pipeline with PasswordFile <state>/clickhouse/secrets/pipeline.password
	// when that file exists (what `make services` writes; <state> is VIGIA_STATE_DIR or
	// ./.state) and neither the YAML file nor the environment names an identity (username,
	// password or password_file); otherwise "default".
	Username string `yaml:"username" env:"USERNAME"`
	// Password is read from the environment only (VIGIA_CLICKHOUSE_PASSWORD) or PasswordFile,
	// never from the YAML file, so that config files can be shared.
	Password string `yaml:"-" env:"PASSWORD"`
	// PasswordFile is a file whose first line is the password. Default none (see Username).
	PasswordFile string `yaml:"password_file" env:"PASSWORD_FILE"`
	// Migrator is the identity of `vigia migrate` and of the demo's reset, the one that may
	// run DDL: vigia_migrate and <state>/clickhouse/secrets/migrate.password when Load took the
	// stages' identity from the state folder; empty otherwise, and then ForMigrations uses
	// Username and Password (a deployment runs `vigia migrate` with the migrating user's
	// VIGIA_CLICKHOUSE_USERNAME and password).
	Migrator Identity `yaml:"-" env:"-"`
	// TLS encrypts the native protocol (a remote server's secure port, usually 9440).
	// TLSCAFile is a PEM file of the CA to trust (default: the system's);
	// TLSInsecureSkipVerify accepts any certificate (tests against a self-signed server only:
	// anyone on the path can then read the password). Default false.
	TLS                   bool   `yaml:"tls" env:"TLS"`
	TLSCAFile             string `yaml:"tls_ca_file" env:"TLS_CA_FILE"`
	TLSInsecureSkipVerify bool   `yaml:"tls_insecure_skip_verify" env:"TLS_INSECURE_SKIP_VERIFY"`
	// DialTimeout bounds connecting. Default 10s.
	DialTimeout time.Duration `yaml:"dial_timeout" env:"DIAL_TIMEOUT"`
}

// Identity is a ClickHouse user and its password.
type Identity struct {
	Username, Password string
}

// ForMigrations is the connection of `vigia migrate`: the same server, as Migrator when set.
func (c ClickHouse) ForMigrations() ClickHouse {
	if c.Migrator.Username != "" {
		c.Username, c.Password, c.PasswordFile = c.Migrator.Username, c.Migrator.Password, ""
	}
	return c
}

// TLSConfig is the TLS of the native protocol, nil when clickhouse.tls is off. The server's
// name is checked against its certificate (the host of the address dialled).
func (c ClickHouse) TLSConfig() (*tls.Config, error) {
	if !c.TLS {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSInsecureSkipVerify} //nolint:gosec // the operator's explicit choice, refused beside a CA file
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read the CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate: give the CA certificate that signed the server's (-----BEGIN CERTIFICATE-----)", c.TLSCAFile)
		}
		t.RootCAs = pool
	}
	return t, nil
}

func (c ClickHouse) validateTLS(bad badFunc) {
	if !c.TLS {
		if c.TLSCAFile != "" || c.TLSInsecureSkipVerify {
			bad("clickhouse.tls (env VIGIA_CLICKHOUSE_TLS)", "is off but clickhouse.tls_ca_file or clickhouse.tls_insecure_skip_verify is set: set tls: true to connect with TLS (the server's secure native port, usually 9440), or remove them")
		}
		return
	}
	if c.TLSCAFile != "" && c.TLSInsecureSkipVerify {
		bad("clickhouse.tls_insecure_skip_verify (env VIGIA_CLICKHOUSE_TLS_INSECURE_SKIP_VERIFY)", "is set beside clickhouse.tls_ca_file: nothing is verified against that CA then; remove tls_insecure_skip_verify")
	}
	if _, err := c.TLSConfig(); err != nil {
		bad("clickhouse.tls_ca_file (env VIGIA_CLICKHOUSE_TLS_CA_FILE)", "%v", err)
	}
}

// clickHouseUsers gives the stages and `vigia migrate` the users `make services` made
// (vigia_pipeline, vigia_migrate), when the state folder holds their passwords and neither the
// YAML file nor the environment names an identity. An identity is taken whole: a username from
// the configuration is never paired with a password from the state folder.
func clickHouseUsers(c *ClickHouse, yamlClickHouse map[string]any, environ map[string]string) error {
	for _, key := range []string{"username", "password_file"} {
		if _, set := yamlClickHouse[key]; set {
			return nil
		}
	}
	for _, key := range []string{"VIGIA_CLICKHOUSE_USERNAME", "VIGIA_CLICKHOUSE_PASSWORD", "VIGIA_CLICKHOUSE_PASSWORD_FILE"} {
		if environ[key] != "" {
			return nil
		}
	}
	dir := filepath.Join(stateDir(environ), "clickhouse", "secrets")
	pipeline := filepath.Join(dir, "pipeline.password")
	if _, err := os.Stat(pipeline); err != nil {
		return nil
	}
	c.Username, c.PasswordFile = "vigia_pipeline", pipeline
	migrate := filepath.Join(dir, "migrate.password")
	if _, err := os.Stat(migrate); err != nil {
		return nil
	}
	pw, err := readPassword("the migrating user's password", migrate)
	if err != nil {
		return err
	}
	c.Migrator = Identity{Username: "vigia_migrate", Password: pw}
	return nil
}

// readPassword reads the first line of a password file.
func readPassword(what, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", what, err)
	}
	return strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]), nil
}

// Validation tunes the contract's limits (see schemas.Validator).
type Validation struct {
	// MaxCount bounds an event's count. Default 10000.
	MaxCount int `yaml:"max_count" env:"MAX_COUNT"`
	// MaxClockSkew is how far in the future occurred_at may lie. Default 15m.
	MaxClockSkew time.Duration `yaml:"max_clock_skew" env:"MAX_CLOCK_SKEW"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Listen is the host:port of /metrics; empty disables it. Default 127.0.0.1:9464.
	Listen string `yaml:"listen" env:"LISTEN"`
	// Pprof also serves Go's profiler under /debug/pprof/ on Listen. Default false.
	Pprof bool `yaml:"pprof" env:"PPROF"`
}

// Default returns the configuration that runs against `make services`.
func Default() Config {
	return Config{
		LogLevel: "info",
		Kafka: Kafka{
			Brokers: []string{"127.0.0.1:9092"}, ClientID: "vigia", TopicPrefix: "vigia",
			Partitions: 6, ReplicationFactor: 1, DialTimeout: 10 * time.Second, Compression: "none", SASLMechanism: "none",
		},
		ClickHouse: ClickHouse{
			Addr: []string{"127.0.0.1:9000"}, Database: "vigia", Username: "default",
			DialTimeout: 10 * time.Second,
		},
		Validation: Validation{MaxCount: 10000, MaxClockSkew: 15 * time.Minute},
		Metrics:    Metrics{Listen: "127.0.0.1:9464"},
		Surge: Surge{Resolutions: []string{"day"}, Method: "C2", MinCount: 5, Baseline: 28, Levels: []float64{0.001, 0.00001, 0.000001},
			ResolveAfter: 2, Hysteresis: 0.5, NationalityMinCount: 50,
			Corridor:     SurgeCorridor{RareShare: 0.02, Share: 0.10, MinCount: 20},
			DashboardURL: "http://localhost:3000"},
		Pipeline: Pipeline{
			Shutdown: 30 * time.Second, BatchSize: 2000, BatchWait: 100 * time.Millisecond, MemoryBudgetMiB: 1024,
			Destinations: []string{"USA", "CAN"}, DedupHorizon: 7 * 24 * time.Hour, DedupTolerance: time.Hour,
			DedupMaxKeys: 2_000_000, WatermarkDelay: 10 * time.Minute, IdleTimeout: 30 * time.Second,
			AllowedLateness: 2 * time.Hour, WindowFlush: time.Second, InsertRows: 50_000, InsertWait: time.Second,
			StatsInterval: 10 * time.Second, TimePrecision: time.Minute, RowRetentionMonths: 13,
			UnknownAgeAsMinor: true,
		},
	}
}

// Load builds the configuration: defaults, then the Kafka credentials file (for the keys the
// YAML file does not set), then the YAML file at path (if path is not empty), then the
// environment. It does not validate; call Validate.
func Load(path string, environ map[string]string) (Config, error) {
	cfg := Default()
	var yamlKafka, yamlClickHouse map[string]any // the kafka and clickhouse keys the YAML file sets
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("cannot read config file: %w", err)
		}
		if err := yaml.UnmarshalWithOptions(b, &cfg, yaml.Strict()); err != nil {
			return cfg, fmt.Errorf("cannot parse config file %s:\n%s", path, yaml.FormatError(err, false, true))
		}
		var doc struct {
			Kafka      map[string]any `yaml:"kafka"`
			ClickHouse map[string]any `yaml:"clickhouse"`
		}
		_ = yaml.Unmarshal(b, &doc)
		yamlKafka, yamlClickHouse = doc.Kafka, doc.ClickHouse
	}
	environ, err := withCredentials(cfg.Kafka, yamlKafka, environ)
	if err != nil {
		return cfg, err
	}
	if err := env.ParseWithOptions(&cfg, env.Options{Prefix: "VIGIA_", Environment: environ}); err != nil {
		return cfg, envError(environ, err)
	}
	if cfg.Kafka.Admin, err = adminCredentials(cfg.Kafka, environ); err != nil {
		return cfg, err
	}
	if err := clickHouseUsers(&cfg.ClickHouse, yamlClickHouse, environ); err != nil {
		return cfg, err
	}
	if cfg.ClickHouse.Password == "" && cfg.ClickHouse.PasswordFile != "" {
		if cfg.ClickHouse.Password, err = readPassword("clickhouse.password_file", cfg.ClickHouse.PasswordFile); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// Validate checks every value and names the key to fix for each problem found.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, args...)...))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q is not one of debug, info, warn, error", c.LogLevel)
	}
	checkAddrs(bad, "kafka.brokers (env VIGIA_KAFKA_BROKERS)", c.Kafka.Brokers)
	checkAddrs(bad, "clickhouse.addr (env VIGIA_CLICKHOUSE_ADDR)", c.ClickHouse.Addr)
	if c.Kafka.ClientID == "" {
		bad("kafka.client_id", "must not be empty")
	}
	if !topicPartRe.MatchString(c.Kafka.TopicPrefix) {
		bad("kafka.topic_prefix", "%q must be letters, digits, '_' or '-' (1-40 characters)", c.Kafka.TopicPrefix)
	}
	if _, ok := Compressions[c.Kafka.Compression]; !ok {
		bad("kafka.compression", "%q must be one of none, gzip, snappy, lz4, zstd", c.Kafka.Compression)
	}
	switch c.Kafka.SASLMechanism {
	case "none":
	case "plain", "scram-sha-256", "scram-sha-512":
		if c.Kafka.SASLUsername == "" || c.Kafka.SASLPassword == "" {
			bad("kafka.sasl_mechanism", "%s needs kafka.sasl_username and VIGIA_KAFKA_SASL_PASSWORD", c.Kafka.SASLMechanism)
		}
	default:
		bad("kafka.sasl_mechanism", "%q must be one of none, plain, scram-sha-256, scram-sha-512", c.Kafka.SASLMechanism)
	}
	positive(bad, "kafka.partitions", c.Kafka.Partitions, 1, 1024)
	positive(bad, "kafka.replication_factor", c.Kafka.ReplicationFactor, 1, 7)
	positiveDur(bad, "kafka.dial_timeout", c.Kafka.DialTimeout)
	positiveDur(bad, "clickhouse.dial_timeout", c.ClickHouse.DialTimeout)
	if !identRe.MatchString(c.ClickHouse.Database) {
		bad("clickhouse.database", "%q must be a plain identifier (letters, digits, '_')", c.ClickHouse.Database)
	}
	if c.ClickHouse.Cluster != "" && !identRe.MatchString(c.ClickHouse.Cluster) {
		bad("clickhouse.cluster", "%q must be the name of a cluster in the servers' remote_servers (letters, digits, '_')", c.ClickHouse.Cluster)
	}
	if c.ClickHouse.Username == "" {
		bad("clickhouse.username", "must not be empty")
	}
	c.ClickHouse.validateTLS(bad)
	positive(bad, "validation.max_count", c.Validation.MaxCount, 1, 1_000_000)
	positiveDur(bad, "validation.max_clock_skew", c.Validation.MaxClockSkew)
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			bad("metrics.listen", "%q must be host:port (or empty to disable)", c.Metrics.Listen)
		}
	}
	c.Pipeline.validate(bad)
	c.Surge.validate(bad)
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration:\n  %w", joinLines(errs))
}

// envError names the variable at fault: the env library reports Go field names, which an
// operator cannot map to VIGIA_* variables. Each set variable is parsed alone to find it.
func envError(environ map[string]string, err error) error {
	params, perr := env.GetFieldParamsWithOptions(&Config{}, env.Options{Prefix: "VIGIA_"})
	if perr != nil {
		return fmt.Errorf("cannot read VIGIA_* environment: %w", err)
	}
	var bad []string
	for _, p := range params {
		v, ok := environ[p.Key]
		if !ok {
			continue
		}
		one := Default()
		if e := env.ParseWithOptions(&one, env.Options{Prefix: "VIGIA_", Environment: map[string]string{p.Key: v}}); e != nil {
			bad = append(bad, fmt.Sprintf("%s=%q is not a valid value (a number, duration such as 10s, or comma-separated list as the setting needs)", p.Key, v))
		}
	}
	if len(bad) == 0 {
		return fmt.Errorf("cannot read VIGIA_* environment: %w", err)
	}
	return fmt.Errorf("cannot read VIGIA_* environment: %s", strings.Join(bad, "; "))
}

// Environ returns the process environment as a map, for Load.
func Environ() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
