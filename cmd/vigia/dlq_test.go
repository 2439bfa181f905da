package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/pipeline"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// The operator's DLQ commands against the real broker and ClickHouse: rejected records are
// listed by agency and reason; show decrypts one and replay sends them back through ingest
// (where, the registry being unchanged, they are rejected again: the DLQ grows by exactly the
// replayed count). The master ring opens every agency's records and those sealed before
// per-agency keys; an agency's ring (vigia dlq key) opens that agency's only. Every show and
// replay needs --reason and leaves one audit row, written before anything is decrypted: when
// it cannot be written, nothing is shown or replayed.
func TestDLQCommands(t *testing.T) {
	cfg := testenv.Config(t)
	kc := testenv.Kafka(t, cfg)
	conn := testenv.ClickHouse(t, cfg)
	// Keys that pass the key checks, without a helper of another test file, so this test
	// builds on its own.
	masterSpec := "d:" + dlqTestKey("DLQ master")
	env := map[string]string{"VIGIA_PSEUDONYM_KEYS": "p:" + dlqTestKey("pseudonyms"), "VIGIA_DLQ_KEYS": masterSpec, "VIGIA_EVENT_KEYS": "e:" + dlqTestKey("event ids")}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("VIGIA_DLQ_AGENCY_KEYS", "")
	t.Setenv("VIGIA_DLQ_AGENCY_KEYS_FILE", "")
	t.Setenv("VIGIA_KAFKA_TOPIC_PREFIX", cfg.Kafka.TopicPrefix)
	t.Setenv("VIGIA_KAFKA_BROKERS", strings.Join(cfg.Kafka.Brokers, ","))
	t.Setenv("VIGIA_CLICKHOUSE_DATABASE", cfg.ClickHouse.Database)
	testenv.Enroll(t, cfg, "hn-inm", "gt-igm")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- pipeline.Run(ctx, pipeline.Options{Config: cfg, Stages: []string{"ingest"}, Environ: env, Log: newLogger("error", &syncBuffer{})})
	}()
	defer func() { cancel(); <-done }()

	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	for _, a := range []string{"hn-inm", "gt-igm"} {
		testenv.Eventually(t, 30*time.Second, func() error { _, err := kc.Partitions(context.Background(), names.Raw(a)); return err })
	}
	w := kc.Writer(kclient.WriterConfig{BatchTimeout: time.Millisecond})
	defer w.Close()
	rec := func(agency, id, point, typ, name string) kafka.Message {
		return kafka.Message{Topic: names.Raw(agency), Value: []byte(`{"schema_version":1,"event_id":"` + id + `","agency":"` + agency + `","type":"` + typ +
			`","occurred_at":"2024-03-01T10:00:00-06:00","point_id":"` + point + `","person":{"given_names":"` + name + `"}}`)}
	}
	if err := w.WriteMessages(context.Background(), rec("hn-inm", "a", "hnd-new-post", "detention", "Hncanary"), rec("hn-inm", "b", "hnd-new-post", "detention", "Hncanary"),
		rec("hn-inm", "c", "hnd-corinto", "arrival", "Hncanary"), rec("gt-igm", "g", "gtm-new-post", "detention", "Gtcanary")); err != nil {
		t.Fatal(err)
	}
	// A record sealed as Vigía sealed them before per-agency keys: the master key itself.
	if err := w.WriteMessages(context.Background(), preChangeDLQ(t, names, masterSpec, "Oldcanary")); err != nil {
		t.Fatal(err)
	}
	dlqCount := func(want int) []kafka.Message {
		e := &e2e{t: t, cfg: cfg, kafka: kc}
		var msgs []kafka.Message
		testenv.Eventually(t, 60*time.Second, func() error {
			if msgs = e.readTopic(names.DLQ()); len(msgs) < want {
				return fmt.Errorf("DLQ holds %d records, want %d", len(msgs), want)
			}
			return nil
		})
		if len(msgs) != want {
			t.Fatalf("DLQ holds %d records, want %d", len(msgs), want)
		}
		return msgs
	}
	// One DLQ record of each kind, by its clear headers.
	pos := map[string][]string{} // kind -> show's --partition, --offset
	src := map[string]string{}   // kind -> source position
	var hnUnknown []string       // source positions of hn-inm's unknown_point records, which replay selects
	for _, m := range dlqCount(5) {
		r, err := dlq.Parse(m)
		if err != nil {
			t.Fatal(err)
		}
		kind := r.Agency
		if r.KeyScope == "" {
			kind = "old"
		}
		pos[kind] = []string{"--partition", strconv.Itoa(m.Partition), "--offset", strconv.FormatInt(m.Offset, 10)}
		src[kind] = dlq.Position(r)
		if kind == "hn-inm" && r.Reason.String() == "unknown_point" {
			hnUnknown = append(hnUnknown, dlq.Position(r))
		}
	}
	if len(pos) != 3 {
		t.Fatalf("DLQ records of %d kinds, want hn-inm, gt-igm and old", len(pos))
	}
	show := func(kind string, extra ...string) (string, string, int) {
		return run(t, append(append([]string{"dlq", "show"}, pos[kind]...), extra...)...)
	}

	out, errs, code := run(t, "dlq", "list")
	if code != 0 || !regexpMatch(out, `hn-inm\s+unknown_point\s+2`) || !regexpMatch(out, `hn-inm\s+bad_enum\s+2`) || !regexpMatch(out, `gt-igm\s+unknown_point\s+1`) || strings.Contains(out, "canary") {
		t.Fatalf("dlq list: %d\n%s%s", code, out, errs)
	}
	if out, _, code := run(t, "dlq", "list", "--code", "bad_enum"); code != 0 || strings.Contains(out, "unknown_point") {
		t.Fatalf("dlq list --code: %d %s", code, out)
	}
	if _, errs, code := run(t, "dlq", "list", "--reason", "nonsense"); code != 2 || !strings.Contains(errs, "not a reason code") {
		t.Fatalf("bad --reason: %d %s", code, errs)
	}

	// --reason is required, and is a why, not a reason code.
	if out, errs, code := show("hn-inm"); code != 2 || !strings.Contains(errs, "--reason is required") || out != "" {
		t.Fatalf("show without --reason: %d\n%s%s", code, out, errs)
	}
	if out, errs, code := show("hn-inm", "--reason", "unknown_point"); code != 2 || !strings.Contains(errs, "--code unknown_point") || out != "" {
		t.Fatalf("show --reason <code>: %d\n%s%s", code, out, errs)
	}
	if out, errs, code := run(t, "dlq", "replay", "--code", "unknown_point"); code != 2 || !strings.Contains(errs, "--reason is required") || out != "" {
		t.Fatalf("replay without --reason: %d\n%s%s", code, out, errs)
	}

	// The master ring opens every agency's records and the old one.
	why := "OBS-31: hn-inm asks why its detentions fail"
	for kind, canary := range map[string]string{"hn-inm": "Hncanary", "gt-igm": "Gtcanary", "old": "Oldcanary"} {
		out, errs, code = show(kind, "--reason", why)
		if code != 0 || !strings.Contains(out, canary) || !strings.Contains(out, "reason:") {
			t.Fatalf("dlq show %s (master): %d\n%s%s", kind, code, out, errs)
		}
		if !strings.Contains(errs, `"message":"dlq audit"`) || !strings.Contains(errs, why) || strings.Contains(errs, "canary") {
			t.Fatalf("dlq show %s: the log must hold the audit record and no content:\n%s", kind, errs)
		}
	}

	// One agency's ring: written 0600, never over an existing file.
	keyFile := filepath.Join(t.TempDir(), "hn-inm.dlqkeys")
	if _, errs, code := run(t, "dlq", "key", "--agency", "hn-inm", "--out", keyFile); code != 0 {
		t.Fatalf("dlq key: %d %s", code, errs)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if _, errs, code := run(t, "dlq", "key", "--agency", "hn-inm", "--out", keyFile); code != 2 || !strings.Contains(errs, "never overwritten") {
		t.Fatalf("dlq key over an existing file: %d %s", code, errs)
	}
	ring, _, code := run(t, "dlq", "key", "--agency", "hn-inm")
	if b, _ := os.ReadFile(keyFile); code != 0 || !strings.HasPrefix(ring, "hn-inm:d:") || !strings.Contains(string(b), strings.TrimSpace(ring)) || strings.Contains(ring, masterSpec[2:]) {
		t.Fatalf("dlq key to stdout: %d %q", code, ring)
	}
	if _, errs, code := run(t, "dlq", "key"); code != 2 || !strings.Contains(errs, "--agency is required") {
		t.Fatalf("dlq key without --agency: %d %s", code, errs)
	}
	// It opens hn-inm's record, and refuses gt-igm's and the old one, showing nothing.
	agencyWhy := "OBS-32: hn-inm's own operator checks a rejection"
	if out, errs, code := show("hn-inm", "--reason", agencyWhy, "--keys-file", keyFile); code != 0 || !strings.Contains(out, "Hncanary") {
		t.Fatalf("show with hn-inm's ring: %d\n%s%s", code, out, errs)
	}
	if out, errs, code := show("gt-igm", "--reason", agencyWhy, "--keys-file", keyFile); code != 2 || out != "" || !strings.Contains(errs, "agency gt-igm's") || strings.Contains(errs, "canary") {
		t.Fatalf("show gt-igm's record with hn-inm's ring: %d\n%s%s", code, out, errs)
	}
	if out, errs, code := show("old", "--reason", agencyWhy, "--keys-file", keyFile); code != 2 || out != "" || !strings.Contains(errs, "only the master ring") {
		t.Fatalf("show an old record with hn-inm's ring: %d\n%s%s", code, out, errs)
	}
	t.Setenv("VIGIA_DLQ_AGENCY_KEYS", strings.TrimSpace(ring)) // narrower than VIGIA_DLQ_KEYS, so used
	if out, errs, code := show("hn-inm", "--reason", agencyWhy); code != 0 || !strings.Contains(out, "Hncanary") {
		t.Fatalf("show with VIGIA_DLQ_AGENCY_KEYS: %d\n%s%s", code, out, errs)
	}
	t.Setenv("VIGIA_DLQ_AGENCY_KEYS", "")

	// Replay: a dry run counts (no reason, no audit); an agency's ring replays its own records only.
	if out, errs, code := run(t, "dlq", "replay", "--code", "unknown_point", "--dry-run"); code != 0 || !strings.Contains(out, "would replay 3 record(s)") {
		t.Fatalf("dlq replay --dry-run: %d %s%s", code, out, errs)
	}
	replayWhy := "OBS-33: hnd-new-post added to the points registry"
	if out, errs, code := run(t, "dlq", "replay", "--code", "unknown_point", "--reason", replayWhy, "--keys-file", keyFile); code != 2 || !strings.Contains(errs, "do not open 1 of the 3") || strings.Contains(out, "replayed") {
		t.Fatalf("replay of gt-igm's record with hn-inm's ring: %d\n%s%s", code, out, errs)
	}
	if out, errs, code := run(t, "dlq", "replay", "--agency", "hn-inm", "--code", "unknown_point", "--reason", replayWhy, "--keys-file", keyFile); code != 0 || !strings.Contains(out, "replayed 2 record(s)") {
		t.Fatalf("dlq replay: %d %s%s", code, out, errs)
	}
	dlqCount(7)

	// Fail closed: a database without dlq_audit. Nothing shown, nothing replayed.
	t.Setenv("VIGIA_CLICKHOUSE_DATABASE", chsink.PublicDatabase(cfg.ClickHouse.Database))
	if out, errs, code := show("hn-inm", "--reason", why); code != 2 || out != "" || strings.Contains(errs, "canary") || !strings.Contains(errs, "audit") || !strings.Contains(errs, "nothing was shown") {
		t.Fatalf("show without the audit table: %d\n%s%s", code, out, errs)
	}
	if out, errs, code := run(t, "dlq", "replay", "--agency", "gt-igm", "--code", "unknown_point", "--reason", replayWhy); code != 2 || strings.Contains(out, "replayed") || !strings.Contains(errs, "nothing was shown or replayed") {
		t.Fatalf("replay without the audit table: %d\n%s%s", code, out, errs)
	}
	t.Setenv("VIGIA_CLICKHOUSE_DATABASE", cfg.ClickHouse.Database)
	if out, errs, code := run(t, "dlq", "replay", "--agency", "gt-igm", "--code", "unknown_point", "--reason", replayWhy); code != 0 || !strings.Contains(out, "replayed 1 record(s)") {
		t.Fatalf("dlq replay (master): %d %s%s", code, out, errs)
	}
	dlqCount(8) // not 9: the replay refused for want of its audit row published nothing

	// The audit trail: one row per show and replay that got as far as the records (refusals
	// too), none for the dry run, the refused flags or the failed audits.
	audits, err := chsink.DLQAudits(context.Background(), conn, cfg.ClickHouse.Database, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	pipelineUser := "User:" + cfg.Kafka.SASLUsername
	adminUser := "User:" + cfg.Kafka.AdminClient().SASL.Username
	for _, a := range audits {
		key := a.Action + " " + a.KeyScope + " " + strings.Join(a.Agencies, ",")
		if a.Refused != "" {
			key += " refused"
		}
		count[key]++
		if a.OSUser != dlq.OSUser() || a.KafkaPrincipal != pipelineUser || a.ID == "" || time.Since(a.At) > 10*time.Minute {
			t.Errorf("audit row who/when: %+v", a)
		}
		switch {
		case a.Action == dlq.ActionShow:
			wantWhy := why
			if a.KeyScope != "master" {
				wantWhy = agencyWhy
			}
			if a.Reason != wantWhy || len(a.Records) != 1 || !slices.Contains(slices.Collect(maps.Values(src)), a.Records[0]) ||
				!strings.HasPrefix(a.Selection, names.DLQ()+"[") || a.KafkaWriter != "" {
				t.Errorf("show row: %+v", a)
			}
		case a.Action == dlq.ActionReplay:
			if a.Reason != replayWhy || a.KafkaWriter != adminUser || !strings.Contains(a.Selection, "code=unknown_point") {
				t.Errorf("replay row: %+v", a)
			}
			if a.Refused == "" && a.KeyScope == "agency:hn-inm" && (a.Selection != "agency=hn-inm code=unknown_point" || !sameSet(a.Records, hnUnknown)) {
				t.Errorf("agency replay row: %+v", a)
			}
		}
	}
	// The old record is hn-inm's too: two master shows of hn-inm's records, and the agency
	// ring's refusal of the old record names hn-inm.
	want := map[string]int{
		"show master hn-inm": 2, "show master gt-igm": 1,
		"show agency:hn-inm hn-inm": 2, "show agency:hn-inm gt-igm refused": 1, "show agency:hn-inm hn-inm refused": 1,
		"replay agency:hn-inm gt-igm,hn-inm refused": 1, "replay agency:hn-inm hn-inm": 1, "replay master gt-igm": 1,
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d audit row(s) %q, want %d (all: %v)", count[k], k, n, count)
		}
	}
	if len(audits) != 10 {
		t.Errorf("%d audit rows, want 10: %v", len(audits), count)
	}
}

// preChangeDLQ is a DLQ record of hn-inm as Vigía wrote them before per-agency keys:
// AES-256-GCM under the master key itself, no vigia-key-scope header.
func preChangeDLQ(t *testing.T, names topics.Names, masterSpec, canary string) kafka.Message {
	t.Helper()
	_, b64, _ := strings.Cut(masterSpec, ":")
	key, _ := base64.StdEncoding.DecodeString(b64)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := cipher.NewGCM(block)
	topic, offset := names.Raw("hn-inm"), "1099511627776"
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	body := []byte(`{"schema_version":1,"event_id":"old","agency":"hn-inm","type":"arrival","person":{"given_names":"` + canary + `"}}`)
	h := func(k, v string) kafka.Header { return kafka.Header{Key: k, Value: []byte(v)} }
	return kafka.Message{Topic: names.DLQ(), Key: []byte(topic + "/0/" + offset), Value: g.Seal(nonce, nonce, body, []byte(topic+"/0/"+offset)),
		Headers: []kafka.Header{h(dlq.HReason, "bad_enum"), h(dlq.HPath, "type"), h(dlq.HMessage, "type must be one of crossing, detention, return"),
			h(dlq.HErrors, "bad_enum@type"), h(dlq.HAgency, "hn-inm"), h(dlq.HStage, "ingest"), h(dlq.HTopic, topic), h(dlq.HPartition, "0"),
			h(dlq.HOffset, offset), h(dlq.HTime, time.Now().UTC().Format(time.RFC3339)), h(dlq.HKeyID, "d")}}
}

// dlqTestKey is a key that looks random (key checks refuse hand-made ones), one per seed.
func dlqTestKey(seed string) string {
	k := sha256.Sum256([]byte("vigia dlq test " + seed))
	return base64.StdEncoding.EncodeToString(k[:])
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func regexpMatch(s, re string) bool { return regexp.MustCompile(re).MatchString(s) }
