package main

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/bulletin"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

var (
	svgTextRe = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)
	numberRe  = regexp.MustCompile(`^[0-9][0-9.,\x{00a0} ]*$`)
)

// checkBulletin writes the bulletin of month in Spanish and English from what the run
// published, renders each in headless Chromium (PNG and PDF beside it) and checks that it
// loads without console errors, that every chart has drawn with the series its data holds,
// that no number under k shows in the text or the SVG, and each language's conventions.
// It returns the bulletin's data and files.
func (e *e2e) checkBulletin(month string) (bulletin.Data, []string) {
	e.t.Helper()
	ctx := context.Background()
	dir := e.t.TempDir()
	paths, err := writeBulletins(ctx, e.cfg, bulletinOpts{month: month, langs: bulletin.Langs, out: dir})
	if err != nil {
		e.t.Fatal(err)
	}
	p, _ := bulletin.ParsePeriod(month, "")
	d, err := chsink.Bulletin{Conn: e.conn, Database: e.cfg.ClickHouse.Database}.Read(ctx, p)
	if err != nil {
		e.t.Fatal(err)
	}
	want := expectedCharts(d)
	for i, path := range paths {
		lang := bulletin.Langs[i]
		page := testenv.Render(e.t, path)
		if len(page.ConsoleErrors) > 0 {
			e.t.Errorf("%s: console errors: %v", path, page.ConsoleErrors)
		}
		var got []string
		for _, s := range page.SVGs {
			got = append(got, strings.TrimPrefix(strings.Fields(s.Class + " x")[1], "chart-")+"="+s.Series)
			if s.Width == 0 || s.Height == 0 || s.Paths+s.Circles+s.Rects+s.Lines+s.Polylines == 0 {
				e.t.Errorf("%s: chart %s drew nothing: %+v", lang, s.Class, s)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			e.t.Errorf("%s: charts %v, want %v", lang, got, want)
		}
		html, err := os.ReadFile(path)
		if err != nil {
			e.t.Fatal(err)
		}
		e.checkNoSmallNumber(lang, page.Text, string(html))
		for _, s := range []string{bulletin.T(lang, "title"), bulletin.PeriodName(lang, p), bulletin.T(lang, "data_note")} {
			if !strings.Contains(page.Text, s) {
				e.t.Errorf("%s: the page does not show %q", lang, s)
			}
		}
		for _, h := range d.Headline {
			if h.Seen && h.Current.Value >= 1000 && !strings.Contains(page.Text, bulletin.Number(lang, h.Current.Value)) {
				e.t.Errorf("%s: the headline %s %s is not written %s", lang, h.Role, h.Type, bulletin.Number(lang, h.Current.Value))
			}
		}
		for _, ext := range []string{".png", ".pdf"} {
			if st, err := os.Stat(strings.TrimSuffix(path, ".html") + ext); err != nil || st.Size() < 10_000 {
				e.t.Errorf("%s: the %s rendering is missing or too small: %v", lang, ext, err)
			}
		}
	}
	return d, paths
}

// expectedCharts are the charts a bulletin of d draws, in order, with their series count.
func expectedCharts(d bulletin.Data) []string {
	var out []string
	series := 1
	for _, h := range d.Headline {
		if h.HasPrevious {
			series = max(series, 2)
		}
	}
	for _, h := range d.Headline {
		if h.HasYearBefore {
			series++
			break
		}
	}
	out = append(out, "headline="+strconv.Itoa(series))
	groups := map[string]bool{}
	for _, p := range d.Points {
		groups[p.Alert] = true
	}
	out = append(out, "map="+strconv.Itoa(1+len(groups)))
	for range d.Incidents {
		out = append(out, "band=3")
	}
	if len(d.ChildrenByPoint) > 0 {
		out = append(out, "children=2")
	}
	if len(d.Funnel) > 0 {
		out = append(out, "funnel=4")
	}
	return out
}

// checkNoSmallNumber: no cell of the page's text and no text of its charts is a count from 1
// to k-1 (dates and percentages are not counts: they are never a bare number).
func (e *e2e) checkNoSmallNumber(lang, text, html string) {
	e.t.Helper()
	small := func(s string) bool {
		s = strings.NewReplacer(".", "", ",", "", " ", "", "\u00a0", "").Replace(strings.TrimSpace(s))
		n, err := strconv.Atoi(s)
		return err == nil && n > 0 && n < 5
	}
	cells := strings.FieldsFunc(text, func(r rune) bool { return r == '\t' || r == '\n' })
	numbers := 0
	for _, c := range cells {
		if c = strings.TrimSpace(c); numberRe.MatchString(c) {
			numbers++
			if small(c) {
				e.t.Errorf("%s: the page shows %q, a count under k", lang, c)
			}
		}
	}
	if numbers < 5 {
		e.t.Errorf("%s: only %d numbers on the page: the check would prove nothing", lang, numbers)
	}
	for _, m := range svgTextRe.FindAllStringSubmatch(html, -1) {
		if numberRe.MatchString(strings.TrimSpace(m[1])) && small(m[1]) {
			e.t.Errorf("%s: a chart writes %q, a count under k", lang, m[1])
		}
	}
}
