package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// returns shows returns by receiving point, returning country and mode, for the
// reintegration services that meet them.
func returns(s Settings) *dashboard.DashboardBuilder {
	return base("vigia-returns", "Vigía — Retornos y reintegración / Returns and reintegration", s).
		Annotation(stillFilling("")).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Retornos por punto de recepción / Returns by receiving point").
			GridPos(pos(0, 0, 24, 9)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT window_start AS time, point_id AS point, `+hide("sum(persons)", kVar)+` AS persons
				FROM ${database}.windows FINAL
				WHERE resolution = 'day' AND type = 'return' AND $__timeFilter(window_start)
				GROUP BY time, point ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Por país que retorna y medio / By returning country and mode").
			Description("Menos de k se muestra <k. Fewer than k read <k.").
			GridPos(pos(0, 9, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT point_id AS "Punto / Point", returning_country AS "Retorna desde / Returned from",
				toString(mode) AS "Medio / Mode", `+hideText("sum(count)", kVar)+` AS "Personas / Persons",
				`+hideText("sumIf(count, minor = 1)", kMinorsVar)+` AS "Menores / Minors"
				FROM ${database}.events FINAL
				WHERE type = 'return' AND $__timeFilter(occurred_at)
				GROUP BY point_id, returning_country, mode
				ORDER BY sum(count) DESC LIMIT 50`)))
}
