package bulletin

import (
	"fmt"
	"math"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Langs are the bulletin's languages: Spanish first, as the region reads it.
var Langs = []string{"es", "en"}

// words holds the bulletin's texts; a key missing in a language is a test failure
// (TestEveryTextInBothLanguages), never an empty string at run time.
var words = map[string][2]string{ // es, en
	"title":                {"Boletín del Observatorio Regional de Migración", "Regional Migration Observatory bulletin"},
	"month":                {"Mes", "Month"},
	"week":                 {"Semana", "Week"},
	"generated":            {"Elaborado el", "Generated on"},
	"headline":             {"Cifras principales", "Headline figures"},
	"headline_note":        {"Personas por función del país y tipo de evento, frente al periodo anterior y al mismo periodo del año anterior.", "Persons by the country's role and type of event, against the previous period and the same period a year before."},
	"role":                 {"Función", "Role"},
	"type":                 {"Tipo", "Type"},
	"current":              {"Periodo", "Period"},
	"previous":             {"Periodo anterior", "Previous period"},
	"year_before":          {"Un año antes", "A year before"},
	"change":               {"Variación", "Change"},
	"map":                  {"Mapa de puntos", "Map of points"},
	"map_note":             {"Cada punto del registro con personas en el periodo, de tamaño según el flujo; en rojo, con una alerta abierta; en naranja, con una alerta en el periodo.", "Each registry point with persons in the period, sized by flow; red: an alert is open; orange: an alert during the period."},
	"incidents":            {"Incrementos inusuales (alertas)", "Surges (alerts)"},
	"incidents_none":       {"Ninguna alerta en el periodo.", "No alert in the period."},
	"onset":                {"Inicio", "Onset"},
	"peak":                 {"Máximo", "Peak"},
	"status":               {"Estado", "Status"},
	"band_note":            {"Observado (línea) y banda esperada (sombreado) de la serie, por periodo evaluado.", "Observed (line) and expected band (shaded) of the series, by judged period."},
	"children":             {"Niñas, niños y adolescentes", "Children and adolescents"},
	"children_note":        {"Menores de 18 años y menores no acompañados (umbral k = 10).", "Under-18s and unaccompanied minors (threshold k = 10)."},
	"point":                {"Punto", "Point"},
	"nationality":          {"Nacionalidad", "Nationality"},
	"minors":               {"Menores", "Minors"},
	"unaccompanied":        {"No acompañados", "Unaccompanied"},
	"returns":              {"Retornos, recepción y reintegración", "Returns, reception and reintegration"},
	"returns_note":         {"Personas retornadas por país que las recibe; embudo retornadas → recibidas en un centro → referidas a un servicio → inscritas en un programa (datos mensuales).", "Persons returned by receiving country; funnel returned → received at a centre → referred to a service → enrolled in a programme (monthly data)."},
	"country":              {"País", "Country"},
	"persons":              {"Personas", "Persons"},
	"returned":             {"Retornadas", "Returned"},
	"received":             {"Recibidas", "Received"},
	"referred":             {"Referidas", "Referred"},
	"enrolled":             {"Inscritas", "Enrolled"},
	"centre":               {"Centro", "Centre"},
	"none":                 {"Sin datos publicados para el periodo.", "No published figures for the period."},
	"data_note":            {"Nota sobre los datos", "Data note"},
	"sources":              {"Fuentes (agencias)", "Sources (agencies)"},
	"complete":             {"Completo hasta", "Complete up to"},
	"rule":                 {"Regla de confidencialidad", "Confidentiality rule"},
	"rule_text":            {"Las cifras menores que k = 5 personas (k = 10 donde se cuentan menores) se suprimen y se muestran como «<5» o «<10»; las demás se redondean a un múltiplo de k con un sorteo con clave, fijo por celda. Los totales son sumas de celdas publicadas, por lo que también son múltiplos de k.", "Counts under k = 5 persons (k = 10 where children are counted) are suppressed and shown as \"<5\" or \"<10\"; every other count is rounded to a multiple of k by a keyed draw fixed per cell. Totals are sums of published cells, so they are multiples of k too."},
	"method":               {"Método de detección", "Detection method"},
	"dashboards":           {"Tableros en línea", "Online dashboards"},
	"origin":               {"Origen", "Origin"},
	"transit":              {"Tránsito", "Transit"},
	"destination":          {"Destino", "Destination"},
	"crossing":             {"Cruces", "Crossings"},
	"detention":            {"Detenciones", "Detentions"},
	"return":               {"Retornos", "Returns"},
	"assistance":           {"Asistencia consular", "Consular assistance"},
	"referral":             {"Referencias", "Referrals"},
	"opened":               {"abierta", "open"},
	"updated":              {"activa", "ongoing"},
	"resolved":             {"cerrada", "resolved"},
	"open":                 {"abierta", "open"},
	"all":                  {"todas las personas", "all persons"},
	"minors_pop":           {"menores", "minors"},
	"unacc_pop":            {"menores no acompañados", "unaccompanied minors"},
	"watch":                {"vigilancia", "watch"},
	"warning":              {"advertencia", "warning"},
	"alert":                {"alerta", "alert"},
	"no_data":              {"—", "—"},
	"band_legend_upper":    {"Banda esperada", "Expected band"},
	"band_legend_expected": {"Esperado", "Expected"},
	"band_legend_observed": {"Observado", "Observed"},
	"by_point":             {"Menores por punto", "Minors by point"},
	"funnel":               {"Recepción y reintegración", "Reception and reintegration"},
	"population":           {"Población", "Population"},
	"severity":             {"Gravedad", "Severity"},
}

// T is a text in lang ("es" or "en").
func T(lang, key string) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return w[1]
	}
	return w[0]
}

// MethodText describes the detector in lang.
func MethodText(lang string, m Method) string {
	if lang == "en" {
		return fmt.Sprintf("%s against a baseline of %d periods; a level is raised from %s persons; one-sided error rates %g (watch), %g (warning: opens an alert) and %g (alert). Configured classes of series may use other methods; each alert names its own.",
			m.Name, m.Baseline, Number(lang, uint64(m.MinCount)), m.Levels[0], m.Levels[1], m.Levels[2])
	}
	return fmt.Sprintf("%s frente a una línea de base de %d periodos; un nivel se activa desde %s personas; tasas de error unilaterales %g (vigilancia), %g (advertencia: abre una alerta) y %g (alerta). Algunas clases de series pueden usar otros métodos; cada alerta indica el suyo.",
		m.Name, m.Baseline, Number(lang, uint64(m.MinCount)), m.Levels[0], m.Levels[1], m.Levels[2])
}

var monthsES = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// Number writes n with the language's digit grouping: 12.345 in Spanish, 12,345 in English.
func Number(lang string, n uint64) string {
	tag := language.Spanish
	if lang == "en" {
		tag = language.English
	}
	return message.NewPrinter(tag).Sprintf("%d", n)
}

// FigureText is a published figure as the bulletin shows it: "<k" when suppressed.
func FigureText(lang string, f Figure) string {
	if f.Suppressed {
		return fmt.Sprintf("<%d", f.K)
	}
	return Number(lang, f.Value)
}

// Change is the relative change from prev to cur, as "+12 %" (es) or "+12%" (en); "—" when
// there is nothing to compare with.
func Change(lang string, cur, prev uint64, ok bool) string {
	if !ok || prev == 0 {
		return "—"
	}
	pct := math.Round(100 * (float64(cur) - float64(prev)) / float64(prev))
	if pct == 0 {
		pct = 0 // not -0
	}
	sign := "+"
	switch {
	case pct < 0:
		sign, pct = "−", -pct
	case pct == 0:
		sign = "±"
	}
	if lang == "en" {
		return fmt.Sprintf("%s%.0f%%", sign, pct)
	}
	return fmt.Sprintf("%s%.0f %%", sign, pct) // Spanish separates the sign (RAE)
}

// Date is a day: "14 de agosto de 2023" or "14 August 2023".
func Date(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d de %s de %d", t.Day(), monthsES[t.Month()-1], t.Year())
}

// ShortDate is a day for chart axes: "14 ago" or "14 Aug".
func ShortDate(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 Jan")
	}
	return fmt.Sprintf("%d %s", t.Day(), monthsES[t.Month()-1][:3])
}

// PeriodName is "agosto de 2023" / "August 2023", or "semana 34 de 2023 (21–27 de agosto)" /
// "week 34 of 2023 (21–27 August)".
func PeriodName(lang string, p Period) string {
	if p.Kind == "week" {
		y, w := p.Start.ISOWeek()
		last := p.End.AddDate(0, 0, -1)
		if lang == "en" {
			return fmt.Sprintf("week %d of %d (%s – %s)", w, y, p.Start.Format("2 Jan"), last.Format("2 Jan 2006"))
		}
		return fmt.Sprintf("semana %d de %d (%s – %s)", w, y, ShortDate(lang, p.Start), Date(lang, last))
	}
	if lang == "en" {
		return p.Start.Format("January 2006")
	}
	return fmt.Sprintf("%s de %d", monthsES[p.Start.Month()-1], p.Start.Year())
}
