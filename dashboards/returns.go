package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// returns shows returns by receiving point, returning country and mode, for the
// reintegration services that meet them.
func returns(s Settings) *dashboard.DashboardBuilder {
	return base(ReturnsUID, "Vigía — Retornos y reintegración / Returns and reintegration", s).
		Annotation(stillFilling("")).
		Link(dashboard.NewDashboardLinkBuilder("Reintegración: embudo, centros, servicios / Reintegration: funnel, centres, services").
			Type(dashboard.DashboardLinkTypeLink).
			Url("/d/" + ReintegrationUID).
			KeepTime(true)).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Retornos por punto de recepción / Returns by receiving point").
			GridPos(pos(0, 0, 24, 9)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, point_id AS point, `+shown("")+` AS persons
				FROM ${database}.figures FINAL
				WHERE grain = 'point_day' AND type = 'return' AND $__timeFilter(period_start)
				GROUP BY time, point ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Por país de recepción y nacionalidad / By receiving country and nationality").
			Description("Cifras publicadas; menos de k se muestra <k (10 para niñas y niños). Published figures; fewer than k read <k (10 for children).").
			GridPos(pos(0, 9, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT country AS "País / Country", nationality AS "Nacionalidad / Nationality",
				`+shownText("")+` AS "Personas / Persons",
				`+shownText("minor = 1")+` AS "Menores / Minors"
				FROM ${database}.figures FINAL
				WHERE grain = 'country_day' AND type = 'return' AND $__timeFilter(period_start)
				GROUP BY country, nationality
				ORDER BY sum(persons) DESC LIMIT 50`)))
}
