package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, body string) string {
	p := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMapping(t *testing.T) {
	t.Parallel()
	m, err := LoadMapping(writeFile(t, `time_zone: America/Tegucigalpa
values: {type: crossing}
columns: {occurred_at: when, point_id: post, person.age: age, person.unaccompanied: alone}
recode: {point_id: {CORINTO: hnd-corinto}, person.unaccompanied: {si: "true"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	row := map[string]string{"when": "2024-03-04 07:12", "post": "CORINTO", "age": "15", "alone": "si"}
	rec, err := m.record("hn-inm", row)
	if err != nil {
		t.Fatal(err)
	}
	person := rec["person"].(map[string]any)
	if rec["occurred_at"] != "2024-03-04T07:12:00-06:00" || rec["point_id"] != "hnd-corinto" || person["age"] != 15 || person["unaccompanied"] != true || rec["type"] != "crossing" {
		t.Fatalf("%v", rec)
	}
	again, _ := m.record("hn-inm", row)
	row["age"] = "16"
	other, _ := m.record("hn-inm", row)
	if rec["event_id"] != again["event_id"] || rec["event_id"] == other["event_id"] || !strings.HasPrefix(rec["event_id"].(string), "hn-inm-") {
		t.Errorf("hashed ids: %v %v %v", rec["event_id"], again["event_id"], other["event_id"])
	}
	row["age"] = "quince"
	if _, err := m.record("hn-inm", row); err == nil || !strings.Contains(err.Error(), `person.age: column "age": "quince" is not a whole number`) {
		t.Errorf("bad number: %v", err)
	}
	for _, tc := range []struct{ body, want string }{
		{"columns: {point_id: p}\n", "must map occurred_at"},
		{"delimiter: ';;'\ncolumns: {occurred_at: t}\n", "one character"},
		{"time_zone: Mars/Olympus\ncolumns: {occurred_at: t}\n", "time_zone"},
		{"colums: {occurred_at: t}\n", "unknown field"},
	} {
		if _, err := LoadMapping(writeFile(t, tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.body, err, tc.want)
		}
	}
}
