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
				count() AS "Registros / Records", max(received_at) AS "Último / Last"
				FROM ${database}.dlq_records FINAL
				WHERE $__timeFilter(received_at)
				GROUP BY agency, reason, stage ORDER BY count() DESC`)))
}
