package anonymize

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/lib/dedupstate"
	"github.com/vigia-observatory/vigia/schemas"
)

// Names common in Honduras, Guatemala and El Salvador, most common first. A hand-made list
// (no census table is shipped): drawn with Zipf weights (s = 1), which is how name frequencies
// fall off in Hispanic populations, so the few most common names are shared by many people.
var (
	commonGiven = strings.Fields(`María José Juan Carlos Luis Ana Rosa Jorge Miguel Francisco Pedro
		Marta Sandra Mario Antonio Manuel Jesús Karla Wendy Santos Elena Daniel David Reina Fernando
		Sofía Dilcia Oscar Cristian Kevin Brayan Yessica Alejandro Marvin Nelson Edwin Roberto Lucía
		Carmen Gloria Ricardo Javier Gabriela Eduardo Alba Iris Héctor Mirna Orlin Josué Danilo Wilmer
		Sonia Lourdes Fátima Ramón Julio Sergio Lesly`)
	commonFamily = strings.Fields(`Hernández López Martínez García Rodríguez Pérez González Flores
		Ramírez Reyes Cruz Mejía Castillo Díaz Sánchez Romero Morales Ortiz Aguilar Vásquez Rivera
		Torres Gómez Mendoza Chávez Álvarez Ramos Méndez Herrera Velásquez Pineda Castro Ruiz
		Orellana Zelaya Bonilla Paz Fuentes Estrada Guevara Molina Argueta Rosales Sosa Villeda Cabrera
		Ávila Medina Rojas Cárdenas Portillo Escobar Barahona Maldonado Figueroa Ventura Murillo Solís`)
)

type zipf struct{ cum []float64 }

func newZipf(n int) zipf {
	z := zipf{cum: make([]float64, n)}
	sum := 0.0
	for i := range n {
		sum += 1 / float64(i+1)
		z.cum[i] = sum
	}
	for i := range z.cum {
		z.cum[i] /= sum
	}
	return z
}

func (z zipf) draw(r *rand.Rand) int {
	u := r.Float64()
	lo, hi := 0, len(z.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if z.cum[mid] < u {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// mergeRates runs a synthetic population through the anonymizer and the dedup state:
//   - false merges: n distinct people (1 or 2 given names and two surnames by Zipf weights, a
//     birth date in 1960-2009) each cross once at one of 20 points within 30 days, reported
//     with names and birth date only; a record judged a repeat is two people merged into one;
//   - repeats detected: reps of those crossings are told again by a second agency minutes
//     later, with names written its own way (upper case, no accents, no hyphen) and no
//     document, while the first agency sent the document too.
func mergeRates(t testing.TB, n, reps, nPoints, days int) (falseMergePct, collisionPct, repeatPct float64, documentedMerges int) {
	a := newAnon(t, k1)
	r := rand.New(rand.NewPCG(5, 6))
	given, family := newZipf(len(commonGiven)), newZipf(len(commonFamily))
	points := make([]*schemas.Point, nPoints)
	for i := range points {
		points[i] = &schemas.Point{ID: fmt.Sprintf("point-%02d", i), Country: "GTM"}
	}
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	type crossing struct {
		ev *schemas.Event
		pt *schemas.Point
	}
	cs := make([]crossing, n)
	for i := range cs {
		ev := &schemas.Event{}
		ev.Reset()
		ev.SchemaVersion, ev.Agency, ev.EventID, ev.Type = 1, "gt-igm", fmt.Sprintf("p-%d", i), schemas.Crossing
		ev.OccurredAt = t0.Add(time.Duration(r.Int64N(int64(time.Duration(days) * 24 * time.Hour))))
		g := commonGiven[given.draw(r)]
		if r.IntN(2) == 0 {
			g += " " + commonGiven[given.draw(r)]
		}
		ev.Person = schemas.Person{Nationality: "HND", Age: -1, GivenNames: g,
			FamilyNames: commonFamily[family.draw(r)] + " " + commonFamily[family.draw(r)],
			BirthDate:   time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(50*365)).Format(time.DateOnly)}
		cs[i] = crossing{ev, points[r.IntN(len(points))]}
	}
	// People who share normalized names and birth date with someone else.
	byIdentity := map[string]int{}
	for _, c := range cs {
		byIdentity[NormalizeName(c.ev.Person.GivenNames)+"|"+NormalizeName(c.ev.Person.FamilyNames)+"|"+c.ev.Person.BirthDate]++
	}
	shared := 0
	for _, k := range byIdentity {
		if k > 1 {
			shared += k
		}
	}
	// In event-time order, as dedup sees a partition.
	slices.SortFunc(cs, func(x, y crossing) int { return x.ev.OccurredAt.Compare(y.ev.OccurredAt) })
	state := dedupstate.New(dedupstate.Config{Horizon: 7 * 24 * time.Hour, Tolerance: time.Hour, MaxKeys: 10 * n})
	var out wire.CleanEvent
	merged := 0
	for _, c := range cs {
		a.Apply(c.ev, c.pt, &out)
		if state.Check(out.ExactKey, out.SemanticKey, out.AltKey, out.OccurredAt) == dedupstate.SemanticDuplicate {
			merged++
			continue
		}
		state.Add(out.ExactKey, out.SemanticKey, out.AltKey, out.OccurredAt)
	}
	// The same people each with a document of their own: different documents are different
	// people, whatever their names. Every tenth is followed minutes later at the same point by
	// a namesake (same names and birth date, another document), the case names alone would merge.
	state = dedupstate.New(dedupstate.Config{Horizon: 7 * 24 * time.Hour, Tolerance: time.Hour, MaxKeys: 10 * n})
	documented := func(ev schemas.Event, doc string, pt *schemas.Point) {
		ev.Person.Document = schemas.Document{Type: "passport", Number: doc, Country: "HND"}
		a.Apply(&ev, pt, &out)
		if state.Check(out.ExactKey, out.SemanticKey, out.AltKey, out.OccurredAt) == dedupstate.SemanticDuplicate {
			documentedMerges++
			return
		}
		state.Add(out.ExactKey, out.SemanticKey, out.AltKey, out.OccurredAt)
	}
	for i, c := range cs {
		documented(*c.ev, fmt.Sprintf("D%07d", i), c.pt)
		if i%10 == 0 {
			namesake := *c.ev
			namesake.EventID = fmt.Sprintf("n-%d", i)
			namesake.OccurredAt = c.ev.OccurredAt.Add(5 * time.Minute)
			documented(namesake, fmt.Sprintf("N%07d", i), c.pt)
		}
	}
	// Repeats across identity forms.
	state = dedupstate.New(dedupstate.Config{Horizon: 7 * 24 * time.Hour, Tolerance: time.Hour, MaxKeys: 10 * n})
	found := 0
	for i, c := range cs[:reps] {
		first := *c.ev
		first.Person.Document = schemas.Document{Type: "passport", Number: fmt.Sprintf("G%07d", i), Country: "HND"}
		a.Apply(&first, c.pt, &out)
		state.Add(out.ExactKey, out.SemanticKey, out.AltKey, out.OccurredAt)
		second := *c.ev
		second.Agency, second.EventID = "mx-inm", fmt.Sprintf("m-%d", i)
		second.OccurredAt = c.ev.OccurredAt.Add(time.Duration(r.IntN(40)) * time.Minute)
		second.Person.GivenNames = strings.ToUpper(strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u").Replace(c.ev.Person.GivenNames))
		second.Person.FamilyNames = strings.ReplaceAll(c.ev.Person.FamilyNames, " ", "-")
		a.Apply(&second, c.pt, &out)
		if state.Check(out.ExactKey, out.SemanticKey, out.AltKey, out.OccurredAt) == dedupstate.SemanticDuplicate {
			found++
		}
	}
	return 100 * float64(merged) / float64(n), 100 * float64(shared) / float64(n), 100 * float64(found) / float64(reps), documentedMerges
}

func TestIdentityMerges(t *testing.T) {
	t.Parallel()
	falseMerges, shared, repeats, documented := mergeRates(t, 50_000, 2_000, 20, 30)
	if documented != 0 {
		t.Errorf("%d people with documents of their own merged by their names", documented)
	}
	if _, _, _, caravan := mergeRates(t, 5_000, 1, 1, 1); caravan != 0 {
		t.Errorf("%d people with documents of their own merged by their names in a one-day caravan", caravan)
	}
	t.Logf("20 points, 30 days: false merges %.3f%% of 50,000 people (%.2f%% share names and birth date with someone); repeats across identity forms detected %.1f%%", falseMerges, shared, repeats)
	if repeats != 100 {
		t.Errorf("repeats across identity forms detected %.1f%%, want 100%%", repeats)
	}
	if falseMerges > 0.1 {
		t.Errorf("false merges %.3f%%: over 0.1%% of people would vanish into another", falseMerges)
	}
}

// BenchmarkIdentityMerges reports the rates for make bench, over 200,000 people crossing at
// 20 points in 30 days, and over 20,000 people crossing one point in one day (a caravan, the
// worst case: everyone within the tolerance of everyone).
func BenchmarkIdentityMerges(b *testing.B) {
	for b.Loop() {
		falseMerges, shared, repeats, _ := mergeRates(b, 200_000, 10_000, 20, 30)
		b.ReportMetric(falseMerges, "false-merge-%")
		b.ReportMetric(shared, "shared-identity-%")
		b.ReportMetric(repeats, "repeats-detected-%")
		caravan, _, _, _ := mergeRates(b, 20_000, 1, 1, 1)
		b.ReportMetric(caravan, "caravan-false-merge-%")
	}
}
