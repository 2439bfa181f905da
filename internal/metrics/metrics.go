// Package metrics defines Vigía's Prometheus metrics. A Metrics value is registered in the
// registry it is given, never the global one, so two pipelines can run in one process.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's collectors.
type Metrics struct {
	In            *prometheus.CounterVec   // stage, topic
	Out           *prometheus.CounterVec   // stage, output (anon, clean, dlq, events, windows)
	DLQ           *prometheus.CounterVec   // stage, agency, reason
	Lag           *prometheus.GaugeVec     // stage, topic, partition
	BatchSize     *prometheus.HistogramVec // stage
	InsertTime    *prometheus.HistogramVec // table
	Retries       *prometheus.CounterVec   // stage, reason
	StateKeys     *prometheus.GaugeVec     // stage, partition
	StateBytes    *prometheus.GaugeVec     // stage, partition
	Evictions     *prometheus.CounterVec   // stage
	Duplicates    *prometheus.CounterVec   // kind (exact, semantic)
	Undecodable   *prometheus.CounterVec   // stage: internal records that could not be decoded
	AlertChanges  *prometheus.CounterVec   // state, severity: surge alert lifecycle changes published
	Notifications *prometheus.CounterVec   // route, outcome (sent, failed): deliveries to ministries
	TooLate       *prometheus.CounterVec   // resolution
	Recounted     prometheus.Counter       // windows recounted from storage after a too-late event
	Late          prometheus.Counter
	WMDelay       *prometheus.GaugeVec // stage, partition: seconds between wall clock and watermark
	CommitFails   *prometheus.CounterVec
	// Unregistered counts raw topics of agencies not in the registry: not consumed.
	Unregistered prometheus.Gauge
	// AlertsRefused counts vigia.alerts records notify refused to send, by reason.
	AlertsRefused *prometheus.CounterVec
}

// New creates the collectors and registers them in reg (nil: not registered, for tests).
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		In:            prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_records_in_total", Help: "Records consumed, by stage and topic."}, []string{"stage", "topic"}),
		Out:           prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_records_out_total", Help: "Records delivered, by stage and output."}, []string{"stage", "output"}),
		DLQ:           prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_dlq_total", Help: "Records sent to the dead-letter topic, by stage, agency and reason code."}, []string{"stage", "agency", "reason"}),
		Lag:           prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigia_consumer_lag", Help: "Records behind the partition's high watermark."}, []string{"stage", "topic", "partition"}),
		BatchSize:     prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vigia_batch_size", Help: "Records per processed batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 9)}, []string{"stage"}),
		InsertTime:    prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "vigia_clickhouse_insert_seconds", Help: "ClickHouse insert latency.", Buckets: prometheus.ExponentialBuckets(0.001, 3, 10)}, []string{"table"}),
		Retries:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_retries_total", Help: "Retried batches, by stage and reason."}, []string{"stage", "reason"}),
		StateKeys:     prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigia_state_keys", Help: "Keys held in a stage's state."}, []string{"stage", "partition"}),
		StateBytes:    prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigia_state_bytes", Help: "Estimated bytes held in a stage's state."}, []string{"stage", "partition"}),
		Evictions:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_state_evictions_total", Help: "State entries evicted early because the memory bound was reached."}, []string{"stage"}),
		Duplicates:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_duplicates_total", Help: "Records dropped as duplicates, by kind."}, []string{"kind"}),
		AlertChanges:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_alert_changes_total", Help: "Surge alert lifecycle changes published to vigia.alerts and the alerts table."}, []string{"state", "severity"}),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_notifications_total", Help: "Alert messages to ministries' routes, by outcome (sent, failed)."}, []string{"route", "outcome"}),
		Undecodable:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_undecodable_total", Help: "Internal records (vigia.anon, vigia.clean) that could not be decoded: skipped, left in their topic, logged."}, []string{"stage"}),
		TooLate:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_window_too_late_total", Help: "Events beyond the allowed lateness: not counted by the stream; their windows are recounted from storage."}, []string{"resolution"}),
		Recounted:     prometheus.NewCounter(prometheus.CounterOpts{Name: "vigia_windows_recounted_total", Help: "Windows recounted from the events table because an event arrived too late for the stream."}),
		Late:          prometheus.NewCounter(prometheus.CounterOpts{Name: "vigia_window_late_total", Help: "Late events within the allowed lateness that re-emitted a closed window."}),
		WMDelay:       prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vigia_watermark_delay_seconds", Help: "Wall clock minus the partition's event-time watermark."}, []string{"stage", "partition"}),
		CommitFails:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_commit_failures_total", Help: "Failed offset commits."}, []string{"stage"}),
		Unregistered:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigia_unregistered_raw_topics", Help: "Raw topics of agencies not in the registry: their records are refused (not consumed) until the agency is registered."}),
		AlertsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigia_alerts_refused_total", Help: "vigia.alerts records notify refused to send because the detect stage did not produce them, by reason."}, []string{"route", "reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.In, m.Out, m.DLQ, m.Lag, m.BatchSize, m.InsertTime, m.Retries, m.StateKeys,
			m.StateBytes, m.Evictions, m.Duplicates, m.Undecodable, m.TooLate, m.Recounted, m.Late, m.WMDelay, m.CommitFails,
			m.AlertChanges, m.Notifications, m.Unregistered, m.AlertsRefused)
	}
	return m
}
