package surge

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Resolution is the length of a period of a series.
type Resolution string

// Frequency is the periods per seasonal cycle at a resolution: a day of hours, a week of
// days, a year of weeks or of months.
func (r Resolution) Frequency() int {
	return map[Resolution]int{Hourly: 24, Daily: 7, Weekly: 52, Monthly: 12}[r]
}

const (
	Hourly  Resolution = "hour"
	Daily   Resolution = "day"
	Weekly  Resolution = "week"
	Monthly Resolution = "month"
)

// ParseResolution accepts hour, day, week or month.
func ParseResolution(s string) (Resolution, error) {
	switch r := Resolution(s); r {
	case Hourly, Daily, Weekly, Monthly:
		return r, nil
	}
	return "", fmt.Errorf("resolution %q: must be hour, day, week or month", s)
}

// layouts are the accepted forms of t per resolution (weeks are given by their first day).
var layouts = map[Resolution][]string{
	Hourly:  {time.RFC3339, "2006-01-02T15", "2006-01-02 15:04:05", "2006-01-02T15:04"},
	Daily:   {time.DateOnly},
	Weekly:  {time.DateOnly},
	Monthly: {"2006-01", time.DateOnly},
}

func (r Resolution) next(t time.Time) time.Time {
	switch r {
	case Hourly:
		return t.Add(time.Hour)
	case Daily:
		return t.AddDate(0, 0, 1)
	case Weekly:
		return t.AddDate(0, 0, 7)
	}
	return t.AddDate(0, 1, 0)
}

// Series is a regular count series: one value per period, no gaps.
type Series struct {
	Name   string
	Labels []string // t as written in the input
	Start  []time.Time
	Counts []float64
}

// ReadSeries reads a CSV with the header t,n or t,n,series (or series,t,n): one series per
// distinct series value, each regular at the resolution. A gap or a malformed line is an
// error naming the line.
func ReadSeries(r io.Reader, res Resolution) ([]*Series, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot read the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	ti, okT := col["t"]
	ni, okN := col["n"]
	si, hasSeries := col["series"]
	if !okT || !okN {
		return nil, errors.New("the header must name the columns t and n (and optionally series)")
	}
	var order []*Series
	by := map[string]*Series{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("line %d: %d fields, the header has %d", line, len(rec), len(header))
		}
		name := ""
		if hasSeries {
			name = rec[si]
		}
		s := by[name]
		if s == nil {
			s = &Series{Name: name}
			by[name] = s
			order = append(order, s)
		}
		if err := s.add(res, strings.TrimSpace(rec[ti]), strings.TrimSpace(rec[ni])); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if len(order) == 0 {
		return nil, errors.New("no data line")
	}
	return order, nil
}

func (s *Series) add(res Resolution, label, count string) error {
	var at time.Time
	var err error
	for _, l := range layouts[res] {
		if at, err = time.Parse(l, label); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("t %q is not a %s (e.g. %s)", label, res, layouts[res][0])
	}
	n, err := strconv.ParseFloat(count, 64)
	if err != nil || n < 0 || n != float64(int64(n)) {
		return fmt.Errorf("n %q must be a whole count, 0 or more", count)
	}
	if k := len(s.Start); k > 0 {
		if want := res.next(s.Start[k-1]); !at.Equal(want) {
			return fmt.Errorf("t %s follows %s: a %s series must have every period in order (write 0 for a period without events)", label, s.Labels[k-1], res)
		}
	}
	s.Labels, s.Start, s.Counts = append(s.Labels, label), append(s.Start, at), append(s.Counts, n)
	return nil
}
