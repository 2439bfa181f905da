package simulate

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/schemas"
)

// simulated is a record of the stream, decoded.
type simulated struct {
	Agency      string         `json:"agency"`
	EventID     string         `json:"event_id"`
	Type        string         `json:"type"`
	Point       string         `json:"point_id"`
	Count       int            `json:"count"`
	Reception   string         `json:"reception_point_id"`
	Subdivision string         `json:"origin_subdivision"`
	Service     string         `json:"service"`
	Outcome     string         `json:"outcome"`
	CaseType    string         `json:"case_type"`
	CaseStatus  string         `json:"case_status"`
	Country     string         `json:"assistance_country"`
	Person      map[string]any `json:"person"`
}

// The stream carries the brief: returns received at reception centres, the returnees referred
// there (the same person, at the centre their return names), consular cases opened and
// closed at the nationals' consulates, departments of origin and protection needs, in the
// tables' proportions; every good record passes the contract, needs never sit on a record of
// more than one person and separated_child only on a minor.
func TestBriefInStream(t *testing.T) {
	t.Parallel()
	points, _ := schemas.RegionPoints()
	chk := schemas.Checker{Validator: &schemas.Validator{Points: points}}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	g, err := New(Config{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	const n = 60000
	returns := map[string]simulated{} // person -> their return
	opened := map[string]bool{}       // person and case type -> opened
	types, services, outcomes, statuses, fields := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var people, withNeeds, returnsOfThree, withDepartment, referredPeople int
	for i := range n {
		at := start.Add(time.Duration(i) * 4 * time.Second) // about three days
		r := g.Next(at)
		var ev schemas.Event
		var errs schemas.Errors
		chk.Check(r.Value, r.Agency, &ev, &errs)
		if r.Malformed != (len(errs) > 0) {
			t.Fatalf("malformed %v but errors %v: %s", r.Malformed, errs, r.Value)
		}
		if r.Malformed || r.Repeat {
			continue
		}
		var m simulated
		_ = json.Unmarshal(r.Value, &m)
		if m.Count == 0 {
			m.Count = 1
		}
		people++
		types[m.Type]++
		key := personKey(m.Person)
		if needs, ok := m.Person["protection_needs"].([]any); ok {
			withNeeds++
			fields["protection_needs"]++
			if m.Count > 1 {
				t.Fatalf("protection needs on a record of %d: %s", m.Count, r.Value)
			}
			if age, _ := schemas.PersonAge(&ev); slices.Contains(needs, any("separated_child")) && (age >= 18 || m.Person["unaccompanied"] == true) {
				t.Fatalf("separated_child on an adult or an unaccompanied child: %s", r.Value)
			}
		}
		if m.Subdivision != "" {
			fields["origin_subdivision"]++
		}
		switch m.Type {
		case "return":
			if m.Reception == "" || receptionAgency[m.Reception] == "" {
				t.Fatalf("a return without a known reception centre: %s", r.Value)
			}
			if m.Person["unaccompanied"] == true && !strings.Contains(m.Reception, "casa") && !strings.Contains(m.Reception, "canfm") && !strings.Contains(m.Reception, "dami") {
				t.Fatalf("an unaccompanied child received at %s", m.Reception)
			}
			if nat, _ := m.Person["nationality"].(string); slices.Contains([]string{"HND", "GTM", "SLV"}, nat) {
				returnsOfThree++
				if m.Subdivision != "" {
					withDepartment++
					if !strings.HasPrefix(m.Subdivision, map[string]string{"HND": "HN-", "GTM": "GT-", "SLV": "SV-"}[nat]) {
						t.Fatalf("a %s returnee from %s", nat, m.Subdivision)
					}
				}
			}
			fields["reception_point_id"]++
			returns[key] = m
		case "referral":
			services[m.Service]++
			outcomes[m.Outcome]++
			ret, ok := returns[key]
			if receptionAgency[m.Point] != m.Agency {
				t.Fatalf("referral at %s by %s", m.Point, m.Agency)
			}
			if m.Person["document"] == nil {
				break // only a document tells people apart for sure
			}
			if !ok || ret.Reception != m.Point || ret.Subdivision != m.Subdivision {
				t.Fatalf("referral %s of no return received at %s (return %+v)", r.Value, m.Point, ret)
			}
			if m.Service == ret.Service {
				t.Fatalf("a second referral to %s", m.Service)
			}
			ret.Service = m.Service // the next referral of the person must differ
			returns[key] = ret
		case "assistance":
			nat, _ := m.Person["nationality"].(string)
			pt, _ := points.Lookup(m.Point)
			if pt == nil || pt.Kind != "consulate" || !strings.HasPrefix(m.Point, strings.ToLower(nat)+"-cons-") || m.Country != "" && m.Country != pt.Country {
				t.Fatalf("case of a %s national at %s: %s", nat, m.Point, r.Value)
			}
			statuses[m.CaseStatus]++
			k := key + " " + m.Point + " " + m.CaseType
			if m.CaseStatus == "closed" && !opened[k] && m.Person["document"] != nil {
				t.Fatalf("case closed before it opened: %s", r.Value)
			}
			opened[k] = true
			if m.Country != "" {
				fields["assistance_country"]++
			}
			services["case "+m.CaseType]++
		}
	}
	documented := 0
	for _, ret := range returns {
		if ret.Person["document"] != nil {
			documented++
			if ret.Service != "" {
				referredPeople++
			}
		}
	}
	for _, typ := range []string{"crossing", "detention", "return", "assistance", "referral"} {
		if types[typ] == 0 {
			t.Errorf("no %s in the stream: %v", typ, types)
		}
	}
	for _, f := range []string{"protection_needs", "origin_subdivision", "reception_point_id", "assistance_country"} {
		if fields[f] == 0 {
			t.Errorf("no %s in the stream", f)
		}
	}
	if statuses["opened"] == 0 || statuses["closed"] == 0 || len(outcomes) < 6 || len(services) < 16 {
		t.Errorf("statuses %v, outcomes %v, services and case types %v", statuses, outcomes, services)
	}
	for _, c := range []struct {
		name     string
		got, lo  float64
		hi       float64
		expected string
	}{
		{"returnees referred", float64(referredPeople) / float64(documented), 0.25, 0.34, "ReferralShare 0.3, less the referrals still pending at the end"},
		{"returnees with a department", float64(withDepartment) / float64(returnsOfThree), 0.87, 0.93, "0.9"},
		{"records with protection needs", float64(withNeeds) / float64(people), 0.03, 0.12, "the needs' shares"},
		{"cases closed", float64(statuses["closed"]) / float64(statuses["opened"]), 0.45, 0.62, "CaseClosedShare 0.6, less those still pending"},
		{"the brief's new records", float64(types["assistance"]+types["referral"]) / float64(people), 0.02, 0.1, "a small part of the stream"},
	} {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.3f, want %.2f..%.2f (%s)", c.name, c.got, c.lo, c.hi, c.expected)
		}
	}
}

// personKey identifies a simulated person (all of them have an age or a birth date, most a
// document; the rest are told apart by everything they carry).
func personKey(p map[string]any) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// The tables draw valid contract codes: every department of each country once, in its
// country; services, outcomes and case types the contract accepts; known protection needs.
func TestProportionTables(t *testing.T) {
	t.Parallel()
	subs, err := schemas.RegionSubdivisions()
	if err != nil {
		t.Fatal(err)
	}
	for country, table := range originSubdivisions {
		seen := map[string]bool{}
		for _, w := range table {
			d, ok := subs.Lookup(w.code)
			if !ok || d.Country != country || seen[w.code] || w.weight <= 0 {
				t.Errorf("%s: %s (%v)", country, w.code, w.weight)
			}
			seen[w.code] = true
		}
		all := 0
		for _, d := range subs.All() {
			if d.Country == country {
				all++
			}
		}
		if len(seen) != all {
			t.Errorf("%s: %d departments in the table, %d in the list", country, len(seen), all)
		}
	}
	points, _ := schemas.RegionPoints()
	chk := schemas.Checker{Validator: &schemas.Validator{Points: points}}
	check := func(rec string) {
		var ev schemas.Event
		var errs schemas.Errors
		chk.Check([]byte(rec), "x-test", &ev, &errs)
		if len(errs) > 0 {
			t.Errorf("%s: %v", rec, errs)
		}
	}
	const head = `{"schema_version":1,"event_id":"e","agency":"x-test","occurred_at":"2026-01-02T10:00:00Z","person":{"nationality":"GTM","age":9}`
	for _, s := range services {
		for _, o := range outcomes {
			rec := fmt.Sprintf(`%s,"type":"referral","point_id":"gtm-crr-fuerza-aerea","service":%q`, head, s.code)
			if o.code != "" {
				rec += fmt.Sprintf(`,"outcome":%q`, o.code)
			}
			check(rec + "}")
		}
	}
	for _, c := range append(caseTypes, weighted{"child_protection", 1}) {
		for _, st := range []string{"opened", "closed"} {
			check(fmt.Sprintf(`%s,"type":"assistance","point_id":"gtm-cons-houston","case_type":%q,"case_status":%q}`, head, c.code, st))
		}
	}
	for _, n := range protectionNeeds {
		if _, ok := schemas.ParseNeed(n.code); !ok || n.share <= 0 || n.share > 0.1 {
			t.Errorf("need %s share %v", n.code, n.share)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		got := ReferralServices(r, false, false)
		if slices.Contains(got, "child_protection") || len(got) == 2 && got[0] == got[1] {
			t.Fatalf("an adult referred to %v", got)
		}
		if got := ReferralServices(r, true, true); got[0] != "child_protection" {
			t.Fatalf("an unaccompanied child referred first to %v", got)
		}
		if got := ProtectionNeeds(r, 30, true, false); slices.Contains(got, "separated_child") || slices.Contains(got, "older_person_at_risk") {
			t.Fatalf("a woman of 30 with %v", got)
		}
	}
}
