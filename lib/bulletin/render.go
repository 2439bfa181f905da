package bulletin

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"time"

	"gonum.org/v1/plot/plotter"
)

//go:embed bulletin.html.tmpl
var pageTemplate string

// page is what the template shows: the data, its charts and the language's helpers.
type page struct {
	Lang      string
	D         Data
	Headline  chart
	Map       chart
	Incidents []incidentView
	Children  chart
	Funnel    chart
	Names     map[string]string // point id -> name
}

type incidentView struct {
	Incident
	Name  string
	Chart chart
}

// Render writes the bulletin of d in lang (es or en) to w: one HTML file, its charts inline.
func Render(w io.Writer, d Data, lang string) error {
	if !slices.Contains(Langs, lang) {
		return fmt.Errorf("cannot write the bulletin: language %q must be es or en", lang)
	}
	pg := page{Lang: lang, D: d, Names: map[string]string{}}
	for _, p := range d.Points {
		pg.Names[p.ID] = p.Name
	}
	var err error
	if pg.Headline, err = headlineChart(lang, d.Headline); err != nil {
		return err
	}
	if pg.Map, err = mapChart(lang, d.Outlines, d.Points); err != nil {
		return err
	}
	for _, in := range d.Incidents {
		k := uint64(5)
		if in.Population != "all" {
			k = 10
		}
		v := incidentView{Incident: in, Name: pg.Names[in.Place]}
		if v.Name != "" {
			in.Place = v.Name
		}
		if v.Chart, err = bandChart(lang, in, k); err != nil {
			return err
		}
		pg.Incidents = append(pg.Incidents, v)
	}
	var labels []string
	var minors, unacc plotter.Values
	for _, r := range d.ChildrenByPoint {
		labels = append(labels, shorten(r.Name, 42))
		minors, unacc = append(minors, float64(r.Minors.Value)), append(unacc, float64(r.Unaccompanied.Value))
	}
	if pg.Children, err = barsChart(lang, "children", T(lang, "by_point"), 10, labels, []barSet{
		{T(lang, "minors"), minors, colChildren}, {T(lang, "unaccompanied"), unacc, colOpen}}); err != nil {
		return err
	}
	labels = labels[:0]
	var sets [4]plotter.Values
	for _, r := range d.Funnel {
		labels = append(labels, r.Country)
		for i, f := range []Figure{r.Returned, r.Received, r.Referred, r.Enrolled} {
			sets[i] = append(sets[i], float64(f.Value))
		}
	}
	if pg.Funnel, err = barsChart(lang, "funnel", T(lang, "funnel"), 5, labels, []barSet{
		{T(lang, "returned"), sets[0], colCurrent}, {T(lang, "received"), sets[1], colPrevious},
		{T(lang, "referred"), sets[2], colRecent}, {T(lang, "enrolled"), sets[3], colChildren}}); err != nil {
		return err
	}
	t, err := template.New("bulletin").Funcs(funcs(lang)).Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("cannot read the bulletin's template: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, pg); err != nil {
		return fmt.Errorf("cannot write the bulletin: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// shorten cuts a chart label at a word before n runes (the tables give the full name).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := n - 1
	for i := cut; i > n/2; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return string(r[:cut]) + "…"
}

func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":      func(key string) string { return T(lang, key) },
		"fig":    func(f Figure) string { return FigureText(lang, f) },
		"date":   func(t time.Time) string { return Date(lang, t) },
		"period": func(p Period) string { return PeriodName(lang, p) },
		"change": func(cur, prev Figure, ok bool) string { return Change(lang, cur.Value, prev.Value, ok) },
		"method": func(m Method) string { return MethodText(lang, m) },
		"pop": func(p string) string {
			return map[string]string{"all": T(lang, "all"), "minors": T(lang, "minors_pop"), "unaccompanied": T(lang, "unacc_pop")}[p]
		},
	}
}
