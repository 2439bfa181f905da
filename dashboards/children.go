package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// children shows minors and unaccompanied minors by point and nationality, with the
// stricter threshold k_minors.
func children(s Settings) *dashboard.DashboardBuilder {
	return base("vigia-children", "Vigía — Niñez y adolescencia / Children and adolescents", s).
		Annotation(stillFilling("")).
		Description("Menores y menores no acompañados; menos de k_minors se muestra <k_minors. Minors and unaccompanied minors; fewer than k_minors read <k_minors.").
		WithPanel(timeseries.NewPanelBuilder().
			Title("Menores por día / Minors per day").
			GridPos(pos(0, 0, 12, 9)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT window_start AS time, `+hide("sumIf(persons, minor = 1)", kMinorsVar)+` AS minors,
				`+hide("sumIf(persons, unaccompanied = 1)", kMinorsVar)+` AS unaccompanied
				FROM ${database}.windows FINAL
				WHERE resolution = 'day' AND $__timeFilter(window_start)
				GROUP BY time ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Menores por punto / Minors by point").
			GridPos(pos(12, 0, 12, 9)).
			WithTarget(sql("A", Table, `
				SELECT point_id AS "Punto / Point", point_country AS "País / Country",
				`+hideText("sumIf(persons, minor = 1)", kMinorsVar)+` AS "Menores / Minors",
				`+hideText("sumIf(persons, unaccompanied = 1)", kMinorsVar)+` AS "No acompañados / Unaccompanied"
				FROM ${database}.windows FINAL
				WHERE resolution = 'day' AND $__timeFilter(window_start)
				GROUP BY point_id, point_country
				HAVING sumIf(persons, minor = 1) > 0
				ORDER BY sumIf(persons, minor = 1) DESC LIMIT 50`))).
		WithPanel(table.NewPanelBuilder().
			Title("Menores por nacionalidad y edad / Minors by nationality and age").
			GridPos(pos(0, 9, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT nationality AS "Nacionalidad / Nationality", age_band AS "Edad / Age",
				toString(category) AS "Categoría / Category",
				`+hideText("sum(persons)", kMinorsVar)+` AS "Personas / Persons"
				FROM ${database}.windows FINAL
				WHERE resolution = 'day' AND minor = 1 AND $__timeFilter(window_start)
				GROUP BY nationality, age_band, category
				ORDER BY sum(persons) DESC LIMIT 50`)))
}
