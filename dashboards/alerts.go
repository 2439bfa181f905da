package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// alertsBoard lists the incidents (the alerts of one surge at a country's points, the
// country and its nationalities), the open and recent surge alerts, each linking to its point.
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
			Title("Incidentes / Incidents").
			Description("Las alertas de un mismo aumento (puntos de un país, el país, sus nacionalidades, nuevos corredores) son un incidente: abiertos, o cambiados en el periodo. " +
				"The alerts of one surge (a country's points, the country, its nationalities, new corridors) are one incident: open ones, or changed in the time range.").
			GridPos(pos(0, 0, 24, 8)).
			WithTarget(sql("A", Table, `
				SELECT incident_id, country, type, role, min(opened_at) AS opened,
				max(changed_at) AS last_change, if(countIf(state != 'resolved') > 0, 'open', 'resolved') AS incident_state,
				arrayElement(['watch', 'warning', 'alert'], max(indexOf(['watch', 'warning', 'alert'], toString(severity)))) AS top_severity,
				count() AS alerts, countIf(state != 'resolved') AS open_alerts, countIf(kind = 'corridor') AS new_corridors,
				arrayStringConcat(arraySort(groupUniqArray(if(point_id = '', country, point_id))), ', ') AS places
				FROM ${database}.alerts FINAL
				WHERE (alert_id, version) IN (SELECT alert_id, max(version) FROM ${database}.alerts GROUP BY alert_id)
				AND incident_id != '' AND country LIKE `+param("country")+`
				GROUP BY incident_id, country, type, role
				HAVING incident_state = 'open' OR $__timeFilter(last_change)
				ORDER BY incident_state = 'open' DESC, last_change DESC LIMIT 100`))).
		WithPanel(table.NewPanelBuilder().
			Title("Alertas abiertas / Open alerts").
			Description("La última versión de cada alerta no resuelta; expected es el nivel antes del aumento. The latest version of every alert not resolved; expected is the level before the surge.").
			GridPos(pos(0, 8, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT alert_id, incident_id, if(kind = 'corridor', 'nuevo corredor / new corridor', '') AS kind,
				point_id, country, type, role, population, nationality, toString(severity) AS severity,
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
			GridPos(pos(0, 18, 24, 8)).
			WithTarget(sql("A", TimeSeries, `
				SELECT toStartOfDay(changed_at) AS time, toString(state) AS state, count() AS changes
				FROM ${database}.alerts FINAL
				WHERE $__timeFilter(changed_at) AND country LIKE `+param("country")+`
				GROUP BY time, state ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Historial reciente / Recent history").
			GridPos(pos(0, 26, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT changed_at, alert_id, incident_id, toString(state) AS state, toString(severity) AS severity,
				point_id, type, role, population, nationality,
				period_start, `+protectedText("observed", "observed_suppressed")+` AS observed, expected, upper AS threshold
				FROM ${database}.alerts FINAL
				WHERE $__timeFilter(changed_at) AND country LIKE `+param("country")+`
				ORDER BY changed_at DESC, alert_id, version DESC LIMIT 200`)))
}
