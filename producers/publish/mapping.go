// Package publish reads agencies' files (NDJSON, or CSV through a mapping file), validates
// every record against the event contract before anything is sent, and publishes the good
// ones to the agency's raw topic with event ids that make publishing a file twice harmless.
package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Mapping says how the columns of an agency's CSV export become event fields.
type Mapping struct {
	// Delimiter of the CSV. Default ",".
	Delimiter string `yaml:"delimiter"`
	// TimeLayout (Go layout) of time columns without an offset, read in TimeZone. Default
	// "2006-01-02 15:04".
	TimeLayout string `yaml:"time_layout"`
	// TimeZone of those times (IANA). Required when a time has no offset.
	TimeZone string `yaml:"time_zone"`
	// DateLayout of date columns (birth dates). Default "2006-01-02".
	DateLayout string `yaml:"date_layout"`
	// EventID lists the columns whose values identify a record at the agency; default a
	// hash of the mapped record, so the same line always gets the same id.
	EventID []string `yaml:"event_id"`
	// Columns maps event fields (dotted paths, e.g. person.nationality) to CSV columns.
	Columns map[string]string `yaml:"columns"`
	// Values are constant fields (e.g. type: crossing).
	Values map[string]string `yaml:"values"`
	// Recode maps a field's column values to the contract's (e.g. sex: {M: male}).
	Recode map[string]map[string]string `yaml:"recode"`

	loc *time.Location
}

var (
	timeFields = map[string]bool{"occurred_at": true}
	dateFields = map[string]bool{"person.birth_date": true}
	intFields  = map[string]bool{"count": true, "person.age": true}
	boolFields = map[string]bool{"person.unaccompanied": true}
	idClean    = regexp.MustCompile(`[^A-Za-z0-9._:-]+`)
)

// LoadMapping reads and checks a mapping file.
func LoadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read mapping: %w", err)
	}
	m := &Mapping{}
	if err := yaml.UnmarshalWithOptions(b, m, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("cannot parse mapping %s:\n%s", path, yaml.FormatError(err, false, true))
	}
	if m.Delimiter == "" {
		m.Delimiter = ","
	}
	if m.TimeLayout == "" {
		m.TimeLayout = "2006-01-02 15:04"
	}
	if m.DateLayout == "" {
		m.DateLayout = time.DateOnly
	}
	if len(m.Delimiter) != 1 {
		return nil, fmt.Errorf("mapping %s: delimiter %q must be one character", path, m.Delimiter)
	}
	if m.TimeZone != "" {
		if m.loc, err = time.LoadLocation(m.TimeZone); err != nil {
			return nil, fmt.Errorf("mapping %s: time_zone %q: %w", path, m.TimeZone, err)
		}
	}
	if _, ok := m.Columns["occurred_at"]; !ok && m.Values["occurred_at"] == "" {
		return nil, fmt.Errorf("mapping %s: columns must map occurred_at (and point_id, type ...)", path)
	}
	return m, nil
}

// record builds the event of one CSV line (header -> value) for agency, as JSON-ready nested
// maps; problems of the mapping itself (a missing column, a time it cannot read) are errors
// with the column named.
func (m *Mapping) record(agency string, row map[string]string) (map[string]any, error) {
	rec := map[string]any{"schema_version": 1, "agency": agency}
	for field, v := range m.Values {
		set(rec, field, v)
	}
	for field, col := range m.Columns {
		raw, ok := row[col]
		if !ok {
			return nil, fmt.Errorf("column %q (for %s) is not in the file's header", col, field)
		}
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue // absent, as JSON null: the contract says whether that is allowed
		}
		if rc, ok := m.Recode[field]; ok {
			if to, ok := rc[raw]; ok {
				raw = to
			}
		}
		v, err := m.convert(field, raw)
		if err != nil {
			return nil, &FieldError{Field: field, Err: fmt.Errorf("column %q: %w", col, err)}
		}
		set(rec, field, v)
	}
	rec["event_id"] = m.eventID(agency, row, rec)
	return rec, nil
}

func (m *Mapping) convert(field, raw string) (any, error) {
	switch {
	case timeFields[field]:
		if t, err := time.Parse(time.RFC3339, raw); err == nil {
			return t.Format(time.RFC3339), nil
		}
		if m.loc == nil {
			return nil, fmt.Errorf("%q has no offset and the mapping has no time_zone", raw)
		}
		t, err := time.ParseInLocation(m.TimeLayout, raw, m.loc)
		if err != nil {
			return nil, fmt.Errorf("%q is not a time as %q", raw, m.TimeLayout)
		}
		return t.Format(time.RFC3339), nil
	case dateFields[field]:
		t, err := time.Parse(m.DateLayout, raw)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date as %q", raw, m.DateLayout)
		}
		return t.Format(time.DateOnly), nil
	case intFields[field]:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", raw)
		}
		return n, nil
	case boolFields[field]:
		b, err := strconv.ParseBool(strings.ToLower(raw))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", raw)
		}
		return b, nil
	}
	return raw, nil
}

func (m *Mapping) eventID(agency string, row map[string]string, rec map[string]any) string {
	if len(m.EventID) > 0 {
		parts := make([]string, len(m.EventID))
		for i, c := range m.EventID {
			parts[i] = idClean.ReplaceAllString(strings.TrimSpace(row[c]), "_")
		}
		return agency + "-" + strings.Join(parts, "-")
	}
	h := sha256.New()
	fmt.Fprint(h, agency)
	for _, k := range slices.Sorted(maps.Keys(row)) {
		fmt.Fprintf(h, "\x00%s=%s", k, row[k])
	}
	return agency + "-" + hex.EncodeToString(h.Sum(nil)[:10])
}

// FieldError is a value the mapping cannot turn into its field.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// set puts v at a dotted path, creating the nested objects.
func set(rec map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := rec[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			rec[p] = next
		}
		rec = next
	}
	rec[parts[len(parts)-1]] = v
}
