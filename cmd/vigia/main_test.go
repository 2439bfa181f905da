package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigia-observatory/vigia/internal/testenv"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// run executes the CLI in-process and returns stdout, stderr and the exit code main would use.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	var ee exitError
	switch {
	case err == nil:
		return out.String(), errb.String(), 0
	case errors.As(err, &ee):
		return out.String(), errb.String(), ee.code
	default:
		return out.String(), errb.String() + err.Error(), 2
	}
}

func TestValidateValidFile(t *testing.T) {
	out, errs, code := run(t, "validate", "../../schemas/testdata/valid.ndjson")
	if code != 0 || out != "" || !strings.Contains(errs, "13 records, 13 valid, 0 bad") {
		t.Fatalf("code %d\nstdout %q\nstderr %q", code, out, errs)
	}
}

func TestValidateInvalidFile(t *testing.T) {
	exp, err := os.ReadFile("../../schemas/testdata/invalid.expected.tsv")
	if err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "validate", "../../schemas/testdata/invalid.ndjson")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(exp)), "\n") {
		if !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines printed for %d bad records:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		f := strings.Split(want[i], "\t") // line, path, reason
		prefix := "../../schemas/testdata/invalid.ndjson:" + f[0] + ": " + f[1] + ": " + f[2] + ": "
		if !strings.HasPrefix(l, prefix) {
			t.Errorf("got  %q\nwant prefix %q", l, prefix)
		}
	}
}

func TestValidateJSONArrayAndAgency(t *testing.T) {
	p := filepath.Join(t.TempDir(), "batch.json")
	valid, _ := os.ReadFile("../../schemas/testdata/valid.ndjson")
	recs := strings.Split(strings.TrimSpace(string(valid)), "\n")
	os.WriteFile(p, []byte("["+recs[0]+","+recs[2]+"]"), 0o600)
	out, _, code := run(t, "validate", "--agency", "hn-inm", "--format", "json", p)
	if code != 1 || !strings.Contains(out, `"line":2`) || !strings.Contains(out, `"reason":"agency_mismatch"`) || strings.Contains(out, `"line":1`) {
		t.Fatalf("code %d, out %s", code, out)
	}
}

func TestBadFlagsAndConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(cfg, []byte("kafka:\n  partitions: 0\n"), 0o600)
	typo := filepath.Join(t.TempDir(), "typo.yaml")
	os.WriteFile(typo, []byte("clickhous:\n  addr: [x:1]\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--nope", "x"}, "unknown flag: --nope"},
		{[]string{"validate"}, "requires at least 1 arg"},
		{[]string{"validate", "--format", "xml", "x"}, "must be text or json"},
		{[]string{"validate", "no-such-file.ndjson"}, "cannot open no-such-file.ndjson"},
		{[]string{"--config", cfg, "validate", "x"}, "kafka.partitions: 0 must be between 1 and 1024"},
		{[]string{"--config", typo, "validate", "x"}, "clickhous"},
		{[]string{"--config", "/nonexistent.yaml", "migrate"}, "cannot read config file"},
	} {
		_, errs, code := run(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	out, _, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "vigia ") {
		t.Fatalf("%d %q", code, out)
	}
}

// migrate against the real ClickHouse: the second run applies nothing and says so.
func TestMigrateTwice(t *testing.T) {
	cfg := testenv.Config(t)
	t.Setenv("VIGIA_CLICKHOUSE_DATABASE", cfg.ClickHouse.Database)
	t.Setenv("VIGIA_CLICKHOUSE_ADDR", strings.Join(cfg.ClickHouse.Addr, ","))
	testenv.ClickHouseEmpty(t, cfg) // checks the server and drops the database at the end
	ms, _ := chsink.Migrations()
	out, errs, code := run(t, "migrate")
	want := fmt.Sprintf("schema at version %03d: %d migration(s) applied", ms[len(ms)-1].Version, len(ms))
	if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "points registry loaded") {
		t.Fatalf("first migrate: %d %s %s", code, out, errs)
	}
	out, errs, code = run(t, "migrate")
	if code != 0 || !strings.Contains(out, "up to date, nothing applied") || !strings.Contains(out, "points registry unchanged") {
		t.Fatalf("second migrate: %d %s %s", code, out, errs)
	}
}

func TestHealthCommand(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("# metrics")) }))
	defer ok.Close()
	if out, errs, code := run(t, "health", "--url", ok.URL+"/metrics"); code != 0 || out != "ok\n" {
		t.Fatalf("healthy: code %d %q %q", code, out, errs)
	}
	if _, errs, code := run(t, "health", "--url", "http://127.0.0.1:1/metrics"); code == 0 || !strings.Contains(errs, "cannot reach") {
		t.Fatalf("down: code %d %q", code, errs)
	}
}

func TestDashboardsRender(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := run(t, "dashboards", "render", "--out", dir, "--database", "observatorio_public")
	if code != 0 || !strings.Contains(out, "9 dashboards written") {
		t.Fatalf("code %d %q %q", code, out, errs)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "overview.json"))
	if !strings.Contains(string(b), `"query": "observatorio_public"`) {
		t.Error("--database did not reach the dashboards' database")
	}
	if _, errs, code := run(t, "dashboards", "render", "--out", dir, "--database", ""); code == 0 || !strings.Contains(errs, "database must not be empty") {
		t.Fatalf("an empty database accepted: %d %q", code, errs)
	}
	if _, errs, code := run(t, "dashboards", "push", "--url", "localhost:3000"); code == 0 || !strings.Contains(errs, "--url") {
		t.Fatalf("bad url accepted: %d %q", code, errs)
	}
}

func TestDisclosureAuditFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"disclosure", "audit", "--to", "2026-02-01"}, `required flag(s) "from" not set`},
		{[]string{"disclosure", "audit", "--from", "January", "--to", "2026-02-01"}, `--from "January": use a date like 2026-01-01`},
		{[]string{"disclosure", "audit", "--from", "2026-03-01", "--to", "2026-02-01"}, "is not before to"},
	} {
		_, errs, code := run(t, c.args...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errs, c.want)
		}
	}
}
