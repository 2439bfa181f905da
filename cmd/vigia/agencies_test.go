package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/producers/publish"
)

// agencyCredentials reads what `vigia agencies add --out` wrote into a copy of cfg.
func agencyCredentials(t *testing.T, cfg config.Config, path string) config.Config {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "VIGIA_KAFKA_SASL_USERNAME":
			cfg.Kafka.SASLUsername = v
		case "VIGIA_KAFKA_SASL_PASSWORD":
			cfg.Kafka.SASLPassword = v
		}
	}
	if !strings.HasPrefix(cfg.Kafka.SASLUsername, "agency-") || cfg.Kafka.SASLPassword == "" {
		t.Fatalf("no credentials in %s", path)
	}
	return cfg
}

// publishAs publishes the border post's export with cfg's credentials.
func publishAs(cfg config.Config) (publish.Summary, error) {
	m, err := publish.LoadMapping("../../docs/examples/border-post.mapping.yaml")
	if err != nil {
		return publish.Summary{}, err
	}
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runPublish(ctx, cfg, "hn-inm", m, []string{"../../docs/examples/border-post.csv"}, &out, &errOut, false)
}

// An agency's life through the administrator's commands, against the secured broker and a
// running pipeline: added, it publishes and is counted; rotated, only the new password
// publishes; removed, it cannot publish, and what it sent stays counted.
func TestAgenciesCommands(t *testing.T) {
	e := newRig(t)
	t.Setenv("VIGIA_KAFKA_TOPIC_PREFIX", e.cfg.Kafka.TopicPrefix)
	stop := e.runInProcess()
	defer stop()
	dir := t.TempDir()
	creds := filepath.Join(dir, "hn-inm.env")
	if out, errs, code := run(t, "agencies", "add", "hn-inm", "--out", creds); code != 0 || !strings.Contains(out, "written to") {
		t.Fatalf("agencies add: %d\n%s%s", code, out, errs)
	}
	if _, errs, code := run(t, "agencies", "add", "hn-inm"); code == 0 || !strings.Contains(errs, "already registered") {
		t.Fatalf("adding it twice: %d %s", code, errs)
	}
	first := agencyCredentials(t, e.cfg, creds)
	if s, err := publishAs(first); s.Sent != 6 || !isExit(err, 1) {
		t.Fatalf("published %d with the agency's credentials (%v), want the 6 good records of the export", s.Sent, err)
	}
	db := e.cfg.ClickHouse.Database
	e.waitFor("the agency's records", "SELECT count() FROM "+db+".events FINAL WHERE agency = 'hn-inm'", 6, 2*time.Minute)

	if out, errs, code := run(t, "agencies", "rotate", "hn-inm", "--out", creds); code != 0 {
		t.Fatalf("agencies rotate: %d\n%s%s", code, out, errs)
	}
	if s, err := publishAs(first); s.Sent != 0 || err == nil || isExit(err, 1) {
		t.Fatalf("the old password after rotate: sent %d, %v; want refused", s.Sent, err)
	}
	if s, err := publishAs(agencyCredentials(t, e.cfg, creds)); s.Sent != 6 || !isExit(err, 1) {
		t.Fatalf("the new password: sent %d, %v", s.Sent, err)
	}
	out, _, code := run(t, "agencies", "list")
	if code != 0 || !strings.Contains(out, "hn-inm") || !strings.Contains(out, "agency-hn-inm") {
		t.Fatalf("agencies list: %d\n%s", code, out)
	}
	if out, errs, code := run(t, "agencies", "remove", "hn-inm"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("agencies remove: %d\n%s%s", code, out, errs)
	}
	if s, err := publishAs(agencyCredentials(t, e.cfg, creds)); s.Sent != 0 || err == nil {
		t.Fatalf("a removed agency published %d records (%v)", s.Sent, err)
	}
	var n uint64
	if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+".events FINAL WHERE agency = 'hn-inm'").Scan(&n); err != nil || n != 6 {
		t.Fatalf("the removed agency's records: %d stored (%v), want its 6 still counted (the second publish repeated them)", n, err)
	}
	if out, _, _ := run(t, "agencies", "list"); strings.Contains(out, "hn-inm") {
		t.Errorf("a removed agency is still listed:\n%s", out)
	}
}

func isExit(err error, code int) bool {
	var ee exitError
	return errors.As(err, &ee) && ee.code == code
}
