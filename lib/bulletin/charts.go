package bulletin

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"regexp"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The charts are drawn by gonum/plot and inlined as SVG. Every count axis ticks only at
// multiples of k, so no number a chart prints falls under k (the figures plotted are
// published ones already).

var (
	colCurrent  = color.RGBA{R: 0x1f, G: 0x4e, B: 0x79, A: 0xff}
	colPrevious = color.RGBA{R: 0x8f, G: 0xaa, B: 0xdc, A: 0xff}
	colYear     = color.RGBA{R: 0xc9, G: 0xc9, B: 0xc9, A: 0xff}
	colOpen     = color.RGBA{R: 0xc0, G: 0x1f, B: 0x1f, A: 0xff}
	colRecent   = color.RGBA{R: 0xe6, G: 0x8a, B: 0x00, A: 0xff}
	colPoint    = color.NRGBA{R: 0x1f, G: 0x4e, B: 0x79, A: 0xb0} // translucent: non-premultiplied
	colLand     = color.RGBA{R: 0xef, G: 0xec, B: 0xe4, A: 0xff}
	colBorder   = color.RGBA{R: 0x9a, G: 0x94, B: 0x86, A: 0xff}
	colBand     = color.NRGBA{R: 0xf4, G: 0xc7, B: 0x7d, A: 0xa0}
	colChildren = color.RGBA{R: 0x6a, G: 0x3d, B: 0x9a, A: 0xff}
)

// chart is a rendered chart: its SVG and the number of series it drew (checked in a browser).
type chart struct {
	Name   string
	Series int
	SVG    template.HTML
}

var svgPrologue = regexp.MustCompile(`(?s)^.*?<svg`)

// render writes p as inline SVG (no XML prologue) whose root names the chart and its series.
func render(p *plot.Plot, name string, series int, w, h vg.Length) (chart, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return chart{}, fmt.Errorf("cannot draw the %s chart: %w", name, err)
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return chart{}, fmt.Errorf("cannot draw the %s chart: %w", name, err)
	}
	svg := svgPrologue.ReplaceAllString(b.String(), fmt.Sprintf(`<svg class="chart chart-%s" data-chart="%s" data-series-count="%d" role="img"`, name, name, series))
	return chart{Name: name, Series: series, SVG: template.HTML(svg)}, nil
}

// kTicks ticks a count axis at round multiples of k only (k x 1, 2 or 5 x 10^n), at most
// six of them.
func kTicks(lang string, k uint64) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		step := float64(k)
	search:
		for e := 1.0; ; e *= 10 {
			for _, m := range []float64{1, 2, 5} {
				if step = float64(k) * m * e; max/step <= 5 {
					break search
				}
			}
		}
		var out []plot.Tick
		for v := 0.0; v <= max+step/2; v += step {
			out = append(out, plot.Tick{Value: v, Label: Number(lang, uint64(v))})
		}
		return out
	})
}

func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(11)
	p.Legend.Top = true
	return p
}

// headlineChart is the period's persons by role and type against the previous period and a
// year before: one bar series per period that has figures.
func headlineChart(lang string, hs []Headline) (chart, error) {
	var names []string
	var cur, prev, year plotter.Values
	hasPrev, hasYear := false, false
	for _, h := range hs {
		if !h.Seen && !h.HasPrevious && !h.HasYearBefore {
			continue
		}
		names = append(names, T(lang, h.Type)+"\n"+T(lang, h.Role))
		cur, prev, year = append(cur, float64(h.Current.Value)), append(prev, float64(h.Previous.Value)), append(year, float64(h.YearBefore.Value))
		hasPrev, hasYear = hasPrev || h.HasPrevious, hasYear || h.HasYearBefore
	}
	p := newPlot(T(lang, "headline"))
	p.Y.Label.Text = T(lang, "persons")
	p.Y.Tick.Marker = kTicks(lang, 5)
	if len(names) == 0 {
		return render(p, "headline", 0, 16*vg.Centimeter, 8*vg.Centimeter)
	}
	sets := []struct {
		name string
		v    plotter.Values
		c    color.Color
		on   bool
	}{{T(lang, "current"), cur, colCurrent, true}, {T(lang, "previous"), prev, colPrevious, hasPrev}, {T(lang, "year_before"), year, colYear, hasYear}}
	var shown []struct {
		name string
		v    plotter.Values
		c    color.Color
		on   bool
	}
	for _, s := range sets {
		if s.on {
			shown = append(shown, s)
		}
	}
	width := vg.Points(14)
	for i, s := range shown {
		bars, err := plotter.NewBarChart(s.v, width)
		if err != nil {
			return chart{}, fmt.Errorf("cannot draw the headline chart: %w", err)
		}
		bars.Color, bars.LineStyle.Width = s.c, 0
		bars.Offset = vg.Length(float64(i)-float64(len(shown)-1)/2) * width
		p.Add(bars)
		p.Legend.Add(s.name, bars)
	}
	p.NominalX(names...)
	p.Y.Max *= 1.3 // room for the legend above the bars
	return render(p, "headline", len(shown), 16*vg.Centimeter, 8*vg.Centimeter)
}

// mapChart draws the countries' outlines and the points sized by flow, marked by alerts.
func mapChart(lang string, outlines []Outline, points []PointFlow) (chart, error) {
	p := newPlot(T(lang, "map"))
	p.HideAxes()
	p.BackgroundColor = color.RGBA{R: 0xd8, G: 0xe6, B: 0xf0, A: 0xff}
	minLon, minLat, maxLon, maxLat := -118.0, 5.0, -60.0, 33.0 // the region, Urabá to the US border
	for _, pt := range points {
		minLon, maxLon = math.Min(minLon, pt.Lon-1), math.Max(maxLon, pt.Lon+1)
		minLat, maxLat = math.Min(minLat, pt.Lat-1), math.Max(maxLat, pt.Lat+1)
	}
	series := 0
	if len(outlines) > 0 {
		series++
	}
	for _, o := range outlines {
		for _, ring := range o.Rings {
			xys := make(plotter.XYs, 0, len(ring))
			for _, c := range ring {
				xys = append(xys, plotter.XY{X: math.Max(minLon, math.Min(maxLon, c[0])), Y: math.Max(minLat, math.Min(maxLat, c[1]))})
			}
			poly, err := plotter.NewPolygon(xys)
			if err != nil {
				return chart{}, fmt.Errorf("cannot draw the map: %w", err)
			}
			poly.Color, poly.LineStyle.Color, poly.LineStyle.Width = colLand, colBorder, vg.Points(0.4)
			p.Add(poly)
		}
	}
	var largest float64
	for _, pt := range points {
		largest = math.Max(largest, float64(pt.Persons.Value))
	}
	for _, group := range []struct {
		alert, label string
		c            color.Color
	}{{"", T(lang, "persons"), colPoint}, {"recent", T(lang, "alert") + " (" + T(lang, "current") + ")", colRecent}, {"open", T(lang, "alert") + " (" + T(lang, "open") + ")", colOpen}} {
		var xys plotter.XYs
		var radius []vg.Length
		for _, pt := range points {
			if pt.Alert != group.alert {
				continue
			}
			xys = append(xys, plotter.XY{X: pt.Lon, Y: pt.Lat})
			r := vg.Points(2)
			if largest > 0 {
				r += vg.Points(12 * math.Sqrt(float64(pt.Persons.Value)/largest))
			}
			radius = append(radius, r)
		}
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return chart{}, fmt.Errorf("cannot draw the map: %w", err)
		}
		c := group.c
		sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
			return draw.GlyphStyle{Color: c, Radius: radius[i], Shape: draw.CircleGlyph{}}
		}
		p.Add(sc)
		p.Legend.Add(group.label, sc)
		series++
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = minLon, maxLon, minLat, maxLat
	// Degrees of longitude are shorter than of latitude here (about cos 18°): keep the shape.
	w := 17 * vg.Centimeter
	h := vg.Length(float64(w) * (maxLat - minLat) / ((maxLon - minLon) * math.Cos(18*math.Pi/180)))
	return render(p, "map", series, w, h)
}

// bandChart is an incident's series: the expected band, the expected count and the observed.
func bandChart(lang string, in Incident, k uint64) (chart, error) {
	p := newPlot(placeTitle(lang, in))
	p.Y.Label.Text = T(lang, "persons")
	p.Y.Tick.Marker = kTicks(lang, k)
	p.X.Tick.Marker = dateTicks(lang)
	if len(in.Band) == 0 {
		return render(p, "band", 0, 16*vg.Centimeter, 6*vg.Centimeter)
	}
	band := make(plotter.XYs, 0, 2*len(in.Band))
	var exp, obs plotter.XYs
	for _, b := range in.Band {
		x := float64(b.At.Unix())
		band = append(band, plotter.XY{X: x, Y: math.Max(0, b.Expected)})
		exp = append(exp, plotter.XY{X: x, Y: b.Expected})
		obs = append(obs, plotter.XY{X: x, Y: float64(b.Observed.Value)})
	}
	for i := len(in.Band) - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: float64(in.Band[i].At.Unix()), Y: in.Band[i].Upper})
	}
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		return chart{}, fmt.Errorf("cannot draw an incident's chart: %w", err)
	}
	poly.Color, poly.LineStyle.Width = colBand, 0
	el, err := plotter.NewLine(exp)
	if err != nil {
		return chart{}, fmt.Errorf("cannot draw an incident's chart: %w", err)
	}
	el.LineStyle.Dashes, el.LineStyle.Color = []vg.Length{vg.Points(3), vg.Points(2)}, colBorder
	ol, err := plotter.NewLine(obs)
	if err != nil {
		return chart{}, fmt.Errorf("cannot draw an incident's chart: %w", err)
	}
	ol.LineStyle.Color, ol.LineStyle.Width = colOpen, vg.Points(1.5)
	p.Add(poly, el, ol)
	p.Y.Min, p.Y.Max = 0, p.Y.Max*1.3 // room for the legend
	p.Legend.Add(T(lang, "band_legend_upper"), poly)
	p.Legend.Add(T(lang, "band_legend_expected"), el)
	p.Legend.Add(T(lang, "band_legend_observed"), ol)
	return render(p, "band", 3, 16*vg.Centimeter, 6*vg.Centimeter)
}

// dateTicks labels a time axis (Unix seconds) with about six dates in the language.
func dateTicks(lang string) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		span := max - min
		step := 86400.0
		for span/step > 6 {
			step *= 2
		}
		var out []plot.Tick
		for v := math.Ceil(min/86400) * 86400; v <= max; v += step {
			out = append(out, plot.Tick{Value: v, Label: ShortDate(lang, time.Unix(int64(v), 0).UTC())})
		}
		return out
	})
}

// barsChart is horizontal bars by name, one series per value set (children by point, the
// reception funnel by country).
func barsChart(lang, name, title string, k uint64, labels []string, sets []barSet) (chart, error) {
	p := newPlot(title)
	p.X.Tick.Marker = kTicks(lang, k)
	p.X.Label.Text = T(lang, "persons")
	if len(labels) == 0 {
		return render(p, name, 0, 16*vg.Centimeter, 4*vg.Centimeter)
	}
	width := vg.Points(9)
	for i, s := range sets {
		bars, err := plotter.NewBarChart(s.Values, width)
		if err != nil {
			return chart{}, fmt.Errorf("cannot draw the %s chart: %w", name, err)
		}
		bars.Horizontal, bars.Color, bars.LineStyle.Width = true, s.Color, 0
		bars.Offset = vg.Length(float64(len(sets)-1)/2-float64(i)) * width
		p.Add(bars)
		p.Legend.Add(s.Name, bars)
	}
	p.NominalY(labels...)
	p.X.Max *= 1.35 // room for the legend beside the bars
	h := vg.Length(float64(len(labels)*len(sets))*float64(width)*1.4) + 3*vg.Centimeter
	return render(p, name, len(sets), 16*vg.Centimeter, h)
}

type barSet struct {
	Name   string
	Values plotter.Values
	Color  color.Color
}

// placeTitle names an incident's series: place, type, role and population.
func placeTitle(lang string, in Incident) string {
	where := in.Country
	if in.Place != "" {
		where = in.Place
	}
	s := fmt.Sprintf("%s · %s · %s", where, T(lang, in.Type), T(lang, in.Role))
	if in.Nationality != "" {
		s += " · " + in.Nationality
	}
	return s
}
