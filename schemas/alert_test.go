package schemas

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// alertSchema compiles the published JSON Schema of vigia.alerts records of alerts.
func alertSchema(t *testing.T) *jsonschema.Schema { return compileSchema(t, "alert.v1.schema.json") }

// schemaBase is where the schemas' $id place them, which their references resolve against.
const schemaBase = "https://vigia-observatory.github.io/schemas/"

// compileSchema compiles one of the published schemas, the others loaded for its references.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for n, b := range map[string][]byte{"alert.v1.schema.json": AlertV1Schema, "incident.v1.schema.json": IncidentV1Schema} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(schemaBase+n, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(schemaBase + name)
	if err != nil {
		t.Fatalf("%s does not compile: %v", name, err)
	}
	return s
}

// An incident change validates with its alert changes, and not without one.
func TestIncidentChangeMatchesSchema(t *testing.T) {
	t.Parallel()
	s := compileSchema(t, "incident.v1.schema.json")
	at := time.Date(2023, 8, 14, 5, 0, 0, 0, time.UTC)
	a := AlertChange{Schema: AlertSchemaName, AlertID: "0123456789abcdef", Version: 1, State: "opened", Severity: "warning",
		Method: "CUSUM", Series: "day||PAN|crossing|transit|all|VEN|corridor", Level: "point", PointID: "pan-lajas-blancas",
		Country: "PAN", Role: "transit", Type: "crossing", Population: "all", Nationality: "VEN", Resolution: "day",
		PeriodStart: at, PeriodEnd: at.AddDate(0, 0, 1), OpenedAt: at, ChangedAt: at, Observed: 300, Expected: 10, Upper: 100,
		Factor: 30, Peak: 300, Kind: "corridor", IncidentID: "fedcba9876543210"}
	ic := IncidentChange{Schema: IncidentSchemaName, IncidentID: "fedcba9876543210", Change: "00112233445566ff", State: "opened",
		Severity: "warning", Country: "PAN", Role: "transit", Type: "crossing", Resolution: "day", OpenedAt: at, ChangedAt: at,
		Changes: []AlertChange{a}}
	b, _ := json.Marshal(ic)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := s.Validate(v); err != nil {
		t.Fatalf("%s\n%v", b, err)
	}
	ic.Changes = nil
	b, _ = json.Marshal(ic)
	if v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b)); s.Validate(v) == nil {
		t.Error("an incident change without alert changes validates")
	}
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
