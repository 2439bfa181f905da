package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"time"
)

// The end-to-end dataset: ~21,000 records from three agencies with 10% exact duplicates,
// cross-agency duplicates, 5% malformed records of every reason, late and too-late events,
// and PII canaries. Expectations are computed here from the published data by the rules of
// docs/DESIGN.md, independently of the pipeline's code.

var e2eStart = time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)

type pub struct {
	agency string // topic vigia.raw.<agency>
	value  []byte
}

type wkey struct {
	res                                     string
	start                                   int64
	point, typ, role, nat, sex, band, categ string
	minor, unacc                            uint8
}

type wval struct{ persons, events uint64 }

type dataset struct {
	phase1, phase2 []pub
	unique         map[string]bool   // agency/event_id that must be in ClickHouse
	pairs          [][2]string       // cross-agency duplicates: exactly one of each pair is stored
	malformed      map[string]string // exact record bytes -> expected first reason
	windows        map[wkey]wval
	canaries       []string
	tooLate        int
	formPairs      int // pairs told with a document by one agency, names and birth date by the other
	// needs are the persons with each protection need among the unique events.
	needs map[string]uint64
	// journeys are one person's events told by two agencies at their own points a day apart
	// (not repeats: both are stored), agency/event_id each: the stored rows must not join.
	journeys [][2]string
}

type agencyPoints struct {
	agency string
	points []string
}

var e2eAgencies = []agencyPoints{
	{"hn-inm", []string{"hnd-agua-caliente", "hnd-corinto", "hnd-sap-ramon-villeda-morales"}},
	{"gt-igm", []string{"gtm-la-aurora", "gtm-tecun-uman", "gtm-el-carmen"}},
	{"pa-snm", []string{"pan-lajas-blancas", "pan-paso-canoas", "pan-puerto-obaldia"}},
}

var pointCountry = map[string]string{}
var pointZone = map[string]string{
	"hnd-agua-caliente": "America/Tegucigalpa", "hnd-corinto": "America/Tegucigalpa", "hnd-sap-ramon-villeda-morales": "America/Tegucigalpa",
	"gtm-la-aurora": "America/Guatemala", "gtm-tecun-uman": "America/Guatemala", "gtm-el-carmen": "America/Guatemala",
	"pan-lajas-blancas": "America/Panama", "pan-paso-canoas": "America/Panama", "pan-puerto-obaldia": "America/Panama",
}

func init() {
	for p := range pointZone {
		pointCountry[p] = strings.ToUpper(p[:3])
	}
}

type person struct {
	nat, sex, dest  string
	age             int
	useBirth        bool
	unacc, family   bool
	identity        bool
	given, fam, doc string
	birth           string
	needs           []string // coded protection needs
}

type gen struct {
	r  *rand.Rand
	ds *dataset
	n  int
}

func buildDataset(t interface{ Fatal(...any) }) *dataset {
	g := &gen{r: rand.New(rand.NewPCG(7, 11)), ds: &dataset{unique: map[string]bool{}, malformed: map[string]string{}, windows: map[wkey]wval{}, needs: map[string]uint64{}}}
	const uniques, pairs, late, tooLate = 16800, 600, 300, 300
	span := 3 * 24 * time.Hour
	var published [][]byte
	for i := 0; i < uniques; i++ {
		at := e2eStart.Add(time.Duration(i) * span / uniques).Add(time.Duration(g.r.IntN(600)-300) * time.Second)
		ap := e2eAgencies[g.r.IntN(len(e2eAgencies))]
		rec, p, point, typ, count := g.event(ap, at)
		b := g.publish(ap.agency, rec, true)
		published = append(published, b)
		g.count(p, point, typ, count, at)
		if i%(uniques/pairs) == 0 && p.identity && typ != "return" {
			// The same person, type and point reported by another agency minutes later, in the
			// same hour: a semantic duplicate.
			other := e2eAgencies[(indexOf(ap.agency)+1)%3].agency
			dup := clone(rec)
			dup["agency"], dup["event_id"] = other, fmt.Sprintf("%s-x%d", other, g.n)
			if person := dup["person"].(map[string]any); person["birth_date"] != nil && len(g.ds.pairs)%2 == 0 {
				// The other agency identifies the person by names and birth date only, and
				// writes the names its own way: still the same person.
				delete(person, "document")
				person["given_names"] = strings.ToUpper(person["given_names"].(string))
				g.ds.formPairs++
			}
			dupAt := at.Truncate(time.Hour).Add(time.Duration(at.Minute()/2) * time.Minute)
			dup["occurred_at"] = dupAt.Format(time.RFC3339)
			g.n++
			b2, _ := json.Marshal(dup)
			g.ds.phase1 = append(g.ds.phase1, pub{other, b2})
			g.ds.pairs = append(g.ds.pairs, [2]string{ap.agency + "/" + rec["event_id"].(string), other + "/" + dup["event_id"].(string)})
		}
		if i%(uniques/100) == 7 && p.identity && at.Add(24*time.Hour).Before(e2eStart.Add(span)) {
			// The same person a day later at another agency's point: a journey, two events.
			// Its event id carries a canary, as agencies put case numbers and documents there.
			next := e2eAgencies[(indexOf(ap.agency)+1)%3]
			later := clone(rec)
			later["agency"], later["point_id"] = next.agency, next.points[0]
			later["event_id"] = fmt.Sprintf("%s-CNRYEV%06d", next.agency, g.n)
			g.ds.canaries = append(g.ds.canaries, fmt.Sprintf("CNRYEV%06d", g.n))
			g.n++
			lat := at.Add(24 * time.Hour)
			later["occurred_at"] = lat.Format(time.RFC3339)
			g.publish(next.agency, later, true)
			g.count(p, next.points[0], typ, count, lat)
			g.ds.journeys = append(g.ds.journeys, [2]string{ap.agency + "/" + rec["event_id"].(string), next.agency + "/" + later["event_id"].(string)})
		}
		if i%8 == 3 { // exact duplicates, about 10% of everything published
			prev := published[g.r.IntN(len(published))]
			var m map[string]any
			_ = json.Unmarshal(prev, &m)
			g.ds.phase1 = append(g.ds.phase1, pub{m["agency"].(string), prev})
		}
	}
	g.malformedRecords(t, 1000)
	for i := 0; i < late; i++ { // day 1, published after everything else: late, within lateness
		at := e2eStart.Add(6*time.Hour + time.Duration(g.r.IntN(14*3600))*time.Second)
		ap := e2eAgencies[g.r.IntN(3)]
		rec, p, point, typ, count := g.event(ap, at)
		g.ds.phase2 = append(g.ds.phase2, pub{ap.agency, g.mustJSON(rec, ap.agency, true)})
		g.count(p, point, typ, count, at)
	}
	for i := 0; i < tooLate; i++ { // two months before the stream: too late for the stream, recounted from storage
		at := e2eStart.Add(-60*24*time.Hour + time.Duration(g.r.IntN(86400))*time.Second)
		ap := e2eAgencies[g.r.IntN(3)]
		rec, p, point, typ, count := g.event(ap, at)
		g.ds.phase2 = append(g.ds.phase2, pub{ap.agency, g.mustJSON(rec, ap.agency, true)})
		g.count(p, point, typ, count, at)
		g.ds.tooLate++
	}
	return g.ds
}

func (g *gen) publish(agency string, rec map[string]any, unique bool) []byte {
	b := g.mustJSON(rec, agency, unique)
	g.ds.phase1 = append(g.ds.phase1, pub{agency, b})
	return b
}

func (g *gen) mustJSON(rec map[string]any, agency string, unique bool) []byte {
	b, _ := json.Marshal(rec)
	if unique {
		g.ds.unique[agency+"/"+rec["event_id"].(string)] = true
	}
	return b
}

func (g *gen) event(ap agencyPoints, at time.Time) (map[string]any, person, string, string, int) {
	g.n++
	point := ap.points[g.r.IntN(len(ap.points))]
	typ := []string{"crossing", "crossing", "detention", "return"}[g.r.IntN(4)]
	rec := map[string]any{"schema_version": 1, "event_id": fmt.Sprintf("%s-%06d", ap.agency, g.n), "agency": ap.agency,
		"type": typ, "occurred_at": at.In(time.FixedZone("", -6*3600)).Format(time.RFC3339), "point_id": point}
	switch typ {
	case "crossing":
		rec["direction"] = []string{"entry", "exit"}[g.r.IntN(2)]
	case "return":
		rec["returning_country"], rec["mode"] = []string{"USA", "MEX"}[g.r.IntN(2)], []string{"air", "land"}[g.r.IntN(2)]
	}
	count := 1
	if g.r.IntN(10) == 0 { // an aggregate: no person identity
		count = 2 + g.r.IntN(40)
		rec["count"] = count
		nat := []string{"VEN", "HND", "GTM", "HTI"}[g.r.IntN(4)]
		rec["person"] = map[string]any{"nationality": nat}
		return rec, person{nat: nat}, point, typ, count
	}
	p := g.person()
	rec["person"] = p.json()
	if p.identity && g.n%5 == 0 {
		// Free text an agency adds beyond the contract (case notes naming the person): ingest
		// reads only the contract's fields, so none of it may be found after ingest.
		note := fmt.Sprintf("CNRYNOTE%06d", g.n)
		rec["observaciones"] = "entrevista con " + p.given + " " + note
		g.ds.canaries = append(g.ds.canaries, note)
	}
	if p.dest != "" {
		rec["destination_country"] = p.dest
	}
	return rec, p, point, typ, count
}

func (g *gen) person() person {
	p := person{nat: []string{"VEN", "HND", "GTM", "HTI", "ECU", "COL", "CUB", "CHN"}[g.r.IntN(8)],
		sex: []string{"female", "male", "unknown"}[g.r.IntN(3)], dest: []string{"", "USA", "MEX"}[g.r.IntN(3)],
		age: g.r.IntN(70), useBirth: g.r.IntN(2) == 0, family: g.r.IntN(4) == 0, identity: g.r.IntN(10) < 7}
	// Under 17, so that a birth date a year earlier still makes a minor at the event.
	p.unacc = p.age < 17 && !p.family && g.r.IntN(3) == 0
	switch d := g.r.IntN(24); {
	case d == 0 && p.age < 17:
		p.needs = []string{"separated_child"}
	case d == 1 && p.sex == "female" && p.age >= 18:
		p.needs = []string{"pregnancy", "international_protection"}
	case d == 2:
		p.needs = []string{"serious_medical_condition"}
	}
	if p.identity {
		p.given, p.fam, p.doc = fmt.Sprintf("Zqx%dCanary", g.n), fmt.Sprintf("Vtw%dCanaria", g.n), fmt.Sprintf("CNRY%07dQ", g.n)
		g.ds.canaries = append(g.ds.canaries, p.given, p.fam, p.doc)
	}
	return p
}

func (p person) json() map[string]any {
	m := map[string]any{"nationality": p.nat, "sex": p.sex}
	if p.useBirth && p.identity {
		// Born on the 15th of a month in 1950-2013, well apart from any event date; the age
		// at the event is computed from it below.
		y := 2024 - p.age - 1
		m["birth_date"] = fmt.Sprintf("%04d-%02d-15", y, 1+len(p.doc)%12)
	} else {
		m["age"] = p.age
	}
	if p.unacc {
		m["unaccompanied"] = true
	}
	if p.family {
		m["family_group_id"] = "fam-" + p.doc + p.nat
	}
	if len(p.needs) > 0 {
		m["protection_needs"] = p.needs
	}
	if p.identity {
		m["given_names"], m["family_names"] = p.given, p.fam
		m["document"] = map[string]any{"type": "passport", "number": p.doc, "country": p.nat}
	}
	return m
}

// count adds an event to the expected windows by the rules of docs/DESIGN.md, and its
// person's protection needs to the expected counts.
func (g *gen) count(p person, point, typ string, count int, at time.Time) {
	for _, n := range p.needs {
		g.ds.needs[n] += uint64(count)
	}
	pc := pointCountry[point]
	role := "transit"
	switch {
	case p.nat == pc:
		role = "origin"
	case p.dest == pc:
		role = "destination"
	}
	age, known := p.age, p.sex != "" // aggregates carry neither sex nor age
	if known && p.useBirth && p.identity {
		// birth date y-m-15 with y = 2024-age-1: the age at an event in March 2024 is age or age+1
		birth := time.Date(2024-p.age-1, time.Month(1+len(p.doc)%12), 15, 0, 0, 0, 0, time.UTC)
		age = at.Year() - birth.Year()
		if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
			age--
		}
	}
	band, minor, categ := "unknown", uint8(0), "unknown"
	if known {
		band = ageBand(age)
		if age < 18 {
			minor = 1
		}
	}
	unacc := uint8(0)
	switch {
	case p.unacc:
		categ, unacc, minor = "unaccompanied_minor", 1, 1
	case p.family:
		categ = "family_unit"
	case known && age < 18:
		categ = "accompanied_minor"
	case known:
		categ = "single_adult"
	}
	sex := p.sex
	if sex == "" {
		sex = "unspecified"
	}
	loc, _ := time.LoadLocation(pointZone[point])
	lt := at.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc).Unix()
	for _, k := range []wkey{
		{res: "hour", start: at.Truncate(time.Hour).Unix()},
		{res: "day", start: day},
	} {
		k.point, k.typ, k.role, k.nat, k.sex, k.band, k.categ, k.minor, k.unacc = point, typ, role, p.nat, sex, band, categ, minor, unacc
		v := g.ds.windows[k]
		v.persons += uint64(count)
		v.events++
		g.ds.windows[k] = v
	}
}

func ageBand(a int) string {
	switch {
	case a <= 4:
		return "0-4"
	case a <= 11:
		return "5-11"
	case a <= 17:
		return "12-17"
	case a <= 29:
		return "18-29"
	case a <= 44:
		return "30-44"
	case a <= 59:
		return "45-59"
	}
	return "60+"
}

// malformedRecords publishes n bad records covering every reason code ingest can give: the
// cases of schemas/testdata, valid records on another agency's topic, and oversized records.
// Each copy is made unique (an ignored field, or trailing spaces) so the DLQ can be matched.
func (g *gen) malformedRecords(t interface{ Fatal(...any) }, n int) {
	lines, reasons := readInvalidCases(t)
	for i := 0; i < n; i++ {
		var b []byte
		var reason, agency string
		switch {
		case i%50 == 49: // too large
			b = []byte(fmt.Sprintf(`{"event_id":"big-%d","pad":"%s"}`, i, strings.Repeat("x", 70<<10)))
			reason, agency = "too_large", "hn-inm"
		case i%10 == 9: // a valid record on the wrong agency's topic
			rec, _, _, _, _ := g.event(e2eAgencies[2], e2eStart.Add(time.Hour))
			b, _ = json.Marshal(rec)
			reason, agency = "agency_mismatch", "hn-inm"
		default:
			c := i % len(lines)
			b, reason, agency = uniqueCopy(lines[c], i), reasons[c], "hn-inm"
		}
		g.ds.malformed[string(b)] = reason
		g.ds.phase1 = append(g.ds.phase1, pub{agency, b})
	}
}

func uniqueCopy(line []byte, i int) []byte {
	var m map[string]any
	if json.Unmarshal(line, &m) == nil {
		// Re-encoding could change the case (e.g. float counts); splice the field in instead.
		return append([]byte(fmt.Sprintf(`{"x_copy":%d,`, i)), line[1:]...)
	}
	return append(append([]byte(nil), line...), []byte(strings.Repeat(" ", i%997+1))...)
}

func readInvalidCases(t interface{ Fatal(...any) }) ([][]byte, []string) {
	data, err1 := os.ReadFile("../../schemas/testdata/invalid.ndjson")
	exp, err2 := os.ReadFile("../../schemas/testdata/invalid.expected.tsv")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	var lines [][]byte
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		lines = append(lines, []byte(l))
	}
	var reasons []string
	for _, l := range strings.Split(strings.TrimSpace(string(exp)), "\n") {
		if !strings.HasPrefix(l, "#") {
			reasons = append(reasons, strings.Split(l, "\t")[2])
		}
	}
	return lines, reasons
}

func indexOf(agency string) int {
	for i, a := range e2eAgencies {
		if a.agency == agency {
			return i
		}
	}
	return 0
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
