package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// unaccompanied selects the cells of unaccompanied children.
const unaccompanied = "category = 'unaccompanied_minor'"

// children shows minors and unaccompanied minors by point and nationality, with the
// stricter threshold k_minors.
func children(s Settings) *dashboard.DashboardBuilder {
	return base("vigia-children", "Vigía — Niñez y adolescencia / Children and adolescents", s).
		Annotation(stillFilling("")).
		Description("Menores y menores no acompañados: cifras publicadas, múltiplos de 10; menos de 10 se muestra <10. Minors and unaccompanied minors: published figures, multiples of 10; fewer than 10 read <10.").
		WithPanel(timeseries.NewPanelBuilder().
			Title("Menores por día / Minors per day").
			GridPos(pos(0, 0, 12, 9)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, `+shown("")+` AS minors,
				`+shown(unaccompanied)+` AS unaccompanied
				FROM ${database}.figures FINAL
				WHERE grain = 'country_day' AND minor = 1 AND $__timeFilter(period_start)
				GROUP BY time ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Menores por punto / Minors by point").
			GridPos(pos(12, 0, 12, 9)).
			WithTarget(sql("A", Table, `
				SELECT point_id AS "Punto / Point", country AS "País / Country",
				`+shownText("")+` AS "Menores / Minors",
				`+shownText(unaccompanied)+` AS "No acompañados / Unaccompanied"
				FROM ${database}.figures FINAL
				WHERE grain = 'point_day' AND minor = 1 AND $__timeFilter(period_start)
				GROUP BY point_id, country
				ORDER BY sum(persons) DESC LIMIT 50`))).
		WithPanel(table.NewPanelBuilder().
			Title("Menores por nacionalidad y categoría / Minors by nationality and category").
			GridPos(pos(0, 9, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT nationality AS "Nacionalidad / Nationality", toString(category) AS "Categoría / Category",
				`+shownText("")+` AS "Personas / Persons"
				FROM ${database}.figures FINAL
				WHERE grain = 'country_day' AND minor = 1 AND $__timeFilter(period_start)
				GROUP BY nationality, category
				ORDER BY sum(persons) DESC LIMIT 50`)))
}
