package bulletin

import (
	"bytes"
	stdhtml "html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sample is a bulletin's data as the published layer gives it: multiples of k or suppressed.
func sample() Data {
	p, _ := ParsePeriod("2023-08", "")
	f := func(v uint64) Figure { return Figure{Value: v, K: 5} }
	band := []BandPoint{}
	for i := range 20 {
		obs := uint64(300)
		if i >= 15 {
			obs = 1500
		}
		band = append(band, BandPoint{At: time.Date(2023, 7, 25+i, 0, 0, 0, 0, time.UTC), Observed: f(obs), Expected: 290, Upper: 420})
	}
	return Data{
		Period: p, Previous: p.Previous(), YearBefore: p.YearBefore(), GeneratedAt: time.Date(2023, 9, 2, 8, 0, 0, 0, time.UTC),
		Headline: []Headline{
			{Role: "transit", Type: "crossing", Current: f(81235), Previous: f(71020), Seen: true, HasPrevious: true},
			{Role: "origin", Type: "return", Current: f(4410), Previous: f(4890), YearBefore: f(3305), Seen: true, HasPrevious: true, HasYearBefore: true},
		},
		Points: []PointFlow{
			{ID: "pan-lajas-blancas", Name: "Lajas Blancas", Country: "PAN", Lat: 8.28, Lon: -77.77, Persons: f(50000), Alert: "open"},
			{ID: "hnd-trojes", Name: "Trojes", Country: "HND", Lat: 14.06, Lon: -85.98, Persons: f(30000), Alert: "recent"},
			{ID: "gtm-tecun-uman", Name: "Tecún Umán", Country: "GTM", Lat: 14.68, Lon: -92.14, Persons: f(900)},
		},
		Incidents: []Incident{{ID: "i1", Place: "pan-lajas-blancas", Country: "PAN", Type: "crossing", Role: "transit", Population: "all",
			Resolution: "day", Onset: band[15].At, PeakAt: band[17].At, Peak: f(1500), Status: "updated", Severity: "alert", Band: band}},
		ChildrenByPoint:       []ChildRow{{Name: "Lajas Blancas", Minors: Figure{Value: 9000, K: 10}, Unaccompanied: Figure{Suppressed: true, K: 10}}},
		ChildrenByNationality: []ChildRow{{Name: "VEN", Minors: Figure{Value: 5230, K: 10}, Unaccompanied: Figure{Value: 40, K: 10}}},
		Returns:               []ReturnRow{{Country: "HND", Persons: f(4410), Minors: Figure{Value: 620, K: 10}, Previous: f(4890), HasPrevious: true}},
		Funnel:                []FunnelRow{{Country: "GTM", Returned: f(6000), Received: f(5800), Referred: f(1750), Enrolled: f(400)}},
		Centres:               []CentreRow{{Name: "Casa Nuestras Raíces", Country: "GTM", Received: f(310), Referred: f(95), Enrolled: Figure{Suppressed: true, K: 5}}},
		Agencies:              []string{"hn-inm", "pa-snm"},
		Completeness:          []Completeness{{Point: "pan-lajas-blancas", Name: "Lajas Blancas", Agencies: []string{"pa-snm"}, Through: time.Date(2023, 8, 31, 23, 0, 0, 0, time.UTC)}},
		Method:                Method{Name: "C2", Baseline: 28, MinCount: 5, Levels: [3]float64{0.001, 1e-5, 1e-6}},
		Outlines:              []Outline{{ISO3: "PAN", Rings: [][][2]float64{{{-83, 8}, {-77, 7}, {-77, 9.5}, {-83, 9}, {-83, 8}}}}},
	}
}

var (
	svgRe    = regexp.MustCompile(`<svg class="chart chart-\w+" data-chart="(\w+)" data-series-count="(\d+)"`)
	figRe    = regexp.MustCompile(`<span class="fig">([^<]*(?:&lt;\d+)?[^<]*)</span>`)
	textRe   = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	numberRe = regexp.MustCompile(`^[0-9][0-9.,\s]*$`)
)

// Each language renders every section with its charts, its number and date conventions, and
// no count from 1 to k-1 in a figure or a chart's text.
func TestRenderBothLanguages(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lang, thousands, month, change string
	}{{"es", "81.235", "agosto de 2023", "+14 %"}, {"en", "81,235", "August 2023", "+14%"}} {
		var b bytes.Buffer
		if err := Render(&b, sample(), c.lang); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		text := stdhtml.UnescapeString(html)
		for _, want := range []string{c.thousands, c.month, c.change, `lang="` + c.lang + `"`, T(c.lang, "children"), "<10", T(c.lang, "data_note")} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the bulletin lacks %q", c.lang, want)
			}
		}
		charts := map[string]string{}
		for _, m := range svgRe.FindAllStringSubmatch(html, -1) {
			charts[m[1]] = m[2]
		}
		for name, series := range map[string]string{"headline": "3", "map": "4", "band": "3", "children": "2", "funnel": "4"} {
			if charts[name] != series {
				t.Errorf("%s: chart %s drew %q series, want %s (charts: %v)", c.lang, name, charts[name], series, charts)
			}
		}
		checkNoSmallCounts(t, c.lang, html)
		if strings.Contains(html, "<?xml") {
			t.Errorf("%s: an SVG kept its XML prologue", c.lang)
		}
	}
}

// checkNoSmallCounts: every figure shown is 0, "<k" or at least 5, and every number a chart
// writes on its own is too.
func checkNoSmallCounts(t *testing.T, lang, html string) {
	t.Helper()
	figs := figRe.FindAllStringSubmatch(html, -1)
	if len(figs) < 10 {
		t.Fatalf("%s: only %d figures found: the check would prove nothing", lang, len(figs))
	}
	small := func(s string) bool {
		s = strings.NewReplacer(".", "", ",", "", " ", "", "\u00a0", "").Replace(strings.TrimSpace(s))
		n, err := strconv.Atoi(s)
		return err == nil && n > 0 && n < 5
	}
	for _, m := range figs {
		if small(m[1]) {
			t.Errorf("%s: figure %q is under k", lang, m[1])
		}
	}
	for _, m := range textRe.FindAllStringSubmatch(html, -1) {
		if numberRe.MatchString(strings.TrimSpace(m[1])) && small(m[1]) {
			t.Errorf("%s: a chart writes %q, under k", lang, m[1])
		}
	}
}

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		month, week, start, end, err string
	}{
		{"2023-08", "", "2023-08-01", "2023-09-01", ""},
		{"", "2023-W34", "2023-08-21", "2023-08-28", ""},
		{"", "2021-W01", "2021-01-04", "2021-01-11", ""},
		{"", "2020-W53", "2020-12-28", "2021-01-04", ""},
		{"", "2023-W53", "", "", "has no week 53"},
		{"2023-8", "", "", "", "YYYY-MM"},
		{"", "2023-34", "", "", "YYYY-Www"},
		{"2023-08", "2023-W34", "", "", "not both"},
		{"", "", "", "", "give the bulletin's period"},
	} {
		p, err := ParsePeriod(c.month, c.week)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q %q: error %v, want one saying %q", c.month, c.week, err, c.err)
		case c.err == "" && (err != nil || p.Start.Format(time.DateOnly) != c.start || p.End.Format(time.DateOnly) != c.end):
			t.Errorf("%q %q: %v..%v %v, want %s..%s", c.month, c.week, p.Start, p.End, err, c.start, c.end)
		}
	}
	p, _ := ParsePeriod("", "2023-W34")
	if y := p.YearBefore(); y.Start.Format(time.DateOnly) != "2022-08-22" {
		t.Errorf("a year before week 34 of 2023 starts %s, want 2022-08-22", y.Start.Format(time.DateOnly))
	}
}

func TestEveryTextInBothLanguages(t *testing.T) {
	t.Parallel()
	for key, w := range words {
		if w[0] == "" || w[1] == "" {
			t.Errorf("text %q is missing a language", key)
		}
	}
}

func TestChange(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lang      string
		cur, prev uint64
		ok        bool
		want      string
	}{
		{"es", 1150, 1000, true, "+15 %"}, {"en", 1150, 1000, true, "+15%"}, {"es", 850, 1000, true, "−15 %"},
		{"en", 1980, 1985, true, "±0%"}, {"es", 10, 0, true, "—"}, {"en", 10, 5, false, "—"},
	} {
		if got := Change(c.lang, c.cur, c.prev, c.ok); got != c.want {
			t.Errorf("Change(%s, %d, %d) = %q, want %q", c.lang, c.cur, c.prev, got, c.want)
		}
	}
}
