package dashboards

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	"github.com/vigia-observatory/vigia/schemas"
)

// The observatory's brief (migration 013): <database>_public.brief holds protected persons by
// local month (period_start = the first of the month, 00:00 UTC) at five grains. Its
// dashboards (consular network, reintegration, protection needs) sum its cells with the same
// helpers as the others (cells.go): a total is a sum of published cells, "<k" in tables and a
// gap in graphs when every cell under it is suppressed.

// monthFilter selects the months the dashboard's time range touches: a month counts whole
// whenever any of its days is in the range (a range from the 10th of March shows March).
const monthFilter = "period_start >= toStartOfMonth($__fromTime) AND period_start <= $__toTime"

// briefWhere is the WHERE clause of a brief grain over the chosen months, and more conditions.
func briefWhere(grain string, more ...string) string {
	return strings.Join(append([]string{"grain = '" + grain + "'", monthFilter}, more...), " AND ")
}

// briefBoard is a brief dashboard: monthly figures, so the last year by default and a slower
// refresh; links to the other Vigía dashboards.
func briefBoard(uid, title string, s Settings) *dashboard.DashboardBuilder {
	return base(uid, title, s).
		Time("now-1y", "now").
		Refresh("5m").
		Link(dashboard.NewDashboardLinkBuilder("Vigía").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"vigia"}).
			AsDropdown(true).
			KeepTime(true))
}

// choiceVariable is a variable a viewer chooses, defaulting to the first of defaults: the
// options are the defaults and the values query (one column v) lists; "All" is every value,
// so the panels compare with LIKE (All is '%'; country and nationality codes hold no _ or %).
func choiceVariable(name, label, query string, defaults ...string) *dashboard.QueryVariableBuilder {
	list := "['" + strings.Join(defaults, "', '") + "']"
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(datasource).
		Query(variableQuery(dedent(`
			SELECT v FROM (SELECT arrayJoin(` + list + `) AS v UNION ALL ` + query + `)
			WHERE v != '' GROUP BY v ORDER BY indexOf(` + list + `, v) = 0, indexOf(` + list + `, v), v`))).
		Definition(query).
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: ptr(defaults[0])}, Value: dashboard.StringOrArrayOfString{String: ptr(defaults[0])}}).
		IncludeAll(true).
		AllValue("%").
		Refresh(dashboard.VariableRefreshOnDashboardLoad)
}

// label gives a code column its bilingual label ("Detención / Detention"), the code itself
// when it has none.
func label(col string, labels []codeLabel) string {
	codes, texts := make([]string, len(labels)), make([]string, len(labels))
	for i, l := range labels {
		codes[i], texts[i] = quote(l.code), quote(l.text)
	}
	return fmt.Sprintf("transform(%s, [%s], [%s], %s)", col, strings.Join(codes, ", "), strings.Join(texts, ", "), col)
}

type codeLabel struct{ code, text string }

// labelOrder orders a code column as its labels are listed (the contract's order).
func labelOrder(col string, labels []codeLabel) string {
	codes := make([]string, len(labels))
	for i, l := range labels {
		codes[i] = quote(l.code)
	}
	return fmt.Sprintf("indexOf([%s], %s)", strings.Join(codes, ", "), col)
}

// quote is a ClickHouse string literal of a constant of this package.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// labelsOf pairs the codes of an enumeration of the contract with their labels, in the
// contract's order; a code without a label panics at render time (a test renders them all).
func labelsOf(codes []string, texts map[string]string) []codeLabel {
	out := make([]codeLabel, 0, len(codes))
	for _, c := range codes {
		t, ok := texts[c]
		if !ok {
			panic("dashboards: no label for code " + c)
		}
		out = append(out, codeLabel{c, t})
	}
	return out
}

// enumCodes lists the codes of a stringer enumeration from 1 (0 is "none") until its String
// no longer names a code.
func enumCodes[T ~uint8](String func(T) string) []string {
	var out []string
	for i := T(1); i < 255; i++ {
		s := String(i)
		if s == "" || strings.Contains(s, "(") {
			break
		}
		out = append(out, s)
	}
	return out
}

var (
	caseTypeLabels = labelsOf(enumCodes(schemas.CaseType.String), map[string]string{
		"detention":               "Detención / Detention",
		"removal_proceedings":     "Proceso de deportación / Removal proceedings",
		"hospitalisation":         "Hospitalización / Hospitalisation",
		"death":                   "Fallecimiento / Death",
		"missing_person":          "Persona desaparecida / Missing person",
		"repatriation_of_remains": "Repatriación de restos / Repatriation of remains",
		"documents":               "Documentos / Documents",
		"child_protection":        "Protección de la niñez / Child protection",
		"other":                   "Otro / Other",
	})
	serviceLabels = labelsOf(enumCodes(schemas.Service.String), map[string]string{
		"health":                  "Salud / Health",
		"psychosocial":            "Apoyo psicosocial / Psychosocial support",
		"legal":                   "Asistencia legal / Legal aid",
		"child_protection":        "Protección de la niñez / Child protection",
		"family_reunification":    "Reunificación familiar / Family reunification",
		"shelter":                 "Albergue / Shelter",
		"employment":              "Empleo / Employment",
		"reintegration_programme": "Programa de reintegración / Reintegration programme",
	})
	outcomeLabels = append(labelsOf(enumCodes(schemas.Outcome.String), map[string]string{
		"pending":     "Pendiente / Pending",
		"attended":    "Atendida / Attended",
		"enrolled":    "Inscrita / Enrolled",
		"declined":    "Rechazada / Declined",
		"unreachable": "Sin contacto / Unreachable",
	}), codeLabel{"none", "Sin resultado registrado / No outcome recorded"})
	needLabels = labelsOf(needCodes(), map[string]string{
		"separated_child":           "Niña, niño o adolescente separado / Separated child",
		"pregnancy":                 "Embarazo / Pregnancy",
		"disability":                "Discapacidad / Disability",
		"serious_medical_condition": "Condición médica grave / Serious medical condition",
		"international_protection":  "Protección internacional / International protection",
		"trafficking_indicators":    "Indicios de trata / Trafficking indicators",
		"survivor_of_violence":      "Sobreviviente de violencia / Survivor of violence",
		"older_person_at_risk":      "Persona mayor en riesgo / Older person at risk",
	})
	typeLabels = labelsOf(enumCodes(schemas.EventType.String), map[string]string{
		"crossing":   "Cruce / Crossing",
		"detention":  "Detención / Detention",
		"return":     "Retorno / Return",
		"assistance": "Asistencia consular / Consular assistance",
		"referral":   "Referencia / Referral",
	})
)

func needCodes() []string {
	var out []string
	for _, n := range schemas.AllNeeds() {
		out = append(out, n.String())
	}
	return out
}

// minorText is a table's minor flag.
const minorText = "if(minor = 1, 'sí / yes', 'no')"

// monthlyBars is a brief panel of monthly bars (the brief is published by month).
func monthlyBars(title, description string, at dashboard.GridPos) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).
		Description(description).
		GridPos(at).
		Unit("short").
		DrawStyle(common.GraphDrawStyleBars).
		FillOpacity(60)
}
