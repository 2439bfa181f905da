package surge

import (
	"fmt"
	"time"
)

// History keeps the recent totals of each monitored series, one per period, and judges the
// newest period as it arrives: the bridge between closed windows and the detector. A period
// without events is a 0, not a gap. Not safe for concurrent use: one per partition.
type History struct {
	// Detector judges each series. Required (use DefaultDetector()).
	Detector Detector
	// Resolution of the periods. Required.
	Resolution Resolution
	// Keep is how many periods are kept per series. Default: what the detector needs plus one
	// cycle.
	Keep   int
	series map[string]*hist
}

type hist struct {
	first time.Time // start of counts[0]
	n     []float64
}

// NewHistory checks the detector and sizes the history.
func NewHistory(d Detector, res Resolution) (*History, error) {
	if _, err := ParseResolution(string(res)); err != nil {
		return nil, err
	}
	need, err := d.First()
	if err != nil {
		return nil, err
	}
	return &History{Detector: d, Resolution: res, Keep: need + 2*frequencyOf(res), series: map[string]*hist{}}, nil
}

func frequencyOf(r Resolution) int {
	return map[Resolution]int{Hourly: 24, Daily: 7, Weekly: 52, Monthly: 12}[r]
}

// Warm loads the totals of k's past periods (from storage at start-up), oldest first and
// consecutive, before the first Add of k.
func (h *History) Warm(k SeriesKey, first time.Time, totals []float64) {
	h.series[k.String()] = &hist{first: first, n: append([]float64(nil), totals...)}
	h.trim(h.series[k.String()])
}

// Has reports whether k has a history (warmed or added).
func (h *History) Has(k SeriesKey) bool { return h.series[k.String()] != nil }

// Add records the total of k for the period starting at t and judges that period; ok is false
// while the series is too short to judge. Missing periods before t count as 0; a total for the
// newest period again (a re-emission after a late event) replaces it and is judged again; an
// older period is refused (its window closed long ago: a recompute corrects it).
func (h *History) Add(k SeriesKey, t time.Time, total float64) (v Verdict, ok bool, err error) {
	s := h.series[k.String()]
	if s == nil {
		s = &hist{first: t}
		h.series[k.String()] = s
	}
	i, err := h.index(s, t)
	if err != nil {
		return v, false, fmt.Errorf("series %s: %w", k, err)
	}
	switch {
	case i < len(s.n)-1:
		return v, false, fmt.Errorf("series %s: period %s is older than the newest one kept", k, t.Format(time.RFC3339))
	case i == len(s.n)-1:
		s.n[i] = total
	default:
		for len(s.n) < i {
			s.n = append(s.n, 0)
		}
		s.n = append(s.n, total)
	}
	i = h.trim(s)
	d, m, err := h.Detector.withDefaults()
	if err != nil || i < m.first() {
		return v, false, err
	}
	return d.judge(m, s.n, i), true, nil
}

// index is the position of period t in s, counting periods of the resolution from s.first.
func (h *History) index(s *hist, t time.Time) (int, error) {
	i := 0
	for at := s.first; at.Before(t); at = h.Resolution.next(at) {
		i++
		if i > 100000 {
			return 0, fmt.Errorf("period %s is too far from %s", t.Format(time.RFC3339), s.first.Format(time.RFC3339))
		}
	}
	if at := h.nth(s.first, i); !at.Equal(t) {
		return 0, fmt.Errorf("%s is not the start of a %s period", t.Format(time.RFC3339), h.Resolution)
	}
	return i, nil
}

func (h *History) nth(at time.Time, i int) time.Time {
	for ; i > 0; i-- {
		at = h.Resolution.next(at)
	}
	return at
}

// trim drops the oldest periods beyond Keep and returns the newest period's index.
func (h *History) trim(s *hist) int {
	if drop := len(s.n) - h.Keep; drop > 0 {
		s.first = h.nth(s.first, drop)
		s.n = append(s.n[:0], s.n[drop:]...)
	}
	return len(s.n) - 1
}
