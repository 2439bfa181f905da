package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// health shows the pipeline from ClickHouse alone: throughput and lag per stage (the
// processes' counters, written every 10 s) and the DLQ by reason and agency.
func health(s Settings) *dashboard.DashboardBuilder {
	return base("vigia-health", "Vigía — Salud del flujo de datos / Pipeline health", s).
		Time("now-6h", "now").
		WithPanel(timeseries.NewPanelBuilder().
			Title("Registros por segundo por etapa / Records per second by stage").
			Description("Diferencia de los contadores de cada proceso. Difference of each process's counters.").
			GridPos(pos(0, 0, 12, 9)).
			Unit("rps").
			WithTarget(sql("A", TimeSeries, `
				SELECT time, stage, sum(rate) AS records_per_s FROM (
				SELECT toDateTime(intDiv(toUInt32(ts), $__interval_s) * $__interval_s) AS time, stage, instance,
				(max(records_in) - min(records_in)) / $__interval_s AS rate
				FROM ${database}.pipeline_stats
				WHERE $__timeFilter(ts)
				GROUP BY time, stage, instance)
				GROUP BY time, stage ORDER BY time`))).
		WithPanel(timeseries.NewPanelBuilder().
			Title("Retraso por etapa / Lag by stage (records)").
			GridPos(pos(12, 0, 12, 9)).
			Unit("short").
			WithTarget(sql("A", TimeSeries, `
				SELECT toDateTime(intDiv(toUInt32(ts), $__interval_s) * $__interval_s) AS time, stage, max(lag) AS lag
				FROM ${database}.pipeline_stats
				WHERE $__timeFilter(ts)
				GROUP BY time, stage ORDER BY time`))).
		WithPanel(table.NewPanelBuilder().
			Title("Registros rechazados por motivo y agencia / Rejected records by reason and agency").
			Description("Cada registro está cifrado en vigia.dlq; `vigia dlq list` los muestra. Each record is encrypted in vigia.dlq; `vigia dlq list` lists them.").
			GridPos(pos(0, 9, 24, 10)).
			WithTarget(sql("A", Table, `
				SELECT agency AS "Agencia / Agency", reason AS "Motivo / Reason", stage AS "Etapa / Stage",
				records AS "Registros / Records", newest AS "Último / Last"
				FROM ${database}.dlq_summary FINAL
				WHERE $__timeFilter(newest)
				ORDER BY records DESC`))).
		WithPanel(table.NewPanelBuilder().
			Title("Completitud por agencia / Completeness by agency").
			Description("Evento más reciente enviado y registros llegados tarde (más de 2 h 10 min después del evento: sus ventanas se recuentan desde los eventos almacenados). Newest event sent, and records that arrived late (over 2 h 10 min after the event: their windows are recounted from the stored events). `vigia status` shows the same.").
			GridPos(pos(0, 19, 12, 9)).
			WithTarget(sql("A", Table, `
				SELECT agency AS "Agencia / Agency", max(newest) AS "Evento más reciente / Newest event",
				sum(records) AS "Registros / Records",
				round(100 * sum(late) / sum(records), 1) AS "% tardíos / % late"
				FROM ${database}.agency_points FINAL
				GROUP BY agency ORDER BY agency`))).
		WithPanel(table.NewPanelBuilder().
			Title("Datos completos hasta, por punto / Data complete up to, by point").
			Description("Hasta cuándo todas las agencias que informan en el punto enviaron sus eventos: los días posteriores aún se están llenando. Up to when every agency reporting at the point has sent its events: later days are still filling.").
			GridPos(pos(12, 19, 12, 9)).
			WithTarget(sql("A", Table, `
				SELECT point_id AS "Punto / Point", arrayStringConcat(arraySort(groupArray(agency)), ', ') AS "Agencias / Agencies",
				min(newest) AS "Completo hasta / Complete up to"
				FROM (
					SELECT point_id, agency FROM ${database}.agency_points FINAL
				) ANY INNER JOIN (
					SELECT agency, max(newest) AS newest FROM ${database}.agency_points FINAL GROUP BY agency
				) USING agency
				GROUP BY point_id ORDER BY point_id`)))
}
