package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// pointFilter selects the chosen point, type and role.
var pointFilter = "point_id = " + param("point") + " AND type = " + param("type") + " AND role = " + param("role")

// pointDetail is one point: hourly and daily counts, the detector's expected band and the
// alerts as annotations. Alert messages link here with the point, type and role set.
func pointDetail(s Settings) *dashboard.DashboardBuilder {
	return base(PointUID, "Vigía — Detalle de punto / Point detail", s).
		Annotation(stillFilling("point_id = " + param("point"))).
		WithVariable(dashboard.NewQueryVariableBuilder("point").
			Label("Punto / Point").
			Datasource(datasource).
			Query(variableQuery("SELECT id, concat(name, ' (', country, ')') FROM ${database}.points FINAL ORDER BY country, name")).
			Definition("SELECT id, name FROM points").
			Refresh(dashboard.VariableRefreshOnDashboardLoad)).
		WithVariable(custom("type", "Tipo / Type", "crossing", "detention", "return", "assistance", "referral")).
		WithVariable(custom("role", "Rol / Role", "transit", "origin", "destination")).
		Annotation(dashboard.NewAnnotationQueryBuilder().
			Name("Alertas / Alerts").
			Datasource(datasource).
			Enable(true).
			IconColor("red").
			Target(sql("Anno", Table, `
				SELECT period_start AS time, concat(toString(state), ' ', toString(severity), ' (', population,
				if(nationality = '', '', concat(' ', nationality)), '): ', `+protectedText("observed", "observed_suppressed")+`, ' / ',
				toString(round(expected)), ' esperado / expected') AS text
				FROM ${database}.alerts FINAL
				WHERE `+pointFilter+` AND $__timeFilter(period_start)
				ORDER BY time`))).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Personas por día y banda esperada / Persons per day and expected band").
			Description("Observado, esperado y umbral de advertencia del detector (C2 sobre 28 días). Observed, the detector's expected count and warning threshold.").
			GridPos(pos(0, 0, 24, 10)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, if(suppressed = 1, NULL, observed) AS observed, expected, upper AS threshold
				FROM ${database}.surge_bands FINAL
				WHERE resolution = 'day' AND `+pointFilter+` AND population = 'all' AND nationality = ''
				AND $__timeFilter(period_start)
				ORDER BY time`))).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Personas por hora / Persons per hour").
			GridPos(pos(0, 10, 24, 8)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, `+shown("")+` AS persons
				FROM ${database}.figures FINAL
				WHERE grain = 'point_hour' AND `+pointFilter+` AND $__timeFilter(period_start)
				GROUP BY time ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Por categoría / By category").
			Description("Cifras publicadas; menos de k se muestra <k (10 para niñas y niños). Published figures; fewer than k read <k (10 for children).").
			GridPos(pos(0, 18, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT toString(category) AS "Categoría / Category", if(minor = 1, 'sí / yes', 'no') AS "Menores / Minors",
				`+shownText("")+` AS "Personas / Persons"
				FROM ${database}.figures FINAL
				WHERE grain = 'point_day' AND `+pointFilter+` AND $__timeFilter(period_start)
				GROUP BY category, minor ORDER BY sum(persons) DESC LIMIT 50`)))
}
