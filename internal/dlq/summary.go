package dlq

import (
	"sort"
	"time"
)

// SummaryRow counts DLQ records of one agency and reason.
type SummaryRow struct {
	Agency      string
	Reason      string
	Count       int
	First, Last time.Time
	Example     string // path and message of one record
}

// Summarize groups records by agency and reason, most frequent first.
func Summarize(recs []Record) []SummaryRow {
	byKey := map[[2]string]*SummaryRow{}
	for _, r := range recs {
		k := [2]string{r.Agency, r.Reason.String()}
		s := byKey[k]
		if s == nil {
			s = &SummaryRow{Agency: r.Agency, Reason: k[1], First: r.Time, Last: r.Time, Example: r.Path + ": " + r.Message}
			byKey[k] = s
		}
		s.Count++
		if r.Time.Before(s.First) {
			s.First = r.Time
		}
		if r.Time.After(s.Last) {
			s.Last = r.Time
		}
	}
	out := make([]SummaryRow, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Agency+out[i].Reason < out[j].Agency+out[j].Reason
	})
	return out
}

// Filter selects records; empty fields select everything.
type Filter struct {
	Agency string
	Reason string
	Since  time.Time
}

// Match reports whether r passes the filter.
func (f Filter) Match(r Record) bool {
	return (f.Agency == "" || r.Agency == f.Agency) && (f.Reason == "" || r.Reason.String() == f.Reason) &&
		(f.Since.IsZero() || !r.Time.Before(f.Since))
}
