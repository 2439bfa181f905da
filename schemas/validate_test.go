package schemas

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func testChecker(t testing.TB) *Checker {
	t.Helper()
	ps, err := RegionPoints()
	if err != nil {
		t.Fatal(err)
	}
	return &Checker{Validator: &Validator{Points: ps}}
}

func readLines(t testing.TB, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

type expectation struct {
	path, reason, jsonSchema string
}

func readExpected(t *testing.T) []expectation {
	var out []expectation
	for i, l := range readLines(t, "testdata/invalid.expected.tsv") {
		if bytes.HasPrefix(l, []byte("#")) {
			continue
		}
		f := strings.Split(string(l), "\t")
		if n, _ := strconv.Atoi(f[0]); n != len(out)+1 || len(f) != 4 {
			t.Fatalf("invalid.expected.tsv line %d is malformed", i+1)
		}
		if f[1] == "-" {
			f[1] = ""
		}
		out = append(out, expectation{f[1], f[2], f[3]})
	}
	return out
}

// Every invalid record gets its exact primary reason and path.
func TestInvalidCases(t *testing.T) {
	t.Parallel()
	chk := testChecker(t)
	lines := readLines(t, "testdata/invalid.ndjson")
	want := readExpected(t)
	if len(lines) != len(want) {
		t.Fatalf("%d invalid records but %d expectations", len(lines), len(want))
	}
	if len(lines) < 30 {
		t.Fatalf("only %d invalid cases; the contract asks for at least 30", len(lines))
	}
	reasonsSeen := map[string]bool{}
	for i, l := range lines {
		var ev Event
		var errs Errors
		chk.Check(l, "", &ev, &errs)
		if len(errs) == 0 {
			t.Errorf("line %d: accepted, want %s at %q", i+1, want[i].reason, want[i].path)
			continue
		}
		got := errs[0]
		if got.Reason.String() != want[i].reason || got.Path != want[i].path {
			t.Errorf("line %d: got %s at %q (%v), want %s at %q", i+1, got.Reason, got.Path, errs, want[i].reason, want[i].path)
		}
		reasonsSeen[want[i].reason] = true
	}
	if len(reasonsSeen) < 15 {
		t.Errorf("the cases cover only %d reason codes", len(reasonsSeen))
	}
}

func TestValidFile(t *testing.T) {
	t.Parallel()
	chk := testChecker(t)
	for i, l := range readLines(t, "testdata/valid.ndjson") {
		var ev Event
		var errs Errors
		chk.Check(l, "", &ev, &errs)
		if len(errs) > 0 {
			t.Errorf("line %d rejected: %v", i+1, errs)
		}
	}
}

// The JSON Schema agencies use and the Go validator agree: every valid record passes the
// schema, and the schema rejects exactly the invalid cases marked "reject".
func TestJSONSchemaAgrees(t *testing.T) {
	t.Parallel()
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(EventV1Schema))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if err := c.AddResource("event.v1.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("event.v1.schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	verdict := func(l []byte) string {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(l))
		if err != nil {
			return "reject"
		}
		if sch.Validate(v) != nil {
			return "reject"
		}
		return "accept"
	}
	for i, l := range readLines(t, "testdata/valid.ndjson") {
		if v := verdict(l); v != "accept" {
			t.Errorf("valid line %d: JSON Schema says %s", i+1, v)
		}
	}
	want := readExpected(t)
	for i, l := range readLines(t, "testdata/invalid.ndjson") {
		if v := verdict(l); v != want[i].jsonSchema {
			t.Errorf("invalid line %d (%s): JSON Schema says %s, want %s", i+1, want[i].reason, v, want[i].jsonSchema)
		}
	}
}

// Messages never quote a person's data or the record's id: they end up in logs and in the
// DLQ's clear headers.
func TestMessagesCarryNoValues(t *testing.T) {
	t.Parallel()
	chk := testChecker(t)
	for i, l := range readLines(t, "testdata/invalid.ndjson") {
		var ev Event
		var errs Errors
		chk.Check(l, "", &ev, &errs)
		var rec map[string]any
		if json.Unmarshal(l, &rec) != nil {
			continue
		}
		for _, v := range append(stringsIn(rec["person"]), stringsIn(rec["event_id"])...) {
			if len(v) < 4 {
				continue
			}
			for _, e := range errs {
				if strings.Contains(e.Message, v) {
					t.Errorf("line %d: message %q quotes the value %q", i+1, e.Message, v)
				}
			}
		}
	}
}

func stringsIn(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case map[string]any:
		var out []string
		for _, y := range x {
			out = append(out, stringsIn(y)...)
		}
		return out
	}
	return nil
}

func TestAgencyMismatch(t *testing.T) {
	t.Parallel()
	chk := testChecker(t)
	l := readLines(t, "testdata/valid.ndjson")[0]
	var ev Event
	var errs Errors
	chk.Check(l, "gt-igm", &ev, &errs)
	if len(errs) != 1 || errs[0].Reason != AgencyMismatch || errs[0].Path != "agency" {
		t.Fatalf("got %v, want agency_mismatch at agency", errs)
	}
	errs = errs[:0]
	chk.Check(l, "hn-inm", &ev, &errs)
	if len(errs) != 0 {
		t.Fatalf("same agency rejected: %v", errs)
	}
}

func TestTooLarge(t *testing.T) {
	t.Parallel()
	chk := testChecker(t)
	rec := []byte(`{"event_id":"` + strings.Repeat("x", DefaultMaxRecordBytes) + `"}`)
	var ev Event
	var errs Errors
	chk.Check(rec, "", &ev, &errs)
	if len(errs) != 1 || errs[0].Reason != TooLarge {
		t.Fatalf("got %v, want too_large", errs)
	}
}

func TestDecodeFields(t *testing.T) {
	t.Parallel()
	chk := testChecker(t)
	var ev Event
	var errs Errors
	chk.Check(readLines(t, "testdata/valid.ndjson")[0], "", &ev, &errs)
	want := time.Date(2023, 10, 2, 14, 15, 0, 0, time.UTC)
	switch {
	case len(errs) > 0:
		t.Fatal(errs)
	case !ev.OccurredAt.Equal(want) || ev.OccurredAt.Location() != time.UTC:
		t.Errorf("occurred_at = %v, want %v in UTC", ev.OccurredAt, want)
	case ev.Type != Crossing || ev.Direction != Entry || ev.Count != 1:
		t.Errorf("type/direction/count = %v/%v/%d", ev.Type, ev.Direction, ev.Count)
	case ev.Person.Nationality != "VEN" || ev.Person.Age != 27 || ev.Person.Sex != Female:
		t.Errorf("person = %+v", ev.Person)
	case ev.Person.Document.Number != "V12345678" || ev.Person.FamilyGroupID != "fam-77":
		t.Errorf("document/family = %+v", ev.Person)
	case ev.DestinationCountry != "USA":
		t.Errorf("destination = %q", ev.DestinationCountry)
	}
}

func TestReasonCatalog(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range Reasons() {
		code := r.String()
		if seen[code] || code == "unknown" || r.Help() == "" {
			t.Errorf("reason %d has a bad or duplicate code %q", r, code)
		}
		seen[code] = true
		if back, ok := ParseReason(code); !ok || back != r {
			t.Errorf("ParseReason(%q) = %v, %v", code, back, ok)
		}
	}
	if !UnknownPoint.Retryable() || MalformedJSON.Retryable() {
		t.Error("retryable flags are wrong")
	}
}

// docs/publishing.md lists every reason code with its retryable flag.
func TestPublishingGuideListsEveryReason(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/publishing.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Reasons() {
		y := "no"
		if r.Retryable() {
			y = "yes"
		}
		if row := "| `" + r.String() + "` | " + y + " |"; !strings.Contains(string(b), row) {
			t.Errorf("docs/publishing.md lacks the row %q", row)
		}
	}
}

// The written-out checks agree with the patterns the contract documents.
func TestAgencyAndDateShapes(t *testing.T) {
	t.Parallel()
	agency := regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{1,31}$`)
	date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	for _, s := range []string{"", "a", "hn", "hn-inm", "pa_snm", "-hn", "_x", "Hn-inm", "hn inm", "h", strings.Repeat("a", 32), strings.Repeat("a", 33),
		"2023-08-01", "2023-8-01", "20230801", "2023-08-0a", "2023/08/01", "12023-08-01", "٢٠٢٣-08-01"} {
		if agencyID(s) != agency.MatchString(s) {
			t.Errorf("agencyID(%q) = %v, the pattern says %v", s, agencyID(s), agency.MatchString(s))
		}
		if dateShape(s) != date.MatchString(s) {
			t.Errorf("dateShape(%q) = %v, the pattern says %v", s, dateShape(s), date.MatchString(s))
		}
	}
}
