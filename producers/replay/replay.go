// Package replay turns the region's real monthly statistics (data/, see PROVENANCE.md) into
// events, so the pipeline, the windows and the surge detector see the real history: each
// month's count per nationality is spread over its days, split into children and adults, and
// published day by day at an accelerated clock. Besides the two transit series it replays, on
// request, the observatory's brief: Guatemala's returns through its reception centres with
// the returnees referred there (guatemala.go), and the consular cases derived from the
// returns (consular.go).
package replay

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigia-observatory/vigia/data/region"

	"github.com/vigia-observatory/vigia/schemas"
)

// Source is one agency's series replayed at one point.
type Source struct {
	Name             string
	NatFile, DmgFile string
	Agency, Point    string
	Zone             string
}

// Sources are the series a replay can use.
var Sources = []Source{
	{"darien", "irreg_darien_nat.csv", "irreg_darien_dmg.csv", "pa-snm", "pan-lajas-blancas", "America/Panama"},
	{"honduras", "irreg_honduras_nat.csv", "irreg_honduras_dmg.csv", "hn-inm", "hnd-cami-trojes", "America/Tegucigalpa"},
}

// Config chooses what to replay.
type Config struct {
	// From and To are the first and last months, YYYY-MM. Defaults 2023-01 and 2023-10: the
	// Darién and Honduras surges of 2023.
	From, To string
	// Sources are names from Names(): darien and honduras (the Sources), guatemala and
	// consular (the brief's flows). Default darien and honduras, the replay the demo and its
	// end-to-end test are built on.
	Sources []string
}

// Record is one event to publish to an agency's raw topic.
type Record struct {
	Agency string
	Value  []byte
}

// Day is one replayed day: its local date and its records. Persons is the sum of the records'
// counts (what the store will sum): the people crossing or returned, and one for each
// referral and consular case record.
type Day struct {
	Date    time.Time
	Records []Record
	Persons int
}

const earliest = "2021-01" // the Darién file holds year totals before 2020

// Plan builds the replay's days in order.
func Plan(cfg Config) ([]Day, error) {
	if cfg.From == "" {
		cfg.From = "2023-01"
	}
	if cfg.To == "" {
		cfg.To = "2023-10"
	}
	from, err1 := time.Parse("2006-01", cfg.From)
	to, err2 := time.Parse("2006-01", cfg.To)
	if err1 != nil || err2 != nil || to.Before(from) {
		return nil, fmt.Errorf("months %q to %q: want YYYY-MM, the first not after the last", cfg.From, cfg.To)
	}
	if cfg.From < earliest {
		return nil, fmt.Errorf("--from %s: the statistics are monthly from %s (the Darién file holds year totals before 2020)", cfg.From, earliest)
	}
	for _, name := range cfg.Sources {
		if !slices.Contains(Names(), name) {
			return nil, fmt.Errorf("sources %v: choose among %s", cfg.Sources, strings.Join(Names(), ", "))
		}
	}
	days := map[string]*Day{}
	for _, s := range Sources {
		if len(cfg.Sources) == 0 || slices.Contains(cfg.Sources, s.Name) {
			if err := s.plan(from, to, days); err != nil {
				return nil, err
			}
		}
	}
	b, err := newBuilder(days, to)
	if err != nil {
		return nil, err
	}
	for _, f := range flows {
		if slices.Contains(cfg.Sources, f.name) {
			if err := f.plan(b, from, to); err != nil {
				return nil, err
			}
		}
	}
	var out []Day
	for d := from; !d.After(to.AddDate(0, 1, -1)); d = d.AddDate(0, 0, 1) {
		if day, ok := days[d.Format(time.DateOnly)]; ok {
			out = append(out, *day)
		}
	}
	return out, nil
}

func (s Source) plan(from, to time.Time, days map[string]*Day) error {
	loc, err := time.LoadLocation(s.Zone)
	if err != nil {
		return err
	}
	nat, err := readMonthly(s.NatFile, "nat")
	if err != nil {
		return err
	}
	dmg, err := readMonthly(s.DmgFile, "demog")
	if err != nil {
		return err
	}
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		key := m.Format("2006-01")
		share := childShare(dmg[key])
		n := time.Date(m.Year(), m.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		for _, code := range slices.Sorted(maps.Keys(nat[key])) {
			count := nat[key][code]
			children := int(math.Round(float64(count) * share))
			for _, g := range []struct {
				group string
				age   int
				n     int
			}{{"a", 30, count - children}, {"m", 10, children}} {
				for d, c := range spread(g.n, n, len(code)) {
					if c == 0 {
						continue
					}
					date := time.Date(m.Year(), m.Month(), d+1, 0, 0, 0, 0, time.UTC)
					day := days[date.Format(time.DateOnly)]
					if day == nil {
						day = &Day{Date: date}
						days[date.Format(time.DateOnly)] = day
					}
					at := time.Date(m.Year(), m.Month(), d+1, 6+(len(day.Records)*5)%14, 0, 0, 0, loc)
					day.Records = append(day.Records, s.record(date, code, g.group, g.age, c, at)...)
					day.Persons += c
				}
			}
		}
	}
	return nil
}

// record is one aggregate event (split when over the contract's largest count).
func (s Source) record(date time.Time, code, group string, age, count int, at time.Time) []Record {
	var out []Record
	for part := 0; count > 0; part++ {
		c := min(count, 10000)
		count -= c
		person := map[string]any{"age": age}
		if schemas.IsCountry(code) {
			person["nationality"] = code
		}
		v, _ := json.Marshal(map[string]any{"schema_version": 1, "agency": s.Agency, "type": "crossing", "direction": "entry",
			"event_id":    fmt.Sprintf("replay-%s-%s-%s-%s-%d", s.Name, date.Format("20060102"), code, group, part),
			"occurred_at": at.Format(time.RFC3339), "point_id": s.Point, "count": c, "person": person})
		out = append(out, Record{Agency: s.Agency, Value: v})
	}
	return out
}

// spread divides total over n days with a mild weekly-like variation, keeping the total
// exactly (largest remainders), the same every run.
func spread(total, n, phase int) []int {
	w := make([]float64, n)
	var sum float64
	for i := range w {
		w[i] = 1 + 0.12*math.Sin(2*math.Pi*float64(i+phase)/7)
		sum += w[i]
	}
	out := make([]int, n)
	rem := make([]float64, n)
	given := 0
	for i := range w {
		exact := float64(total) * w[i] / sum
		out[i] = int(exact)
		rem[i] = exact - float64(out[i])
		given += out[i]
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for i := 0; given < total; i++ {
		out[order[i%n]]++
		given++
	}
	return out
}

// childShare is boys and girls over everyone in a month's demography (0 when unknown).
func childShare(dmg map[string]int) float64 {
	all := dmg["men"] + dmg["women"] + dmg["boys"] + dmg["girls"]
	if all == 0 {
		return 0
	}
	return float64(dmg["boys"]+dmg["girls"]) / float64(all)
}

// readMonthly reads t, <key>, n rows into month -> key -> n.
func readMonthly(name, keyCol string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	err := readRegion(name, func(col map[string]int, rec []string, n int) {
		t, k := rec[col["t"]], rec[col[keyCol]]
		if out[t] == nil {
			out[t] = map[string]int{}
		}
		out[t][k] += n
	})
	return out, err
}

// readRegion reads a CSV of data/region with a header and a count column n, calling row for
// each line with the header's column indexes and the line's count.
func readRegion(name string, row func(col map[string]int, rec []string, n int)) error {
	f, err := region.FS.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		n, err := strconv.Atoi(rec[col["n"]])
		if err != nil {
			return fmt.Errorf("%s: count %q: %w", name, rec[col["n"]], err)
		}
		row(col, rec, n)
	}
}
