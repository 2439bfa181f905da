package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
	"github.com/vigia-observatory/vigia/sinks/export"
)

// Bad flags stop before anything is read, saying what to fix.
func TestExportCommandErrors(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ok := []string{"export", "--from", "2026-01-01", "--to", "2026-02-01"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--from", "2026-02-01", "--to", "2026-01-01", dir}, "from (2026-02-01) must be before to (2026-01-01)"},
		{append(ok, "--format", "xlsx", dir), `format "xlsx" must be parquet, arrow or csv`},
		{append(ok, "--granularity", "hour", dir), `granularity "hour" must be day, week or month`},
		{append(ok, aFile), "is a file: name a directory"},
		{append(ok, filepath.Join(aFile, "out")), "cannot be created: " + aFile + " is a file"},
		{append(ok, "/proc/vigia-export"), "output directory /proc/vigia-export cannot be created in /proc"},
		{[]string{"export", "--to", "2026-02-01", dir}, "--from is required: a date such as 2026-01-01"},
		{[]string{"export", "--from", "1/1/2026", "--to", "2026-02-01", dir}, `--from "1/1/2026" is not a date: write it as YYYY-MM-DD`},
		{ok, "accepts 1 arg(s), received 0"},
	} {
		if out, errs, code := run(t, tc.args...); code != 2 || !strings.Contains(errs, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
}

// An export of the real ClickHouse: the files and the package are written and summed up.
func TestExportCommand(t *testing.T) {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	t.Setenv("VIGIA_CLICKHOUSE_DATABASE", cfg.ClickHouse.Database)
	t.Setenv("VIGIA_CLICKHOUSE_ADDR", strings.Join(cfg.ClickHouse.Addr, ","))
	ctx := context.Background()
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+chsink.PublicDatabase(cfg.ClickHouse.Database)+
		".figures (grain, period_start, point_id, country, type, role, category, minor, nationality, persons, suppressed, k, version, published_at)")
	if err != nil {
		t.Fatal(err)
	}
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		grain      string
		start      time.Time
		persons    uint64
		suppressed uint8
	}{
		{"country_month", jan, 120, 0}, {"country_month", jan.AddDate(0, 1, 0), 35, 0},
		{"country_week", jan.AddDate(0, 0, 4), 0, 1}, {"country_month", jan.AddDate(0, -1, 0), 999, 0},
	} {
		if err := b.Append(r.grain, r.start, "", "HND", "return", "origin", "single_adult", uint8(0), "HND", r.persons, r.suppressed, uint8(5), uint64(1), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "open-data")
	out, errs, code := run(t, "export", "--from", "2026-01-01", "--to", "2026-03-01", "--granularity", "month", "--format", "csv", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "figures_country_month.csv: 2 rows (0 suppressed), 155 persons shown") || !strings.Contains(out, "exported 1 files, 2 rows,") {
		t.Errorf("summary:\n%s", out)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "figures_country_month.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "period_start,point_id,country,type,role,category,minor,nationality,persons,suppressed,k\n" +
		"2026-01-01,,HND,return,origin,single_adult,false,HND,120,false,5\n" +
		"2026-02-01,,HND,return,origin,single_adult,false,HND,35,false,5\n"
	if string(csv) != want {
		t.Errorf("csv:\n%s\nwant\n%s", csv, want)
	}
	var p export.Package
	pb, err := os.ReadFile(filepath.Join(dir, export.PackageFile))
	if err != nil || json.Unmarshal(pb, &p) != nil || p.Profile != "tabular-data-package" || len(p.Resources) != 1 || p.Resources[0].Rows != 2 {
		t.Fatalf("datapackage.json (%v):\n%s", err, pb)
	}

	// The week's one cell is suppressed: an empty persons cell, suppressed true.
	out, errs, code = run(t, "export", "--from", "2026-01-01", "--to", "2026-03-01", "--granularity", "week", "--format", "csv", dir)
	if code != 0 || !strings.Contains(out, "figures_country_week.csv: 1 rows (1 suppressed), 0 persons shown") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if csv, _ = os.ReadFile(filepath.Join(dir, "figures_country_week.csv")); !strings.HasSuffix(string(csv), "\n2026-01-05,,HND,return,origin,single_adult,false,HND,,true,5\n") {
		t.Errorf("suppressed cell:\n%s", csv)
	}
}
