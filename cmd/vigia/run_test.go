package main

import (
	"encoding/base64"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/vigia-observatory/vigia/internal/testenv"
)

func TestAwaitStop(t *testing.T) {
	never := make(chan error)
	for _, tc := range []struct {
		name  string
		done  chan error
		again chan os.Signal
		grace <-chan time.Time
		want  error
	}{
		{"flushed in time", func() chan error { c := make(chan error, 1); c <- nil; return c }(), nil, nil, nil},
		{"second signal", never, func() chan os.Signal { c := make(chan os.Signal, 1); c <- syscall.SIGINT; return c }(), nil, exitError{130}},
		{"grace over", never, nil, time.After(time.Millisecond), exitError{1}},
	} {
		got := awaitStop(tc.done, tc.again, tc.grace, zerolog.Nop())
		if !errors.Is(got, tc.want) && got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// vigia run without keys stops at once and says which variables to set.
func TestRunWithoutKeysSaysWhatToSet(t *testing.T) {
	t.Setenv("VIGIA_DLQ_KEYS", "")
	t.Setenv("VIGIA_DLQ_KEYS_FILE", "")
	_, errs, code := run(t, "run")
	if code != 2 || !containsAll(errs, "VIGIA_DLQ_KEYS", "vigia keys generate --purpose dlq") {
		t.Fatalf("%d %s", code, errs)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// A stage that cannot start, or a stage that fails while the others run, stops `vigia run`
// with a non-zero exit naming the stage (or the part) and the cause; the other stages stop
// cleanly first.
func TestRunFailsNamingTheStage(t *testing.T) {
	cfg := testenv.Config(t)
	testenv.Kafka(t, cfg)
	t.Setenv("VIGIA_KAFKA_TOPIC_PREFIX", cfg.Kafka.TopicPrefix)
	t.Setenv("VIGIA_PSEUDONYM_KEYS", "p:"+testKey(1))
	t.Setenv("VIGIA_DLQ_KEYS", "d:"+testKey(2))
	t.Setenv("VIGIA_EVENT_KEYS", "e:"+base64.StdEncoding.EncodeToString([]byte("event-id key of the run test, 32")))
	routes := filepath.Join(t.TempDir(), "routes.yaml")
	if err := os.WriteFile(routes, []byte("routes:\n  - name: hn-sre\n    webhook:\n      url: https://ministry.example/hook\n      secret_env: NOT_SET_ANYWHERE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name   string
		stages string
		env    map[string]string
		want   []string
	}{
		{"a stage with a bad routes file", "ingest,notify", map[string]string{"VIGIA_SURGE_ROUTES_FILE": routes, "VIGIA_METRICS_LISTEN": ""},
			[]string{"cannot start stage notify", "routes[0] (hn-sre)", "NOT_SET_ANYWHERE"}},
		{"a metrics address in use while ingest runs", "ingest,notify", map[string]string{"VIGIA_SURGE_ROUTES_FILE": "", "VIGIA_METRICS_LISTEN": busy.Addr().String()},
			[]string{"cannot serve /metrics on " + busy.Addr().String()}},
		// An upgrade that skipped `vigia migrate`: said at start, not insert by insert.
		{"a database never migrated", "window", map[string]string{"VIGIA_METRICS_LISTEN": "", "VIGIA_CLICKHOUSE_DATABASE": cfg.ClickHouse.Database + "_never_migrated"},
			[]string{"database " + cfg.ClickHouse.Database + "_never_migrated has no record of migrations", "run `vigia migrate` first"}},
	} {
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		_, errs, code := run(t, "run", "--stage", tc.stages)
		if code == 0 || !containsAll(errs, tc.want...) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant it to contain %q", tc.name, code, errs, tc.want)
		}
	}
}
