package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// ConsularUID is the consular network dashboard.
const ConsularUID = "vigia-consular"

// The chosen nationality (All: every one).
var nationality = "nationality LIKE " + param("nationality")

// Opened and closed cases are two counts: a case's opening and its closing are two records,
// so they are never added together.
var (
	opened = "status = 'opened'"
	closed = "status = 'closed'"
)

// consularAlerts are the alerts about the chosen nationality's nationals: the consular case
// series of its consulates (a consulate's id starts with its country's code, hnd-cons-...)
// and of the nationality, and the series of the nationality's flows wherever they occur.
var consularAlerts = "(type = 'assistance' AND (nationality LIKE " + param("nationality") +
	" OR point_id LIKE concat(lower(" + param("nationality") + "), '-cons-%')) OR nationality != '' AND nationality LIKE " + param("nationality") + ")"

// consular is a foreign ministry's consular network for one nationality: cases by country of
// assistance and case type, opened and closed by month, and the alerts about its nationals.
func consular(s Settings) *dashboard.DashboardBuilder {
	return briefBoard(ConsularUID, "Vigía — Red consular / Consular network", s).
		Description("Casos consulares de una nacionalidad por país de asistencia y tipo de caso, por mes local; cifras publicadas (múltiplos de k; menos de k se muestra <k). " +
			"Consular cases of one nationality by country of assistance and case type, by local month; published figures (multiples of k; fewer than k read <k).").
		Annotation(stillFilling("point_id IN (SELECT id FROM ${database}.points FINAL WHERE kind = 'consulate')")).
		WithVariable(choiceVariable("nationality", "Nacionalidad / Nationality",
			"SELECT DISTINCT nationality AS v FROM ${database}.brief WHERE grain = 'consular_month'", "HND", "GTM", "SLV")).
		WithPanel(barchart.NewPanelBuilder().
			Title("Casos por país de asistencia / Cases by country of assistance").
			Description("Casos abiertos y cerrados en los meses elegidos; un total con todas sus celdas suprimidas no se dibuja (la tabla de abajo muestra <k). " +
				"Cases opened and closed in the chosen months; a total whose cells are all suppressed is not drawn (the table below reads <k).").
			GridPos(pos(0, 0, 12, 10)).
			XField("País / Country").
			Orientation(common.VizOrientationHorizontal).
			ShowValue(common.VisibilityModeAuto).
			WithTarget(sql("A", Table, `
				SELECT country AS "País / Country", `+shown(opened)+` AS "Abiertos / Opened", `+shown(closed)+` AS "Cerrados / Closed"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("consular_month", nationality)+`
				GROUP BY country ORDER BY sum(persons) DESC LIMIT 30`))).
		WithPanel(table.NewPanelBuilder().
			Title("Casos por tipo / Cases by case type").
			GridPos(pos(12, 0, 12, 10)).
			WithTarget(sql("A", Table, `
				SELECT `+label("code", caseTypeLabels)+` AS "Tipo de caso / Case type",
				`+shownText(opened)+` AS "Abiertos / Opened", `+shownText(closed)+` AS "Cerrados / Closed"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("consular_month", nationality)+`
				GROUP BY code ORDER BY sum(persons) DESC`))).
		WithPanel(monthlyBars("Casos abiertos y cerrados por mes / Cases opened and closed by month", "Por mes local del consulado. By the consulate's local month.", pos(0, 10, 24, 8)).
			WithTarget(sql("A", TimeSeries, `
				SELECT period_start AS time, `+shown(opened)+` AS "Abiertos / Opened", `+shown(closed)+` AS "Cerrados / Closed"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("consular_month", nationality)+`
				GROUP BY time ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("País de asistencia × tipo de caso / Country of assistance × case type").
			Description("Cifras publicadas; menos de k se muestra <k (10 en las celdas de menores). Published figures; fewer than k read <k (10 in children's cells).").
			GridPos(pos(0, 18, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT country AS "País / Country", `+label("code", caseTypeLabels)+` AS "Tipo de caso / Case type",
				`+shownText(opened)+` AS "Abiertos / Opened", `+shownText(closed)+` AS "Cerrados / Closed"
				FROM ${database}.brief FINAL
				WHERE `+briefWhere("consular_month", nationality)+`
				GROUP BY country, code ORDER BY country, sum(persons) DESC LIMIT 200`))).
		WithPanel(table.NewPanelBuilder().
			Title("Alertas sobre sus nacionales / Alerts about its nationals").
			Description("La última versión de cada alerta abierta, o de un periodo del rango de tiempo: series de casos consulares de sus consulados y de la nacionalidad, y aumentos de sus nacionales en cualquier punto. "+
				"The latest version of every alert open, or of a period in the time range: consular case series of its consulates and of the nationality, and surges of its nationals at any point.").
			GridPos(pos(0, 28, 24, 9)).
			WithTarget(sql("A", Table, `
				SELECT alert_id, incident_id, toString(state) AS state, toString(severity) AS severity,
				point_id, country, type, role, population, nationality,
				opened_at, period_start AS last_period, `+protectedText("observed", "observed_suppressed")+` AS observed,
				expected, `+protectedText("peak", "peak_suppressed")+` AS peak, changed_at
				FROM ${database}.alerts FINAL
				WHERE (alert_id, version) IN (SELECT alert_id, max(version) FROM ${database}.alerts GROUP BY alert_id)
				AND `+consularAlerts+`
				AND (state != 'resolved' OR $__timeFilter(period_start))
				ORDER BY state = 'resolved', indexOf(['watch', 'warning', 'alert'], severity) DESC, changed_at DESC LIMIT 100`)).
			OverrideByName("alert_id", []dashboard.DynamicConfigValue{{Id: "links", Value: []map[string]any{{
				"title": "Detalle del punto / Point detail",
				"url":   "/d/" + PointUID + "/point-detail?var-point=${__data.fields.point_id}&var-type=${__data.fields.type}&var-role=${__data.fields.role}&${__url_time_range}",
			}}}}))
}
