package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// StageStats are one stage's cumulative counters in this process.
type StageStats struct {
	Stage        string
	In, Out, DLQ uint64
	Lag          int64
}

// Snapshot reads the stages' counters from the collectors themselves (not from a registry
// by metric name), for the pipeline_stats table that the health dashboard reads.
func (m *Metrics) Snapshot(stages []string) []StageStats {
	by := make(map[string]*StageStats, len(stages))
	out := make([]StageStats, len(stages))
	for i, s := range stages {
		out[i].Stage = s
		by[s] = &out[i]
	}
	each(m.In, func(s *StageStats, _ map[string]string, v float64) { s.In += uint64(v) }, by)
	each(m.Out, func(s *StageStats, l map[string]string, v float64) {
		if l["output"] == "dlq" {
			s.DLQ += uint64(v)
		} else {
			s.Out += uint64(v)
		}
	}, by)
	each(m.Lag, func(s *StageStats, _ map[string]string, v float64) { s.Lag += int64(v) }, by)
	return out
}

// each calls add for every series of c whose stage label is one of by's.
func each(c prometheus.Collector, add func(*StageStats, map[string]string, float64), by map[string]*StageStats) {
	ch := make(chan prometheus.Metric, 64)
	go func() { c.Collect(ch); close(ch) }()
	for pm := range ch {
		var d dto.Metric
		if pm.Write(&d) != nil {
			continue
		}
		labels := make(map[string]string, len(d.GetLabel()))
		for _, l := range d.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		s := by[labels["stage"]]
		if s == nil {
			continue
		}
		switch {
		case d.Counter != nil:
			add(s, labels, d.GetCounter().GetValue())
		case d.Gauge != nil:
			add(s, labels, d.GetGauge().GetValue())
		}
	}
}
