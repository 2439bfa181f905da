package dashboards

import (
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/geomap"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// ReintegrationUID is the reintegration dashboard; ReturnsUID the returns by point, which
// links to it.
const (
	ReintegrationUID = "vigia-reintegration"
	ReturnsUID       = "vigia-returns"
)

// The chosen country of return (All: every one).
var returnCountry = "country LIKE " + param("country")

// The funnel's stages: returned (every return), received at a reception centre, referred to
// a service, enrolled in one (a referral whose outcome is enrolled).
var stages = []struct{ measure, column, minors string }{
	{"returned", "Retornados / Returned", "Menores retornados / Minors returned"},
	{"received", "Recibidos / Received", "Menores recibidos / Minors received"},
	{"referred", "Referidos / Referred", "Menores referidos / Minors referred"},
	{"enrolled", "Inscritos / Enrolled", "Menores inscritos / Minors enrolled"},
}

// funnel is the select list of the stages from `from` on: graph totals (a gap when
// suppressed) or table totals ("<k"), of every person or of the minors' cells only.
func funnel(from int, graph, minors bool) string {
	var cols []string
	for _, st := range stages[from:] {
		cond, name := "measure = '"+st.measure+"'", st.column
		if minors {
			name = st.minors
		}
		if graph {
			cols = append(cols, shown(cond)+` AS "`+name+`"`)
		} else {
			cols = append(cols, shownText(cond)+` AS "`+name+`"`)
		}
	}
	return strings.Join(cols, ",\n")
}

// namedPoint joins a query with point_id to the points registry's name.
func namedPoint(inner, outerCols, order string) string {
	return `SELECT ` + outerCols + ` FROM (` + inner + `)
		ANY LEFT JOIN (SELECT id AS point_id, name FROM ${database}.points FINAL) USING point_id
		ORDER BY ` + order
}

// reintegration follows returnees of one country through the reception and reintegration
// services: the funnel by month, reception centres, origin subdivisions on a map, services
// and their outcomes, and children apart (k 10).
func reintegration(s Settings) *dashboard.DashboardBuilder {
	return briefBoard(ReintegrationUID, "Vigía — Reintegración / Reintegration", s).
		Description("Personas retornadas, recibidas en un centro de recepción, referidas a un servicio e inscritas en uno, por mes local; cifras publicadas (múltiplos de k; menos de k se muestra <k; 10 para menores). " +
			"Persons returned, received at a reception centre, referred to a service and enrolled in one, by local month; published figures (multiples of k; fewer than k read <k; 10 for minors).").
		Annotation(stillFilling("")).
		WithVariable(choiceVariable("country", "País de retorno / Country of return",
			"SELECT DISTINCT country AS v FROM ${database}.brief WHERE grain IN ('subdivision_month', 'centre_month', 'service_month')", "HND", "GTM", "SLV")).
		Link(dashboard.NewDashboardLinkBuilder("Retornos por punto / Returns by point").
			Type(dashboard.DashboardLinkTypeLink).
			Url("/d/" + ReturnsUID).
			KeepTime(true)).
		WithPanel(monthlyBars("Embudo por mes / Funnel by month", "Retornados → recibidos → referidos → inscritos, sumados sobre las subdivisiones de origen. Returned → received → referred → enrolled, summed over the origin subdivisions.", pos(0, 0, 16, 9)).
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, `+funnel(0, true, false)+`
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("subdivision_month", returnCountry)+`
				GROUP BY time ORDER BY time`))).
		WithPanel(barchart.NewPanelBuilder().
			Title("Embudo en el periodo / Funnel over the period").
			GridPos(pos(16, 0, 8, 9)).
			XField("Etapa / Stage").
			ShowValue(common.VisibilityModeAlways).
			WithTarget(sql("A", Table, `
				SELECT `+label("toString(measure)", []codeLabel{{"returned", "Retornados / Returned"}, {"received", "Recibidos / Received"},
				{"referred", "Referidos / Referred"}, {"enrolled", "Inscritos / Enrolled"}})+` AS "Etapa / Stage",
				`+shown("")+` AS "Personas / Persons"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("subdivision_month", returnCountry)+`
				GROUP BY measure ORDER BY measure`))).
		WithPanel(table.NewPanelBuilder().
			Title("Por centro de recepción / By reception centre").
			Description("Recibidos en el centro (retornos con centro de recepción), referidos e inscritos desde él. Received at the centre (returns naming it), referred and enrolled from it.").
			GridPos(pos(0, 9, 12, 10)).
			WithTarget(sql("A", Table, namedPoint(`
				SELECT point_id, country, `+funnel(1, false, false)+`, sum(persons) AS total
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("centre_month", returnCountry)+`
				GROUP BY point_id, country`,
				`name AS "Centro / Centre", point_id AS "Id", country AS "País / Country", "Recibidos / Received", "Referidos / Referred", "Inscritos / Enrolled"`,
				"total DESC, point_id LIMIT 100")))).
		WithPanel(geomap.NewPanelBuilder().
			Title("Por subdivisión de origen / By origin subdivision").
			Description("Retornados (tamaño) y recibidos por subdivisión de origen (ISO 3166-2, en su punto representativo); los de subdivisión desconocida no están en el mapa. " +
				"Returned (size) and received by origin subdivision (ISO 3166-2, at its representative point); those of unknown subdivision are not on the map.").
			GridPos(pos(12, 9, 12, 10)).
			WithTarget(sql("A", Table, `
				SELECT name, code, latitude, longitude, "Retornados / Returned", "Recibidos / Received" FROM (
				SELECT subdivision AS code, `+funnel(0, true, false)+`
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("subdivision_month", returnCountry, "subdivision != ''")+`
				GROUP BY code)
				ANY INNER JOIN (SELECT code, name, latitude, longitude FROM ${database}.subdivisions FINAL) USING code`)).
			View(geomap.NewMapViewConfigBuilder().Id("coords").Lat(15).Lon(-88).Zoom(6)).
			Basemap(mapLayer("default", "Basemap", nil)).
			Layers([]cog.Builder[common.MapLayerOptions]{mapLayer("markers", "Subdivisiones / Subdivisions", map[string]any{
				"showLegend": true,
				"style": map[string]any{
					"size":  map[string]any{"field": "Retornados / Returned", "fixed": 5, "min": 4, "max": 30},
					"color": map[string]any{"fixed": "blue"},
				},
			})})).
		WithPanel(table.NewPanelBuilder().
			Title("Subdivisiones de origen / Origin subdivisions").
			GridPos(pos(0, 19, 24, 9)).
			WithTarget(sql("A", Table, `
				SELECT subdivision AS "Código / Code", if(subdivision = '', 'Desconocida / Unknown', name) AS "Subdivisión / Subdivision",
				"Retornados / Returned", "Recibidos / Received", "Referidos / Referred", "Inscritos / Enrolled" FROM (
				SELECT subdivision, `+funnel(0, false, false)+`, sum(persons) AS total
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("subdivision_month", returnCountry)+`
				GROUP BY subdivision)
				ANY LEFT JOIN (SELECT code AS subdivision, name FROM ${database}.subdivisions FINAL) USING subdivision
				ORDER BY total DESC, subdivision LIMIT 100`))).
		WithPanel(table.NewPanelBuilder().
			Title("Servicios y resultados / Services and outcomes").
			Description("Personas referidas por servicio y resultado de la referencia. Persons referred by service and the referral's outcome.").
			GridPos(pos(0, 28, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT `+label("code", serviceLabels)+` AS "Servicio / Service", `+label("status", outcomeLabels)+` AS "Resultado / Outcome",
				`+shownText("")+` AS "Personas / Persons", `+shownText("minor = 1")+` AS "Menores / Minors"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("service_month", returnCountry)+`
				GROUP BY code, status ORDER BY `+labelOrder("code", serviceLabels)+`, `+labelOrder("status", outcomeLabels)))).
		WithPanel(monthlyBars("Niñas, niños y adolescentes: embudo por mes / Children: funnel by month", "Solo las celdas de menores (k = 10: menos de 10 no se dibuja, todo lo demás es múltiplo de 10). Children's cells only (k = 10: fewer than 10 not drawn, everything else a multiple of 10).", pos(0, 38, 12, 9)).
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, `+funnel(0, true, true)+`
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("subdivision_month", returnCountry, "minor = 1")+`
				GROUP BY time ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Niñas, niños y adolescentes por centro / Children by reception centre").
			Description("Menos de 10 se muestra <10. Fewer than 10 read <10.").
			GridPos(pos(12, 38, 12, 9)).
			WithTarget(sql("A", Table, namedPoint(`
				SELECT point_id, country, `+funnel(1, false, true)+`, sum(persons) AS total
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("centre_month", returnCountry, "minor = 1")+`
				GROUP BY point_id, country`,
				`name AS "Centro / Centre", point_id AS "Id", country AS "País / Country", "Menores recibidos / Minors received", "Menores referidos / Minors referred", "Menores inscritos / Minors enrolled"`,
				"total DESC, point_id LIMIT 100"))))
}
