package schemas

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// AlertSchema compiles the published JSON Schema of vigia.alerts records.
func alertSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(AlertV1Schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("alert.v1.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("alert.v1.schema.json")
	if err != nil {
		t.Fatalf("alert schema does not compile: %v", err)
	}
	return s
}

// What Go encodes is what the schema documents, field for field.
func TestAlertChangeMatchesSchema(t *testing.T) {
	t.Parallel()
	s := alertSchema(t)
	at := time.Date(2023, 8, 14, 5, 0, 0, 0, time.UTC)
	c := AlertChange{Schema: AlertSchemaName, AlertID: "0123456789abcdef", Version: 2, State: "updated", Severity: "alert",
		Method: "C2", Series: "day|pan-lajas-blancas|PAN|crossing|transit|all|", Level: "point", PointID: "pan-lajas-blancas",
		PointName: "Lajas Blancas", Country: "PAN", Role: "transit", Type: "crossing", Population: "all", Resolution: "day",
		PeriodStart: at, PeriodEnd: at.AddDate(0, 0, 1), OpenedAt: at, ChangedAt: at.Add(30 * time.Hour), Observed: 3100,
		Expected: 1200, Upper: 1650, Factor: 2.58, Peak: 3100, Dashboard: "http://localhost:3000/d/vigia-point/point-detail?var-point=pan-lajas-blancas"}
	b, _ := json.Marshal(c)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := s.Validate(v); err != nil {
		t.Fatalf("%s\n%v", b, err)
	}
	late := c
	late.State, late.Reason, late.DetectedLate = "resolved", "revised", true
	lb, _ := json.Marshal(late)
	if v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(lb)); s.Validate(v) != nil {
		t.Fatalf("a resolution on revised data does not validate: %s\n%v", lb, s.Validate(v))
	}
	for _, bad := range []struct{ from, to string }{
		{`"state":"updated"`, `"state":"maybe"`},
		{`"country":"PAN"`, `"country":"Panama"`},
		{`"version":2`, `"version":0`},
		{`"alert_id":"0123456789abcdef"`, `"alert_id":"x"`},
		{`"schema":"vigia.alert.v1"`, `"schema":"vigia.alert.v2"`},
		{`"peak":3100`, `"peak":3100,"person":"x"`},
		{`"detected_late":false`, `"detected_late":"no"`},
		{`"state":"updated"`, `"state":"resolved"`}, // a resolution says why
		{`"detected_late":false`, `"detected_late":false,"reason":"revised"`},
	} {
		if !bytes.Contains(b, []byte(bad.from)) {
			t.Fatalf("%s not in %s", bad.from, b)
		}
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(string(b), bad.from, bad.to, 1)))
		if s.Validate(v) == nil {
			t.Errorf("schema accepted %s", bad.to)
		}
	}
}
