package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// alertsBoard lists open and recent surge alerts, each linking to its point.
func alertsBoard(s Settings) *dashboard.DashboardBuilder {
	return base(AlertsUID, "Vigía — Alertas de flujo / Surge alerts", s).
		WithVariable(dashboard.NewQueryVariableBuilder("country").
			Label("País / Country").
			Datasource(datasource).
			Query(variableQuery("SELECT DISTINCT country FROM ${database}.alerts ORDER BY country")).
			IncludeAll(true).
			AllValue("%").
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged)).
		WithPanel(table.NewPanelBuilder().
			Title("Alertas abiertas / Open alerts").
			Description("La última versión de cada alerta no resuelta. The latest version of every alert not resolved.").
			GridPos(pos(0, 0, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT alert_id, point_id, country, type, role, population, nationality, toString(severity) AS severity,
				opened_at, period_start AS last_period, `+protectedText("observed", "observed_suppressed")+` AS observed,
				expected, `+protectedText("peak", "peak_suppressed")+` AS peak, version
				FROM ${database}.alerts FINAL
				WHERE (alert_id, version) IN (SELECT alert_id, max(version) FROM ${database}.alerts GROUP BY alert_id)
				AND state != 'resolved' AND country LIKE `+param("country")+`
				ORDER BY indexOf(['watch', 'warning', 'alert'], severity) DESC, opened_at DESC`)).
			OverrideByName("alert_id", []dashboard.DynamicConfigValue{{Id: "links", Value: []map[string]any{{
				"title": "Detalle del punto / Point detail",
				"url":   "/d/" + PointUID + "/point-detail?var-point=${__data.fields.point_id}&var-type=${__data.fields.type}&var-role=${__data.fields.role}&${__url_time_range}",
			}}}})).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Cambios de alertas por día / Alert changes per day").
			GridPos(pos(0, 10, 24, 8)).
			WithTarget(sql("A", TimeSeries, `
				SELECT toStartOfDay(changed_at) AS time, toString(state) AS state, count() AS changes
				FROM ${database}.alerts FINAL
				WHERE $__timeFilter(changed_at) AND country LIKE `+param("country")+`
				GROUP BY time, state ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Historial reciente / Recent history").
			GridPos(pos(0, 18, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT changed_at, alert_id, toString(state) AS state, toString(severity) AS severity,
				point_id, type, role, population, nationality,
				period_start, `+protectedText("observed", "observed_suppressed")+` AS observed, expected, upper AS threshold
				FROM ${database}.alerts FINAL
				WHERE $__timeFilter(changed_at) AND country LIKE `+param("country")+`
				ORDER BY changed_at DESC, alert_id, version DESC LIMIT 200`)))
}
