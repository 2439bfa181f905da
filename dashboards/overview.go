package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/geomap"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// openAlerts is every alert not resolved at its latest version, one row per alert.
const openAlerts = `
	SELECT alert_id, argMax(point_id, version) AS point_id, argMax(country, version) AS country,
	argMax(indexOf(['watch', 'warning', 'alert'], toString(severity)), version) AS sev, argMax(toString(state), version) AS st
	FROM ${database}.alerts GROUP BY alert_id`

// overview answers at a glance where people are moving and where a flow surges.
func overview(s Settings) *dashboard.DashboardBuilder {
	return base("vigia-overview", "Vigía — Resumen regional / Regional overview", s).
		Annotation(stillFilling("")).
		Description("Flujos por punto, rol y nacionalidad; alertas abiertas. Flows by point, role and nationality; open alerts.").
		WithPanel(geomap.NewPanelBuilder().
			Title("Flujos y alertas por punto / Flows and alerts by point").
			Description("Personas en el periodo elegido (tamaño) y la alerta abierta más grave (color); cifras publicadas (múltiplos de k; menos de k se omite). Persons in the chosen period (size) and the most severe open alert (colour): published figures (multiples of k; fewer than k left out).").
			GridPos(pos(0, 0, 14, 14)).
			WithTarget(sql("A", Table, `
				SELECT name, country, latitude, longitude, persons, severity FROM (
				SELECT id, name, country, latitude, longitude, persons FROM (
				SELECT id, name, country, latitude, longitude FROM ${database}.points FINAL)
				ANY LEFT JOIN (
				SELECT point_id AS id, `+shown("")+` AS persons
				FROM ${database}.figures FINAL
				WHERE grain = 'point_day' AND $__timeFilter(period_start)
				GROUP BY point_id) USING id)
				ANY LEFT JOIN (
				SELECT point_id AS id, max(sev) AS severity FROM (`+openAlerts+`)
				WHERE st != 'resolved' AND point_id != '' GROUP BY point_id) USING id`)).
			View(geomap.NewMapViewConfigBuilder().Id("coords").Lat(12).Lon(-84).Zoom(4)).
			Basemap(mapLayer("default", "Basemap", nil)).
			Layers([]cog.Builder[common.MapLayerOptions]{mapLayer("markers", "Puntos / Points", map[string]any{
				"showLegend": true,
				"style": map[string]any{
					"size":  map[string]any{"field": "persons", "fixed": 5, "min": 4, "max": 30},
					"color": map[string]any{"field": "severity", "fixed": "green"},
				},
			})}).
			Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps([]dashboard.Threshold{
				{Value: nil, Color: "green"}, {Value: ptr(2.0), Color: "orange"}, {Value: ptr(3.0), Color: "red"}}))).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Personas por rol / Persons by role (origin, transit, destination)").
			Description("Suma diaria de todos los puntos por rol. Daily sum over all points by role.").
			GridPos(pos(14, 0, 10, 14)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, toString(role) AS role, `+shown("")+` AS persons
				FROM ${database}.figures FINAL
				WHERE grain = 'country_day' AND $__timeFilter(period_start)
				GROUP BY time, role ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Principales corredores por nacionalidad / Top corridors by nationality").
			Description("Nacionalidad, país y rol del punto, personas; menos de k se muestra <k. Nationality, point country and role, persons; fewer than k read <k.").
			GridPos(pos(0, 14, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT nationality AS "Nacionalidad / Nationality", country AS "País / Country",
				toString(role) AS "Rol / Role", `+shownText("")+` AS "Personas / Persons"
				FROM ${database}.figures FINAL
				WHERE grain = 'country_day' AND $__timeFilter(period_start) AND nationality != ''
				GROUP BY nationality, country, role
				ORDER BY sum(persons) DESC LIMIT 20`)))
}

type mapLayerBuilder struct{ o common.MapLayerOptions }

func (b mapLayerBuilder) Build() (common.MapLayerOptions, error) { return b.o, nil }

func mapLayer(kind, name string, config map[string]any) mapLayerBuilder {
	o := common.MapLayerOptions{Type: kind, Name: name, Tooltip: ptr(true)}
	if config != nil {
		o.Config = config
		o.Location = &common.FrameGeometrySource{Mode: common.FrameGeometrySourceModeCoords, Latitude: ptr("latitude"), Longitude: ptr("longitude")}
	}
	return mapLayerBuilder{o}
}
