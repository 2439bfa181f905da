package replay

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/vigia-observatory/vigia/producers/simulate"
)

// Guatemala's returns (irreg_guatemala.csv: IGM, the Guatemalans Mexico or the US returned,
// by month, sex and age group) replayed as return events where IGM receives them, each with
// its reception centre, every month's figure per returning country kept exactly; and a share
// of the returnees referred to services at that centre (simulate.ReferralShare). The returns
// carry no origin_subdivision: the file has no department, and the only distribution we have
// (simulate's) is a composite of partial periods, which on the real figures would pass a
// model off as the data. The referrals, modelled records anyway, carry one.

// guatemalaRow is one line of the file.
type guatemalaRow struct {
	month, sex, age, origin string
	n                       int
}

// readGuatemala reads irreg_guatemala.csv in file order.
func readGuatemala() ([]guatemalaRow, error) {
	var out []guatemalaRow
	err := readRegion("irreg_guatemala.csv", func(col map[string]int, rec []string, n int) {
		out = append(out, guatemalaRow{month: rec[col["t"]], sex: rec[col["sex"]], age: rec[col["age"]], origin: rec[col["origin"]], n: n})
	})
	return out, err
}

// returningCountry is the country that returned a row's people. From 2024-01 the file has no
// USA rows and NA in their place: NA is the US. IGM's 2024 figures say so: 76,768 returned,
// 66,016 by air from the US and Mexico, 10,752 by land from Mexico (Prensa Latina,
// 17 Sep 2025; La Trónadora, 2 Jan 2025); the file's 2024 NA rows sum to 61,680 and its MEX
// rows to 15,088, which is 76,768 with Mexico's 4,336 by air; and its NA rows of Jan-May 2024,
// 29,715, are the 29,715 "Estados Unidos retornó" in IGM's report of May 2024 (Telocuento).
func returningCountry(origin string) string {
	if origin == "NA" {
		return "USA"
	}
	return origin
}

// mexicoByAir is, of the Guatemalans Mexico returned in a year, {by air, all}: the file does
// not say how, and Mexico returns by bus to Tecún Umán and by air to La Aurora. The US
// returns by air only. A year without its own figures takes the closest earlier one.
var mexicoByAir = map[int][2]int{
	2020: {546, 24515},  // IGM: 23,969 by land, 546 by air (La Hora, 2 Feb 2022); all = the file's 2020 MEX rows
	2021: {4775, 45714}, // IGM: 40,939 by land, 4,775 by air (La Hora, 2 Feb 2022); the file's 2021 MEX rows
	2022: {9837, 34958}, // IGM, 1 Jan-5 Aug 2022: 25,121 by land, 9,837 by air (Diario del Sur, 8 Aug 2022)
	2023: {4730, 24395}, // IGM: 19,665 by land, 4,730 by air (AGN, 2 Jan 2024); the file's 2023 MEX rows
	2024: {4336, 15088}, // IGM: 10,752 by land (Prensa Latina, 17 Sep 2025); the file's 2024 MEX rows
}

// airShare is the share of Mexico's returns by air in year.
func airShare(year int) float64 {
	for y := year; y >= 2020; y-- {
		if f, ok := mexicoByAir[y]; ok {
			return float64(f[0]) / float64(f[1])
		}
	}
	return 0
}

// receiving is where IGM receives a return: the point, the reception centre and its agency.
type receiving struct{ point, centre, agency string }

// guatemalaReception by mode, for adults and accompanied children (families are received
// together, Sosep attending them at IGM's centres) and for unaccompanied children, whom IGM
// hands to the Secretaría de Bienestar Social and the PGN (IGM, Emisoras Unidas,
// 22 Sep 2025): the SBS's Casa Nuestras Raíces in Guatemala City for flights, in
// Quetzaltenango for the buses through Tecún Umán.
var guatemalaReception = map[string][2]receiving{
	"air":  {{"gtm-la-aurora", "gtm-crr-fuerza-aerea", "gt-igm"}, {"gtm-la-aurora", "gtm-casa-nuestras-raices-guatemala", "gt-sbs"}},
	"land": {{"gtm-tecun-uman", "gtm-crr-tecun-uman", "gt-igm"}, {"gtm-tecun-uman", "gtm-casa-nuestras-raices-quetzaltenango", "gt-sbs"}},
}

// ageOf is each age group's representative age: adults 30 and accompanied children 10 as in
// the transit replay; unaccompanied children 15 (those Guatemala's consulates report are 13
// to 17: Minex, La Hora, Mar 2021).
var ageOf = map[string]int{"adult": 30, "accompanied child": 10, "unaccompanied child": 15}

// modePart is the people of a row who came one way.
type modePart struct {
	mode string
	n    int
}

// modeSplit divides a row's people by mode: all by air from the US, by the year's share from
// Mexico (the total kept exactly).
func modeSplit(country string, n, year int) []modePart {
	if country != "MEX" {
		return []modePart{{"air", n}}
	}
	air := int(math.Round(float64(n) * airShare(year)))
	return []modePart{{"air", air}, {"land", n - air}}
}

func planGuatemala(b *builder, from, to time.Time) error {
	rows, err := readGuatemala()
	if err != nil {
		return err
	}
	byMonth := map[string][]guatemalaRow{}
	for _, r := range rows {
		byMonth[r.month] = append(byMonth[r.month], r)
	}
	loc := b.zone("gtm-la-aurora")
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		rng := monthRand("guatemala", m)
		n := time.Date(m.Year(), m.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		for i, row := range byMonth[m.Format("2006-01")] {
			country := returningCountry(row.origin)
			unacc := row.age == "unaccompanied child"
			for _, part := range modeSplit(country, row.n, m.Year()) {
				mode, total := part.mode, part.n
				recv := guatemalaReception[mode][0]
				if unacc {
					recv = guatemalaReception[mode][1]
				}
				for d, c := range spread(total, n, i) {
					if c == 0 {
						continue
					}
					// Flights and buses arrive through the day; the hour only orders the records.
					at := time.Date(m.Year(), m.Month(), d+1, 7+(i*2+len(mode))%12, 0, 0, 0, loc)
					id := fmt.Sprintf("replay-guatemala-%s-%s-%s-%s-%s", at.Format("20060102"), country, mode, row.sex, ageKey(row.age))
					for chunk := 0; c > 0; chunk++ { // split over the contract's largest count
						k := min(c, 10000)
						c -= k
						b.add(at, "gt-igm", map[string]any{"type": "return", "event_id": fmt.Sprintf("%s-%d", id, chunk),
							"point_id": recv.point, "reception_point_id": recv.centre, "returning_country": country, "mode": mode,
							"count": k, "person": person("GTM", row.sex, ageOf[row.age], unacc)})
						referrals(b, rng, recv, fmt.Sprintf("%s-%d", id, chunk), k, row, at.Add(time.Hour))
					}
				}
			}
		}
	}
	return nil
}

// referrals draws which of k returnees received at recv are referred, and to what: one
// record per person and service, each with its own protection needs and department.
func referrals(b *builder, rng *rand.Rand, recv receiving, id string, k int, row guatemalaRow, at time.Time) {
	age, unacc := ageOf[row.age], row.age == "unaccompanied child"
	for i := range k {
		if rng.Float64() >= simulate.ReferralShare {
			continue
		}
		p := person("GTM", row.sex, age, unacc)
		if needs := simulate.ProtectionNeeds(rng, age, row.sex == "female", unacc); len(needs) > 0 {
			p["protection_needs"] = needs
		}
		sub := simulate.OriginSubdivision(rng, "GTM")
		for j, s := range simulate.ReferralServices(rng, age < 18, unacc) {
			rec := map[string]any{"type": "referral", "event_id": fmt.Sprintf("%s-ref-%d-%d", id, i, j),
				"point_id": recv.centre, "service": s, "person": p}
			if sub != "" {
				rec["origin_subdivision"] = sub
			}
			if o := simulate.ReferralOutcome(rng); o != "" {
				rec["outcome"] = o
			}
			b.add(at, recv.agency, rec)
		}
	}
}

// ageKey shortens an age group for event ids.
func ageKey(age string) string {
	switch age {
	case "accompanied child":
		return "acc"
	case "unaccompanied child":
		return "unacc"
	}
	return age
}
