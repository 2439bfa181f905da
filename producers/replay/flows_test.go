package replay

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigia-observatory/vigia/data/region"
	"github.com/vigia-observatory/vigia/schemas"
)

// replayed is a planned record, decoded.
type replayed struct {
	Agency            string         `json:"agency"`
	EventID           string         `json:"event_id"`
	Type              string         `json:"type"`
	OccurredAt        string         `json:"occurred_at"`
	Point             string         `json:"point_id"`
	Count             int            `json:"count"`
	Returning         string         `json:"returning_country"`
	Mode              string         `json:"mode"`
	Reception         string         `json:"reception_point_id"`
	Subdivision       string         `json:"origin_subdivision"`
	Service           string         `json:"service"`
	Outcome           string         `json:"outcome"`
	CaseType          string         `json:"case_type"`
	CaseStatus        string         `json:"case_status"`
	AssistanceCountry string         `json:"assistance_country"`
	Person            map[string]any `json:"person"`
}

// checkAll runs every planned record through the contract's checker (zero errors), checks the
// rules of protection needs, and returns the records decoded with their month.
func checkAll(t *testing.T, days []Day) (recs []replayed, months []string) {
	t.Helper()
	points, _ := schemas.RegionPoints()
	chk := schemas.Checker{Validator: &schemas.Validator{Points: points}}
	ids := map[string]bool{}
	for _, d := range days {
		for _, r := range d.Records {
			var ev schemas.Event
			var errs schemas.Errors
			chk.Check(r.Value, r.Agency, &ev, &errs)
			if len(errs) > 0 {
				t.Fatalf("%s: %v", r.Value, errs)
			}
			var m replayed
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Fatal(err)
			}
			if m.Count == 0 {
				m.Count = 1
			}
			if ids[m.Agency+" "+m.EventID] {
				t.Fatalf("event id %s twice", m.EventID)
			}
			ids[m.Agency+" "+m.EventID] = true
			if needs, ok := m.Person["protection_needs"].([]any); ok {
				if m.Count > 1 {
					t.Fatalf("protection needs on a record of %d: %s", m.Count, r.Value)
				}
				if age, _ := schemas.PersonAge(&ev); slices.Contains(needs, any("separated_child")) && age >= 18 {
					t.Fatalf("separated_child on an adult: %s", r.Value)
				}
			}
			recs = append(recs, m)
			months = append(months, d.Date.Format("2006-01"))
		}
	}
	return recs, months
}

// csvGuatemala sums irreg_guatemala.csv per month and returning country (NA is the US, see
// returningCountry), read here on its own rather than through the replay's reader.
func csvGuatemala(t *testing.T) map[string]map[string]int {
	t.Helper()
	f, err := region.FS.Open("irreg_guatemala.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	_, _ = r.Read()
	out := map[string]map[string]int{}
	seen := map[string]map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(rec[4])
		month, origin := rec[0], rec[3]
		if seen[month] == nil {
			seen[month], out[month] = map[string]bool{}, map[string]int{}
		}
		seen[month][origin] = true
		country := origin
		if origin == "NA" {
			country = "USA"
		}
		out[month][country] += n
	}
	// Reading NA as the US holds only while NA never sits beside USA in a month, and only
	// from 2024, where the file's USA rows end.
	for month, o := range seen {
		if o["NA"] && (o["USA"] || month < "2024-01") {
			t.Fatalf("%s: rows of NA beside USA, or before 2024: NA is not simply the US there", month)
		}
	}
	return out
}

// Guatemala's returns are replayed where IGM receives them, with their reception centre, every
// month's figure per returning country equal to the file's (across the switch from USA to NA
// rows in 2024); a share of the returnees are referred at the centre, every record passes the
// contract.
func TestGuatemalaReturnsKeepTheFigures(t *testing.T) {
	t.Parallel()
	days, err := Plan(Config{From: "2023-11", To: "2024-02", Sources: []string{"guatemala"}})
	if err != nil {
		t.Fatal(err)
	}
	recs, months := checkAll(t, days)
	want := csvGuatemala(t)
	got := map[string]map[string]int{}
	var returnees, referred, withNeeds int
	byMode := map[string]int{}
	services, outcomes := map[string]int{}, map[string]int{}
	subdivisions := 0
	for i, m := range recs {
		if !slices.Contains(Agencies([]string{"guatemala"}), m.Agency) {
			t.Fatalf("agency %s not in Agencies", m.Agency)
		}
		switch m.Type {
		case "return":
			if got[months[i]] == nil {
				got[months[i]] = map[string]int{}
			}
			got[months[i]][m.Returning] += m.Count
			returnees += m.Count
			byMode[m.Returning+" "+m.Mode] += m.Count
			unacc := m.Person["unaccompanied"] == true
			where := map[string][2]string{
				"air false": {"gtm-la-aurora", "gtm-crr-fuerza-aerea"}, "air true": {"gtm-la-aurora", "gtm-casa-nuestras-raices-guatemala"},
				"land false": {"gtm-tecun-uman", "gtm-crr-tecun-uman"}, "land true": {"gtm-tecun-uman", "gtm-casa-nuestras-raices-quetzaltenango"},
			}[m.Mode+" "+strconv.FormatBool(unacc)]
			wantPoint, wantCentre := where[0], where[1]
			if m.Point != wantPoint || m.Reception != wantCentre || m.Returning == "USA" && m.Mode != "air" {
				t.Fatalf("return %s: at %s received at %s by %s", m.EventID, m.Point, m.Reception, m.Mode)
			}
			if m.Subdivision != "" {
				t.Fatalf("return %s has a department the data do not give", m.EventID)
			}
		case "referral":
			if strings.HasSuffix(m.EventID, "-0") { // a person's first service
				referred++
				if m.Person["protection_needs"] != nil {
					withNeeds++
				}
				if m.Subdivision != "" {
					subdivisions++
				}
			}
			services[m.Service]++
			outcomes[m.Outcome]++
			if m.Subdivision != "" && !strings.HasPrefix(m.Subdivision, "GT-") {
				t.Fatalf("referral %s: department %s", m.EventID, m.Subdivision)
			}
			if wantAgency := map[bool]string{true: "gt-sbs", false: "gt-igm"}[strings.Contains(m.Point, "casa")]; m.Agency != wantAgency {
				t.Fatalf("referral at %s published by %s", m.Point, m.Agency)
			}
		default:
			t.Fatalf("a %s in Guatemala's returns", m.Type)
		}
	}
	for _, month := range []string{"2023-11", "2023-12", "2024-01", "2024-02"} {
		for _, c := range []string{"MEX", "USA"} {
			if got[month][c] != want[month][c] || want[month][c] == 0 {
				t.Errorf("%s returned by %s: replayed %d, the file says %d", month, c, got[month][c], want[month][c])
			}
		}
	}
	// Mexico's returns split by the year's share by air (2023: 4,730 of 24,395; 2024: 4,336 of 15,088).
	air := float64(byMode["MEX air"]) / float64(byMode["MEX air"]+byMode["MEX land"])
	if air < 0.18 || air > 0.28 {
		t.Errorf("%.3f of Mexico's returns by air, want about 0.19-0.29", air)
	}
	if share := float64(referred) / float64(returnees); math.Abs(share-0.3) > 0.02 {
		t.Errorf("%.3f of the returnees referred, want 0.3", share)
	}
	if share := float64(withNeeds) / float64(referred); share < 0.03 || share > 0.15 {
		t.Errorf("%.3f of the referred with protection needs", share)
	}
	if share := float64(subdivisions) / float64(referred); math.Abs(share-0.9) > 0.02 {
		t.Errorf("%.3f of the referred with a department, want 0.9", share)
	}
	if len(services) < 7 || len(outcomes) < 6 || services["child_protection"] == 0 {
		t.Errorf("services %v, outcomes %v", services, outcomes)
	}
	again, _ := Plan(Config{From: "2023-11", To: "2024-02", Sources: []string{"guatemala"}})
	if string(again[40].Records[7].Value) != string(days[40].Records[7].Value) {
		t.Fatal("two plans differ: a re-run would not be idempotent")
	}
}

// Every month of the file, 2021-01 to 2025-04, replays exactly the file's returns per
// returning country (the checks of the contract run on a shorter span above).
func TestGuatemalaTotalsEveryMonth(t *testing.T) {
	t.Parallel()
	days, err := Plan(Config{From: "2021-01", To: "2025-04", Sources: []string{"guatemala"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]int{}
	for _, d := range days {
		month := d.Date.Format("2006-01")
		for _, r := range d.Records {
			var m replayed
			_ = json.Unmarshal(r.Value, &m)
			if m.Type != "return" {
				continue
			}
			if got[month] == nil {
				got[month] = map[string]int{}
			}
			got[month][m.Returning] += m.Count
		}
	}
	want := csvGuatemala(t)
	months := 0
	for month, byCountry := range want {
		if month < "2021-01" {
			continue
		}
		months++
		for c, n := range byCountry {
			if got[month][c] != n {
				t.Errorf("%s returned by %s: replayed %d, the file says %d", month, c, got[month][c], n)
			}
		}
		if len(got[month]) != len(byCountry) {
			t.Errorf("%s: replayed %v, the file says %v", month, got[month], byCountry)
		}
	}
	if months != 52 {
		t.Errorf("%d months in the file from 2021-01, want 52", months)
	}
}

// Consular cases open at the nationals' consulates in Mexico and the US for a share of the
// returned, and most close later; every record passes the contract.
func TestConsularCases(t *testing.T) {
	t.Parallel()
	days, err := Plan(Config{From: "2023-07", To: "2023-09", Sources: []string{"consular"}})
	if err != nil {
		t.Fatal(err)
	}
	recs, months := checkAll(t, days)
	opened := map[string]string{} // id -> month
	types, nats, hosts := map[string]int{}, map[string]int{}, map[string]int{}
	var closed, julyOpened, explicit, subdivisions int
	for i, m := range recs {
		nat, _ := m.Person["nationality"].(string)
		if m.Type != "assistance" || !strings.HasPrefix(m.Point, strings.ToLower(nat)+"-cons-") || m.Agency != ministries[nat] {
			t.Fatalf("%s: a %s of a %s national at %s by %s", m.EventID, m.Type, nat, m.Point, m.Agency)
		}
		switch m.CaseStatus {
		case "opened":
			opened[m.EventID] = months[i]
			types[m.CaseType]++
			nats[nat]++
			if months[i] == "2023-07" {
				julyOpened++
			}
			if m.AssistanceCountry != "" {
				explicit++
				hosts[m.AssistanceCountry]++
			}
			if m.Subdivision != "" {
				subdivisions++
			}
		case "closed":
			closed++
			if o, ok := opened[strings.TrimSuffix(m.EventID, "-closed")]; !ok || o > months[i] {
				t.Fatalf("%s closed before it opened", m.EventID)
			}
		}
	}
	// July 2023: Mexico returned 1,964 Guatemalans, 684 Hondurans and 44 Salvadorans, the US
	// 3,231 Guatemalans (the shared data); about 5% of them: some 296 cases.
	if julyOpened < 250 || julyOpened > 345 {
		t.Errorf("%d cases opened in July 2023, want about 296", julyOpened)
	}
	if len(types) < 8 || types["child_protection"] == 0 || len(nats) != 3 || hosts["MEX"] == 0 || hosts["USA"] == 0 {
		t.Errorf("case types %v, nationalities %v, countries %v", types, nats, hosts)
	}
	if share := float64(closed) / float64(len(opened)); share < 0.35 || share > 0.6 {
		t.Errorf("%.2f of the cases closed within the replay, want most of 0.6 less those closing after September", share)
	}
	if explicit == 0 || subdivisions == 0 {
		t.Errorf("assistance_country on %d cases, a department on %d", explicit, subdivisions)
	}
}

// The default replay stays the two transit series, published by their two agencies; the
// brief's flows are chosen by name and publish for theirs.
func TestDefaultSourcesUnchanged(t *testing.T) {
	t.Parallel()
	days, err := Plan(Config{From: "2023-07", To: "2023-07"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		for _, r := range d.Records {
			if r.Agency != "pa-snm" && r.Agency != "hn-inm" {
				t.Fatalf("the default replay publishes for %s", r.Agency)
			}
		}
	}
	if got := strings.Join(Agencies(nil), ","); got != "hn-inm,pa-snm" {
		t.Errorf("default agencies %s", got)
	}
	if got := strings.Join(Agencies([]string{"guatemala", "consular"}), ","); got != "gt-igm,gt-minex,gt-sbs,hn-sreci,sv-rree" {
		t.Errorf("the flows' agencies %s", got)
	}
	if got := strings.Join(Names(), ","); got != "darien,honduras,guatemala,consular" {
		t.Errorf("names %s", got)
	}
	if _, err := Plan(Config{From: "2023-01", To: "2023-02", Sources: []string{"guatemala", "mars"}}); err == nil || !strings.Contains(err.Error(), "consular") {
		t.Errorf("unknown source: %v", err)
	}
}
