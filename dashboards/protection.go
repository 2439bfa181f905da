package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/text"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// ProtectionUID is the protection needs dashboard.
const ProtectionUID = "vigia-protection"

// The chosen country of the points (All: every one).
var pointCountry = "country LIKE " + param("country")

// protectionNote says what the figures are and why they are coarse.
const protectionNote = `**Datos de categoría especial.** Las necesidades de protección (niñez separada, embarazo, discapacidad, condición médica grave, protección internacional, indicios de trata, sobreviviente de violencia, persona mayor en riesgo) son datos sensibles: nunca se guardan por registro ni por persona. La etapa de ventanas cuenta cuántas personas tienen cada necesidad por punto y día local, y aquí solo se publican agregados mensuales con **k = 10**: menos de 10 personas se muestra <10, toda otra cifra es múltiplo de 10, sea adulta o menor la persona. Una persona con dos necesidades cuenta en cada una: las necesidades no se suman en personas.

**Special-category data.** Protection needs (separated child, pregnancy, disability, serious medical condition, international protection, trafficking indicators, survivor of violence, older person at risk) are sensitive data: never stored per record or per person. The window stage counts how many persons have each need by point and local day, and only monthly aggregates are published here, with **k = 10**: fewer than 10 persons read <10, every other figure is a multiple of 10, adults and minors alike. A person with two needs counts under each: needs do not add up to persons.`

// protection shows the coded protection needs by need, point, event type and minors: counted
// only in aggregates, k 10 for every cell.
func protection(s Settings) *dashboard.DashboardBuilder {
	return briefBoard(ProtectionUID, "Vigía — Necesidades de protección / Protection needs", s).
		Description("Personas con cada necesidad de protección por mes local; solo agregados, k = 10. Persons with each protection need by local month; aggregates only, k = 10.").
		Annotation(stillFilling("")).
		WithVariable(choiceVariable("country", "País del punto / Country of the point",
			"SELECT DISTINCT country AS v FROM ${database}.brief WHERE grain = 'protection_month'", "HND", "GTM", "SLV")).
		WithPanel(text.NewPanelBuilder().
			Title("Datos de categoría especial / Special-category data").
			GridPos(pos(0, 0, 24, 7)).
			Mode(text.TextModeMarkdown).
			Content(protectionNote)).
		WithPanel(table.NewPanelBuilder().
			Title("Por necesidad / By need").
			Description("Menos de 10 se muestra <10. Fewer than 10 read <10.").
			GridPos(pos(0, 7, 10, 10)).
			WithTarget(sql("A", Table, `
				SELECT `+label("code", needLabels)+` AS "Necesidad / Need", `+shownText("")+` AS "Personas / Persons",
				`+shownText("minor = 1")+` AS "Menores / Minors"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("protection_month", pointCountry)+`
				GROUP BY code ORDER BY sum(persons) DESC, code`))).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Por necesidad y mes / By need and month").
			Description("Un total con todas sus celdas suprimidas no se dibuja. A total whose cells are all suppressed is not drawn.").
			GridPos(pos(10, 7, 14, 10)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, `+label("code", needLabels)+` AS need, `+shown("")+` AS persons
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("protection_month", pointCountry)+`
				GROUP BY time, code ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Por punto / By point").
			GridPos(pos(0, 17, 24, 10)).
			WithTarget(sql("A", Table, namedPoint(`
				SELECT point_id, country, code, `+shownText("")+` AS "Personas / Persons",
				`+shownText("minor = 1")+` AS "Menores / Minors", sum(persons) AS total
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("protection_month", pointCountry)+`
				GROUP BY point_id, country, code`,
				`name AS "Punto / Point", point_id AS "Id", country AS "País / Country", `+label("code", needLabels)+` AS "Necesidad / Need",
				"Personas / Persons", "Menores / Minors"`,
				"total DESC, point_id, code LIMIT 200")))).
		WithPanel(table.NewPanelBuilder().
			Title("Por tipo de evento, edad y necesidad / By event type, age and need").
			GridPos(pos(0, 27, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT `+label("type", typeLabels)+` AS "Tipo / Type", `+minorText+` AS "¿Menor? / Minor?",
				`+label("code", needLabels)+` AS "Necesidad / Need", `+shownText("")+` AS "Personas / Persons"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("protection_month", pointCountry)+`
				GROUP BY type, minor, code ORDER BY type, minor, sum(persons) DESC`)))
}
