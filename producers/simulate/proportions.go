package simulate

import "math/rand/v2"

// The proportions behind the brief's types (consular assistance, referrals at reception
// centres, origin subdivisions, protection needs): one table per dimension, its source beside
// it. PROPORTIONS.md gives each source in full and says which shares are published figures and
// which are our assumptions. The replay (producers/replay) draws from the same tables, so the
// two never disagree.

type weighted struct {
	code   string
	weight float64
}

// draw picks a code by weight.
func draw(r *rand.Rand, t []weighted) string {
	var total float64
	for _, w := range t {
		total += w.weight
	}
	x := r.Float64() * total
	for _, w := range t {
		if x -= w.weight; x < 0 {
			return w.code
		}
	}
	return t[len(t)-1].code
}

// originSubdivisions: where the returnees of each country of origin come from (ISO 3166-2
// departments), people counted by the national agency.
var originSubdivisions = map[string][]weighted{
	// Honduras: INM's SIAMIR, the 3,411 returnees of 1 Jan - 9 Feb 2021 by department (El Pulso,
	// 10 Feb 2021). Complete: the 18 departments sum to 3,411.
	"HND": {{"HN-CR", 714}, {"HN-FM", 448}, {"HN-YO", 391}, {"HN-CM", 271}, {"HN-SB", 217}, {"HN-CP", 194},
		{"HN-AT", 194}, {"HN-LE", 162}, {"HN-CL", 152}, {"HN-OL", 142}, {"HN-CH", 117}, {"HN-EP", 102},
		{"HN-IN", 91}, {"HN-VA", 82}, {"HN-OC", 68}, {"HN-LP", 43}, {"HN-IB", 21}, {"HN-GD", 2}},
	// Guatemala: the seven departments IGM named for Jan-Feb 2024 (11,236 of 18,584 returnees;
	// La Hora and TVGT, 12 Mar 2024), as published; the other 7,348 spread over the other 15
	// departments in proportion to Sosep's family-unit deportations by department 2014-2018
	// (URL/IDGT, "Otra vez a lo mismo", 2019, annex 7), rounded.
	"GTM": {{"GT-13", 2403}, {"GT-16", 2005}, {"GT-01", 1415}, {"GT-05", 1397}, {"GT-14", 1372}, {"GT-12", 1354}, {"GT-17", 1290},
		{"GT-09", 1064}, {"GT-21", 912}, {"GT-22", 847}, {"GT-10", 662}, {"GT-04", 575}, {"GT-15", 554}, {"GT-20", 543},
		{"GT-06", 412}, {"GT-11", 402}, {"GT-18", 304}, {"GT-08", 293}, {"GT-07", 271}, {"GT-02", 260}, {"GT-19", 185}, {"GT-03", 65}},
	// El Salvador: the four departments IOM's NTMI named for Jan-Oct 2024 (5,897 of 12,873
	// returnees; El Diario de Hoy, Nov 2024), as published; the other 6,976 spread over the
	// other ten departments by population (DIGESTYC, 2007 census), rounded.
	"SLV": {{"SV-SS", 1912}, {"SV-LI", 1460}, {"SV-SA", 1276}, {"SV-SM", 1249},
		{"SV-SO", 1197}, {"SV-US", 939}, {"SV-AH", 871}, {"SV-PA", 840}, {"SV-UN", 649}, {"SV-CU", 631},
		{"SV-CH", 526}, {"SV-MO", 476}, {"SV-SV", 441}, {"SV-CA", 407}},
}

// subdivisionKnown is the share of records whose department of origin is known. Assumption:
// the agencies above publish departments for nearly all returnees, but not every record
// carries one.
const subdivisionKnown = 0.9

// OriginSubdivision draws a returnee's department of origin from country's table; "" for a
// country without one, or for the records whose department is not known.
func OriginSubdivision(r *rand.Rand, country string) string {
	t, ok := originSubdivisions[country]
	if !ok || r.Float64() >= subdivisionKnown {
		return ""
	}
	return draw(r, t)
}

// ReferralShare is the share of received returnees referred to a service. Guatemala's Plan
// Retorno al Hogar interviewed about 10,000 of the 34,000 returnees of Jan-Sep 2025 (IGM,
// Emisoras Unidas, 22 Sep 2025): about 0.3.
const ReferralShare = 0.3

// services a returnee is referred to, adults and accompanied children (child_protection only
// for minors, drawn again otherwise). Assumption, ordered by the services the reception
// centres report: Plan Retorno al Hogar (reintegration), El Salvador's foreign ministry (1,391
// reintegration cases, June 2024-May 2025) and IOM El Salvador (over 2,000 given mental-health
// care in 2024, of about 15,000 returnees), the CAR's job placement (Mintrab, Intecap), and
// shelter offered but rarely taken (IGM, TN23).
var services = []weighted{
	{"reintegration_programme", 30}, {"psychosocial", 20}, {"health", 15}, {"employment", 15},
	{"legal", 7}, {"family_reunification", 5}, {"child_protection", 5}, {"shelter", 3},
}

// secondService is the share of referred returnees referred to a second service. Assumption.
const secondService = 0.2

// ReferralServices draws the services one returnee is referred to (one or two, distinct). An
// unaccompanied child is always referred to child protection first: IGM hands them to the PGN
// and the Secretaría de Bienestar Social (Emisoras Unidas, 22 Sep 2025).
func ReferralServices(r *rand.Rand, minor, unaccompanied bool) []string {
	n := 1
	if r.Float64() < secondService {
		n = 2
	}
	var out []string
	if unaccompanied {
		out = append(out, "child_protection")
	}
	for len(out) < n {
		s := draw(r, services)
		if s == "child_protection" && !minor || len(out) > 0 && out[0] == s {
			continue // a second referral to one service would be a repeat
		}
		out = append(out, s)
	}
	return out
}

// outcomes of a referral; "" is unknown (the field is left out). Assumption: most referrals
// are recorded at reception, before their outcome; Plan Retorno al Hogar says not everyone
// interviewed wanted to join (declined).
var outcomes = []weighted{
	{"", 30}, {"pending", 30}, {"attended", 25}, {"enrolled", 8}, {"declined", 5}, {"unreachable", 2},
}

// ReferralOutcome draws a referral's outcome, "" when unknown.
func ReferralOutcome(r *rand.Rand) string { return draw(r, outcomes) }

// AssistanceShare is the share of a country's nationals returned from Mexico or the US whose
// case a consulate opens (the replay derives its consular cases from the returns).
// Assumption: no ministry publishes its cases per returnee.
const AssistanceShare = 0.05

// caseTypes of adults' consular cases (a minor's case is child_protection: the consulates'
// reported work with intercepted children, e.g. Guatemala's in Tucson). Assumption ordered by
// the magnitudes published: 3,467 Hondurans imprisoned abroad, 2,468 in the US and 539 in
// Mexico (Observatorio Consular y Migratorio de Honduras), against about 350 remains
// repatriated a year (1,408 in 2021-2024; Cancillería, El Heraldo 2024).
var caseTypes = []weighted{
	{"detention", 38}, {"removal_proceedings", 22}, {"documents", 15}, {"hospitalisation", 5},
	{"repatriation_of_remains", 4}, {"missing_person", 4}, {"death", 3}, {"other", 9},
}

// CaseType draws the type of a consular case.
func CaseType(r *rand.Rand, minor bool) string {
	if minor {
		return "child_protection"
	}
	return draw(r, caseTypes)
}

// CaseClosedShare is the share of opened cases whose closing is also published (a second
// record, case_status closed). Assumption.
const CaseClosedShare = 0.6

// protectionNeeds: the share of person records carrying each need, among those it can apply
// to. Assumptions, bounded by the figures published: 5.3% of Honduran deportees left because
// of threats or insecurity (UNHCR and the Scalabrinians, 2015), 9.2% of the women El
// Salvador received in Jan-Apr 2024 because of insecurity (IOM NTMI); about a third of IOM's
// assisted-return applicants had respiratory illness (IOM, 2019), a few of them serious.
var protectionNeeds = []struct {
	code  string
	share float64
	who   string // "" anyone, minor, female (15 to 45), older (60 and over)
}{
	{"separated_child", 0.04, "minor"},
	{"pregnancy", 0.02, "female"},
	{"disability", 0.005, ""},
	{"serious_medical_condition", 0.01, ""},
	{"international_protection", 0.02, ""},
	{"trafficking_indicators", 0.002, ""},
	{"survivor_of_violence", 0.02, ""},
	{"older_person_at_risk", 0.05, "older"},
}

// ProtectionNeeds draws one person's coded needs (nil for most). A caller never puts them on
// a record with count above 1, and separated_child is only drawn for a minor who is not
// unaccompanied.
func ProtectionNeeds(r *rand.Rand, age int, female, unaccompanied bool) []string {
	var out []string
	for _, n := range protectionNeeds {
		switch {
		case n.who == "minor" && (age >= 18 || unaccompanied),
			n.who == "female" && (!female || age < 15 || age > 45),
			n.who == "older" && age < 60:
			continue
		}
		if r.Float64() < n.share {
			out = append(out, n.code)
		}
	}
	return out
}
