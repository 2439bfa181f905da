// Package simulate generates a live synthetic stream of the region's corridors (origin
// exits, the Darién, Central America, Mexico, the US border, returns by air and land), with a
// daily and weekly rhythm, realistic demography (minors, unaccompanied minors, family
// groups), synthetic identities, repeats and a few malformed records from each agency, and
// surge scenarios; and the observatory's brief: returnees received at reception centres and
// referred to services, consular cases opened and closed, departments of origin and coded
// protection needs, in the proportions of proportions.go. Nothing in it is a real person.
package simulate

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/vigia-observatory/vigia/schemas"
)

// Config of a stream.
type Config struct {
	// Scenario is none, caravan, darien or returns. Default none.
	Scenario string
	// SurgeFrom is when (event time) the scenario's surge starts. Default: the first event.
	SurgeFrom time.Time
	// Seed makes a stream repeatable. Default 1.
	Seed uint64
	// Repeats is the share of records sent twice (agencies resending). Default 0.02.
	Repeats float64
	// Malformed is the share of malformed records. Default 0.005.
	Malformed float64
}

// Record is one message for an agency's raw topic.
type Record struct {
	Agency    string
	Value     []byte
	Malformed bool // sent on purpose to show the dead-letter queue
	Repeat    bool // a record sent before, sent again
}

// Generator draws records. Not safe for concurrent use.
type Generator struct {
	cfg    Config
	rng    *rand.Rand
	surge  map[string]float64
	n      int
	sent   []Record // recent good records, for repeats
	family familyState
	// pending are records that follow one already sent: a returnee's referrals, a case's
	// closing. Each goes out once the stream has drawn due records.
	pending []followUp
	points  *schemas.Points
}

type followUp struct {
	due    int
	agency string
	rec    map[string]any
}

type familyState struct {
	id   string
	left int
	c    *corridor
}

// New checks the configuration.
func New(cfg Config) (*Generator, error) {
	if cfg.Scenario == "" {
		cfg.Scenario = "none"
	}
	surge, ok := Scenarios[cfg.Scenario]
	if !ok {
		return nil, fmt.Errorf("scenario %q: choose none, caravan, darien or returns", cfg.Scenario)
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Repeats == 0 {
		cfg.Repeats = 0.02
	}
	if cfg.Malformed == 0 {
		cfg.Malformed = 0.005
	}
	points, err := schemas.RegionPoints()
	if err != nil {
		return nil, err
	}
	return &Generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 7)), surge: surge, points: points}, nil
}

// Agencies are the agencies whose raw topics the stream publishes to.
func Agencies() []string {
	set := map[string]bool{}
	for _, c := range corridors {
		set[c.agency] = true
	}
	for _, a := range receptionAgency {
		set[a] = true
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Rhythm is the relative flow at t: border posts are busy by day and quieter at weekends.
func Rhythm(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	day := 0.25 + 0.75*math.Max(0, math.Sin(math.Pi*(h-5)/15)) // 05:00-20:00
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		day *= 0.7
	}
	return day
}

// Next draws one record at event time at.
func (g *Generator) Next(at time.Time) Record {
	if len(g.sent) > 0 && g.rng.Float64() < g.cfg.Repeats {
		r := g.sent[g.rng.IntN(len(g.sent))]
		r.Repeat = true
		return r
	}
	if f, ok := g.followUp(); ok {
		return g.emit(f.agency, f.rec, at)
	}
	c := g.corridor(at)
	if g.rng.Float64() < g.cfg.Malformed {
		return g.malformed(c, at)
	}
	rec := map[string]any{"schema_version": 1, "agency": c.agency, "type": c.typ, "point_id": c.point}
	person, age := g.person(c, at)
	if needs := ProtectionNeeds(g.rng, age, person["sex"] == "female", person["unaccompanied"] == true); len(needs) > 0 {
		person["protection_needs"] = needs // every simulated record is one person's (count 1)
	}
	rec["person"] = person
	switch c.typ {
	case "crossing":
		rec["direction"] = c.direction
	case "return":
		g.returned(c, rec, person, age)
	case "assistance":
		g.assisted(c, rec, person, age)
	}
	if c.dest != "" {
		rec["destination_country"] = c.dest
	}
	return g.emit(c.agency, rec, at)
}

// emit numbers a good record, stamps it at at and keeps it for repeats.
func (g *Generator) emit(agency string, rec map[string]any, at time.Time) Record {
	g.n++
	rec["event_id"] = fmt.Sprintf("sim-%s-%d-%08d", agency, g.cfg.Seed, g.n)
	rec["occurred_at"] = at.Format(time.RFC3339)
	v, _ := json.Marshal(rec)
	r := Record{Agency: agency, Value: v}
	if len(g.sent) < 1000 {
		g.sent = append(g.sent, r)
	} else {
		g.sent[g.rng.IntN(len(g.sent))] = r
	}
	return r
}

// followUp takes the first pending record that is due.
func (g *Generator) followUp() (followUp, bool) {
	for i, f := range g.pending {
		if f.due <= g.n {
			g.pending = append(g.pending[:i], g.pending[i+1:]...)
			return f, true
		}
	}
	return followUp{}, false
}

// returned completes a return: the reception centre that receives the person, their
// department of origin, and their referrals, which follow within a few records (the same
// person, so the pipeline sees one returnee received and referred).
func (g *Generator) returned(c *corridor, rec, person map[string]any, age int) {
	rec["returning_country"], rec["mode"] = c.returning, c.mode
	unacc := person["unaccompanied"] == true
	centre := c.reception
	if unacc || c.familiesToChildCentre && person["family_group_id"] != nil {
		centre = c.childReception
	}
	sub := OriginSubdivision(g.rng, person["nationality"].(string))
	if sub != "" {
		rec["origin_subdivision"] = sub
	}
	if centre == "" {
		return
	}
	rec["reception_point_id"] = centre
	if g.rng.Float64() >= ReferralShare {
		return
	}
	for _, s := range ReferralServices(g.rng, age < 18, unacc) {
		ref := map[string]any{"schema_version": 1, "agency": receptionAgency[centre], "type": "referral", "point_id": centre,
			"service": s, "person": person}
		if sub != "" {
			ref["origin_subdivision"] = sub
		}
		if o := ReferralOutcome(g.rng); o != "" {
			ref["outcome"] = o
		}
		g.pending = append(g.pending, followUp{due: g.n + 1 + g.rng.IntN(30), agency: receptionAgency[centre], rec: ref})
	}
}

// assisted completes a consular case at one of the corridor's consulates; the case's closing
// follows some thousand records later.
func (g *Generator) assisted(c *corridor, rec, person map[string]any, age int) {
	point := c.consulates[g.rng.IntN(len(c.consulates))]
	rec["point_id"] = point
	rec["case_type"], rec["case_status"] = CaseType(g.rng, age < 18), "opened"
	if pt, ok := g.points.Lookup(point); ok && g.rng.Float64() < 0.5 {
		rec["assistance_country"] = pt.Country // said outright by half the records, the default otherwise
	}
	if sub := OriginSubdivision(g.rng, person["nationality"].(string)); sub != "" {
		rec["origin_subdivision"] = sub
	}
	if g.rng.Float64() < CaseClosedShare {
		closed := maps.Clone(rec)
		closed["case_status"] = "closed"
		g.pending = append(g.pending, followUp{due: g.n + 200 + g.rng.IntN(2000), agency: c.agency, rec: closed})
	}
}

// corridor draws a corridor by weight, the scenario's multipliers applied from its start;
// members of a family travel together.
func (g *Generator) corridor(at time.Time) *corridor {
	if g.family.left > 0 {
		return g.family.c
	}
	surging := !at.Before(g.cfg.SurgeFrom)
	var total float64
	w := make([]float64, len(corridors))
	for i := range corridors {
		w[i] = corridors[i].weight
		if f, ok := g.surge[corridors[i].name]; ok && surging {
			w[i] *= f
		}
		total += w[i]
	}
	x := g.rng.Float64() * total
	for i := range corridors {
		if x -= w[i]; x < 0 {
			return &corridors[i]
		}
	}
	return &corridors[len(corridors)-1]
}

// person is a synthetic identity and its age: a fifth are minors (some unaccompanied), a third
// travel in families; names and documents are made up.
func (g *Generator) person(c *corridor, at time.Time) (map[string]any, int) {
	nat := c.nats[g.rng.IntN(len(c.nats))]
	p := map[string]any{"nationality": nat, "sex": []string{"female", "male", "male", "unknown"}[g.rng.IntN(4)]}
	age := 18 + g.rng.IntN(45)
	if g.rng.Float64() < 0.2 {
		age = g.rng.IntN(18)
	}
	switch {
	case g.family.left > 0:
		p["family_group_id"] = g.family.id
		g.family.left--
	case age < 18 && g.rng.Float64() < 0.15:
		p["unaccompanied"] = true
	case g.rng.Float64() < 0.3:
		g.family = familyState{id: fmt.Sprintf("sim-fam-%d-%d", g.cfg.Seed, g.n), left: 1 + g.rng.IntN(3), c: c}
		p["family_group_id"] = g.family.id
	}
	if g.rng.Float64() < 0.6 { // a birth date rather than an age
		p["birth_date"] = at.AddDate(-age, -g.rng.IntN(11)-1, 0).Format(time.DateOnly) // age years and some months
	} else {
		p["age"] = age
	}
	if g.rng.Float64() < 0.7 {
		p["given_names"] = givenNames[g.rng.IntN(len(givenNames))]
		p["family_names"] = familyNames[g.rng.IntN(len(familyNames))] + " " + familyNames[g.rng.IntN(len(familyNames))]
		p["document"] = map[string]any{"type": "passport", "number": fmt.Sprintf("SIM%07d", g.rng.IntN(10_000_000)), "country": nat}
	}
	return p, age
}

func (g *Generator) malformed(c *corridor, at time.Time) Record {
	g.n++
	id := fmt.Sprintf("sim-bad-%s-%d-%d", c.agency, g.cfg.Seed, g.n)
	var v string
	switch g.rng.IntN(4) {
	case 0:
		v = `{"schema_version":1,"event_id":"` + id + `","agency":"` + c.agency + `"`
	case 1:
		v = fmt.Sprintf(`{"schema_version":1,"event_id":%q,"agency":%q,"type":"crossing","direction":"entry","occurred_at":%q,"point_id":"nowhere-post"}`, id, c.agency, at.Format(time.RFC3339))
	case 2:
		v = fmt.Sprintf(`{"schema_version":1,"event_id":%q,"agency":%q,"type":"arrival","occurred_at":%q,"point_id":%q}`, id, c.agency, at.Format(time.RFC3339), c.point)
	default:
		v = fmt.Sprintf(`{"schema_version":1,"event_id":%q,"agency":%q,"type":"detention","occurred_at":%q,"point_id":%q,"person":{"nationality":"Venezuela"}}`, id, c.agency, at.Format(time.RFC3339), c.point)
	}
	return Record{Agency: c.agency, Value: []byte(v), Malformed: true}
}
