package replay

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vigia-observatory/vigia/producers/simulate"
)

// The consular cases a replay derives from the real returns: a share (simulate.AssistanceShare)
// of the Hondurans, Guatemalans and Salvadorans Mexico returned (irreg_mexico_exp.csv, UPM)
// opened at their consulate in Tapachula or Mexico City, and of the Guatemalans the US
// returned (irreg_guatemala.csv, IGM) at Guatemala's consulates in the US; most are closed
// one to eight weeks later (simulate.CaseClosedShare). The shared data hold no series of
// Hondurans or Salvadorans returned by the US, so the replay has no cases of theirs there (the
// simulator has).

// ministries publish their consulates' cases.
var ministries = map[string]string{"HND": "hn-sreci", "GTM": "gt-minex", "SLV": "sv-rree"}

// mexicoConsulate is where in Mexico a case opens, by the consulate's city: Mexico's returns
// of the first quarter of 2023 left from Chiapas (20.8%) and Mexico City (12.6%) more than
// from anywhere else (UPM, La Jornada, 16 May 2023); the registry has those two consulates of
// each country.
var mexicoConsulate = []struct {
	city   string
	weight float64
}{{"tapachula", 20.8}, {"ciudad-de-mexico", 12.6}}

// usConsulatesGTM are Guatemala's consulates in the registry in the US, where its nationals'
// removals are handled; each as likely (no public caseload by office).
var usConsulatesGTM = []string{"gtm-cons-houston", "gtm-cons-los-angeles", "gtm-cons-mcallen", "gtm-cons-phoenix"}

// expRow is one line of irreg_mexico_exp.csv of the three nationalities.
type expRow struct {
	month, nat, kind string
	n                int
}

func readMexicoReturns() ([]expRow, error) {
	var out []expRow
	err := readRegion("irreg_mexico_exp.csv", func(col map[string]int, rec []string, n int) {
		if _, ok := ministries[rec[col["nat"]]]; ok {
			out = append(out, expRow{month: rec[col["t"]], nat: rec[col["nat"]], kind: rec[col["type"]], n: n})
		}
	})
	return out, err
}

// consularCase is one case to open: whose, where, and the person's age group.
type consularCase struct {
	nat, point, sex string
	minor           bool
}

func planConsular(b *builder, from, to time.Time) error {
	exp, err := readMexicoReturns()
	if err != nil {
		return err
	}
	gt, err := readGuatemala()
	if err != nil {
		return err
	}
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		rng := monthRand("consular", m)
		var cases []consularCase
		for _, r := range exp {
			if r.month != key {
				continue
			}
			for range opened(rng, r.n) {
				city := mexicoConsulate[0].city
				if rng.Float64()*(mexicoConsulate[0].weight+mexicoConsulate[1].weight) >= mexicoConsulate[0].weight {
					city = mexicoConsulate[1].city
				}
				cases = append(cases, consularCase{nat: r.nat, point: fmt.Sprintf("%s-cons-%s", strings.ToLower(r.nat), city), minor: r.kind == "assisted return of children"})
			}
		}
		for _, r := range gt {
			if r.month != key || returningCountry(r.origin) != "USA" {
				continue
			}
			for range opened(rng, r.n) {
				cases = append(cases, consularCase{nat: "GTM", point: usConsulatesGTM[rng.IntN(len(usConsulatesGTM))], sex: r.sex, minor: r.age != "adult"})
			}
		}
		days := time.Date(m.Year(), m.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		for i, c := range cases {
			// Consulates work office hours; a case opens on any day of the month.
			at := time.Date(m.Year(), m.Month(), 1+rng.IntN(days), 9+rng.IntN(8), rng.IntN(60), 0, 0, b.zone(c.point))
			b.openCase(rng, c, fmt.Sprintf("replay-consular-%s-%s-%05d", key, c.nat, i), at)
		}
	}
	return nil
}

// opened draws how many of n returned people had a case opened.
func opened(rng *rand.Rand, n int) int {
	k := 0
	for range n {
		if rng.Float64() < simulate.AssistanceShare {
			k++
		}
	}
	return k
}

// openCase adds a case's opening and, for most, its closing.
func (b *builder) openCase(rng *rand.Rand, c consularCase, id string, at time.Time) {
	age := 30
	if c.minor {
		age = 12 // the returns of children are not split by age: a representative one
	}
	p := person(c.nat, c.sex, age, false)
	if needs := simulate.ProtectionNeeds(rng, age, c.sex == "female", false); len(needs) > 0 {
		p["protection_needs"] = needs
	}
	rec := map[string]any{"type": "assistance", "event_id": id, "point_id": c.point,
		"case_type": simulate.CaseType(rng, c.minor), "case_status": "opened", "person": p}
	if pt, ok := b.points.Lookup(c.point); ok && rng.Float64() < 0.5 {
		rec["assistance_country"] = pt.Country // said outright by half the records, the default otherwise
	}
	if sub := simulate.OriginSubdivision(rng, c.nat); sub != "" {
		rec["origin_subdivision"] = sub
	}
	closing := rng.Float64() < simulate.CaseClosedShare
	after := time.Duration(7+rng.IntN(50)) * 24 * time.Hour
	b.add(at, ministries[c.nat], rec)
	if closing {
		closed := maps.Clone(rec) // add stamps its own time
		closed["event_id"], closed["case_status"] = id+"-closed", "closed"
		b.add(at.Add(after), ministries[c.nat], closed) // dropped when after the replay's last month
	}
}
