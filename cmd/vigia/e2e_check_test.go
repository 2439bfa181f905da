package main

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/internal/wire"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// checkEvents: ClickHouse holds exactly the unique valid events, once each (FINAL), and of
// each cross-agency pair exactly one.
func (e *e2e) checkEvents() {
	e.t.Helper()
	ctx := context.Background()
	db := e.cfg.ClickHouse.Database
	rows, err := e.conn.Query(ctx, "SELECT agency, event_id FROM "+db+".events FINAL")
	if err != nil {
		e.t.Fatal(err)
	}
	stored := map[string]bool{}
	for rows.Next() {
		var a, id string
		if err := rows.Scan(&a, &id); err != nil {
			e.t.Fatal(err)
		}
		key := a + "/" + id
		if stored[key] {
			e.t.Errorf("event %s stored twice", key)
		}
		stored[key] = true
	}
	rows.Close()
	// What is stored of an event id is its keyed reference (anonymize.EventRef).
	asStored := func(k string) string {
		agency, id, _ := strings.Cut(k, "/")
		return agency + "/" + ref(agency, id)
	}
	want := map[string]bool{}
	for k := range e.ds.unique {
		want[asStored(k)] = true
	}
	for _, p := range e.ds.pairs {
		p = [2]string{asStored(p[0]), asStored(p[1])}
		delete(want, p[0])
		if stored[p[0]] == stored[p[1]] {
			e.t.Errorf("cross-agency pair %s / %s: stored %v / %v, want exactly one", p[0], p[1], stored[p[0]], stored[p[1]])
		}
		delete(stored, p[0])
		delete(stored, p[1])
	}
	var missing, extra []string
	for k := range want {
		if !stored[k] {
			missing = append(missing, k)
		}
	}
	for k := range stored {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(extra) > 0 {
		sort.Strings(missing)
		sort.Strings(extra)
		e.t.Errorf("events: %d missing (%v), %d unexpected (%v)", len(missing), head(missing), len(extra), head(extra))
	}
}

// checkWindows: every window count equals the count computed from the published data.
func (e *e2e) checkWindows() {
	e.t.Helper()
	rows, err := e.conn.Query(context.Background(), `SELECT toString(resolution), toUnixTimestamp(window_start), point_id,
		toString(type), toString(role), nationality, toString(sex), age_band, toString(category), minor, unaccompanied, persons, events
		FROM `+e.cfg.ClickHouse.Database+`.windows FINAL`)
	if err != nil {
		e.t.Fatal(err)
	}
	got := map[wkey]wval{}
	for rows.Next() {
		var k wkey
		var start uint32
		var v wval
		if err := rows.Scan(&k.res, &start, &k.point, &k.typ, &k.role, &k.nat, &k.sex, &k.band, &k.categ, &k.minor, &k.unacc, &v.persons, &v.events); err != nil {
			e.t.Fatal(err)
		}
		k.start = int64(start)
		got[k] = v
	}
	rows.Close()
	var diffs []string
	for k, w := range e.ds.windows {
		if got[k] != w {
			diffs = append(diffs, fmt.Sprintf("%+v: got %+v want %+v", k, got[k], w))
		}
	}
	for k, g := range got {
		if _, ok := e.ds.windows[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%+v: unexpected %+v", k, g))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		e.t.Errorf("%d of %d windows differ, e.g.:\n%s\n%s", len(diffs), len(e.ds.windows), strings.Join(head(diffs), "\n"), e.cleanRepeats())
	}
}

// cleanRepeats says which records vigia.clean holds more than once and how far apart: where
// a doubled window's second count entered.
func (e *e2e) cleanRepeats() string {
	type at struct{ part, off int }
	first := map[uint64]at{}
	var n, farthest int
	var ex []string
	var ev wire.CleanEvent
	for _, m := range e.readTopic(topics.Names{Prefix: e.cfg.Kafka.TopicPrefix}.Clean()) {
		if ev.UnmarshalBinary(m.Value) != nil {
			continue
		}
		f, ok := first[ev.ExactKey]
		if !ok {
			first[ev.ExactKey] = at{m.Partition, int(m.Offset)}
			continue
		}
		n++
		farthest = max(farthest, int(m.Offset)-f.off)
		if len(ex) < 10 {
			ex = append(ex, fmt.Sprintf("partition %d: offset %d repeats %d (partition %d)", m.Partition, m.Offset, f.off, f.part))
		}
	}
	return fmt.Sprintf("vigia.clean holds %d repeats, the farthest %d offsets after the first: %s", n, farthest, strings.Join(ex, "; "))
}

// checkDLQ: each malformed record is in the DLQ with its reason (exactly once when exact).
func (e *e2e) checkDLQ(exactlyOnce bool) {
	e.t.Helper()
	keys, err := secrets.ParseKeyRing(e.env["VIGIA_DLQ_KEYS"], dlq.KeySize)
	if err != nil {
		e.t.Fatal(err)
	}
	seen := map[string]int{}
	names := topics.Names{Prefix: e.cfg.Kafka.TopicPrefix}
	for _, m := range e.readTopic(names.DLQ()) {
		r, err := dlq.Parse(m)
		if err != nil {
			e.t.Fatal(err)
		}
		orig, err := dlq.Open(keys, r)
		if err != nil {
			e.t.Fatal(err)
		}
		want, ok := e.ds.malformed[string(orig)]
		if !ok {
			e.t.Errorf("DLQ holds a record that was not malformed: %s at %s", r.Reason, r.Path)
			continue
		}
		if r.Reason.String() != want {
			e.t.Errorf("DLQ reason %s, want %s", r.Reason, want)
		}
		seen[string(orig)]++
	}
	for b, reason := range e.ds.malformed {
		switch n := seen[b]; {
		case n == 0:
			e.t.Errorf("malformed record (%s) missing from the DLQ", reason)
		case n > 1 && exactlyOnce:
			e.t.Errorf("malformed record (%s) in the DLQ %d times", reason, n)
		}
	}
	var stored uint64
	if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM "+e.cfg.ClickHouse.Database+".dlq_records FINAL").Scan(&stored); err != nil {
		e.t.Fatal(err)
	}
	if stored < uint64(len(e.ds.malformed)) {
		e.t.Errorf("dlq_records holds %d rows, want at least %d", stored, len(e.ds.malformed))
	}
}

// checkNoPII: no canary in any ClickHouse table, in vigia.anon or vigia.clean, in the DLQ's
// clear headers, or in the logs.
func (e *e2e) checkNoPII() {
	e.t.Helper()
	canaries := append([]string{"Ana María", "V12345678", "Pérez Gómez", "CURP-XXXX"}, e.ds.canaries...)
	// Protection needs are counted in protection_counts only: in no row, topic key, header or log.
	for n := range e.ds.needs {
		canaries = append(canaries, n)
	}
	var blobs []struct{ where, text string }
	add := func(where, text string) { blobs = append(blobs, struct{ where, text string }{where, text}) }
	for _, table := range []string{"events", "windows", "dlq_records", "alerts", "pipeline_stats"} {
		add("clickhouse "+table, e.dumpTable(table))
	}
	pub := chsink.PublicDatabase(e.cfg.ClickHouse.Database)
	for _, table := range []string{"figures", "alerts", "surge_bands", "agency_points", "dlq_summary", "pipeline_stats"} {
		add("clickhouse "+pub+"."+table, e.dumpTable(pub+"."+table))
	}
	names := topics.Names{Prefix: e.cfg.Kafka.TopicPrefix}
	for _, topic := range []string{names.Anon(), names.Clean()} {
		var b strings.Builder
		for _, m := range e.readTopic(topic) {
			b.Write(m.Key)
			b.Write(m.Value)
		}
		add(topic, b.String())
	}
	var h strings.Builder
	for _, m := range e.readTopic(names.DLQ()) {
		for _, x := range m.Headers {
			h.Write(x.Value)
			h.WriteByte('\n')
		}
	}
	add("DLQ headers", h.String())
	add("logs", e.logs.String())
	for _, b := range blobs {
		if len(b.text) == 0 && b.where != "clickhouse alerts" && b.where != "clickhouse pipeline_stats" && !strings.Contains(b.where, "_public.") {
			e.t.Errorf("%s is empty: the PII check would prove nothing", b.where)
		}
		for _, c := range canaries {
			if strings.Contains(b.text, c) {
				e.t.Errorf("PII canary %q found in %s", c, b.where)
			}
		}
	}
}

func (e *e2e) dumpTable(table string) string {
	if !strings.Contains(table, ".") {
		table = e.cfg.ClickHouse.Database + "." + table
	}
	rows, err := e.conn.Query(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	cols := rows.ColumnTypes()
	for rows.Next() {
		vals := make([]any, len(cols))
		for i, c := range cols {
			vals[i] = newScanTarget(c.ScanType())
		}
		if err := rows.Scan(vals...); err != nil {
			e.t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprint(&b, deref(v), "\t")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// checkNeeds waits until protection_counts holds every person with each need of the dataset
// once: counted whatever the record's lateness, never twice across crashes and handovers.
func (e *e2e) checkNeeds(timeout time.Duration) {
	e.t.Helper()
	if len(e.ds.needs) < 3 {
		e.t.Fatalf("the dataset has %d protection needs: the check would prove little", len(e.ds.needs))
	}
	testenv.Eventually(e.t, timeout, func() error {
		for n, want := range e.ds.needs {
			var got uint64
			q := "SELECT sum(persons) FROM " + e.cfg.ClickHouse.Database + ".protection_counts FINAL WHERE need = '" + n + "'"
			if err := e.conn.QueryRow(context.Background(), q).Scan(&got); err != nil {
				return err
			}
			if got != want { // more would be a record counted twice
				_, rows, _ := e.queryStrings("SELECT part, block, day, point_id, type, minor, persons, version FROM " + e.cfg.ClickHouse.Database + ".protection_counts WHERE need = '" + n + "' ORDER BY part, block, point_id, day, type, minor, version")
				return fmt.Errorf("%d persons with %s counted, want %d; rows %v", got, n, want, rows)
			}
		}
		return nil
	})
}

// waitWindows waits until the windows table holds every person of the dataset (windows are
// flushed on an interval, after the events).
func (e *e2e) waitWindows(timeout time.Duration) {
	e.t.Helper()
	var total uint64
	for _, w := range e.ds.windows {
		total += w.persons
	}
	e.waitFor("persons in windows", "SELECT sum(persons) FROM "+e.cfg.ClickHouse.Database+".windows FINAL", total, timeout)
}

func newScanTarget(t reflect.Type) any { return reflect.New(t).Interface() }

func deref(v any) any { return reflect.ValueOf(v).Elem().Interface() }

func head(s []string) []string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

// checkUnlinkable: a person told by two agencies (the dataset's journeys) is stored twice,
// and no column of the stored rows joins the two: no pseudonym of one agency appears at
// another, and the journeys' rows share none.
func (e *e2e) checkUnlinkable() {
	e.t.Helper()
	ctx := context.Background()
	db := e.cfg.ClickHouse.Database
	if len(e.ds.journeys) < 10 {
		e.t.Fatalf("only %d journeys in the dataset: the check would prove nothing", len(e.ds.journeys))
	}
	var shared uint64
	if err := e.conn.QueryRow(ctx, `SELECT count() FROM (SELECT p FROM (
		SELECT person_pseudonym AS p, agency FROM `+db+`.events FINAL WHERE person_pseudonym != ''
		UNION ALL SELECT family_pseudonym AS p, agency FROM `+db+`.events FINAL WHERE family_pseudonym != '')
		GROUP BY p HAVING uniqExact(agency) > 1)`).Scan(&shared); err != nil {
		e.t.Fatal(err)
	}
	if shared > 0 {
		e.t.Errorf("%d pseudonyms appear at two agencies: their rows join", shared)
	}
	for _, j := range e.ds.journeys {
		var person, family [2]string
		for i, k := range j {
			agency, id, _ := strings.Cut(k, "/")
			if err := e.conn.QueryRow(ctx, "SELECT person_pseudonym, family_pseudonym FROM "+db+".events FINAL WHERE agency = ? AND event_id = ?", agency, ref(agency, id)).Scan(&person[i], &family[i]); err != nil {
				e.t.Fatalf("journey %v: %s not stored: %v", j, k, err)
			}
		}
		if person[0] != "" && person[0] == person[1] || family[0] != "" && family[0] == family[1] {
			e.t.Errorf("journey %v: both rows carry one pseudonym", j)
		}
	}
}

// checkEventLookup: an operator finds the stored event an agency names by its event id
// (`vigia events find`), though only the keyed reference is stored.
func (e *e2e) checkEventLookup() {
	e.t.Helper()
	j := e.ds.journeys[0]
	agency, id, _ := strings.Cut(j[1], "/")
	e.t.Setenv("VIGIA_EVENT_KEYS", e.env["VIGIA_EVENT_KEYS"])
	e.t.Setenv("VIGIA_CLICKHOUSE_DATABASE", e.cfg.ClickHouse.Database)
	e.t.Setenv("VIGIA_CLICKHOUSE_USERNAME", e.cfg.ClickHouse.Username)
	out, errs, code := run(e.t, "events", "find", "--agency", agency, "--event-id", id)
	if code != 0 || !strings.Contains(out, ref(agency, id)) || strings.Contains(out, id) {
		e.t.Errorf("events find %s %s: exit %d\n%s%s", agency, id, code, out, errs)
	}
	if _, errs, code := run(e.t, "events", "find", "--agency", agency, "--event-id", "never-sent"); code == 0 || !strings.Contains(errs, "no stored event") {
		e.t.Errorf("an id never sent: exit %d %s", code, errs)
	}
}
