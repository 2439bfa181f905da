// Package export writes the published figures (<database>_public.figures, persons already
// protected by lib/disclosure) as open data: one columnar file per grain, Parquet, Arrow IPC
// or CSV through Apache Arrow, and a Frictionless datapackage.json that describes them. Rows
// are streamed from ClickHouse in record batches of bounded size, so a range of any length
// is exported in the memory of one batch (plus the Parquet writer's current row group).
package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Granularities the export offers, and the grains of the figures table each writes.
var granularities = map[string][]string{
	"day":   {"country_day", "point_day"},
	"week":  {"country_week"},
	"month": {"country_month"},
}

// Formats the export writes, with each file's extension, Frictionless format name and media type.
var formats = map[string]struct{ ext, mediatype string }{
	"parquet": {"parquet", "application/vnd.apache.parquet"},
	"arrow":   {"arrow", "application/vnd.apache.arrow.file"},
	"csv":     {"csv", "text/csv"},
}

// DefaultBatchRows is the default Config.BatchRows.
const DefaultBatchRows = 64 * 1024

// Config is one export. Periods are exported when they start in [From, To).
type Config struct {
	// From is the first day exported (00:00 UTC of a date: the figures' periods start at the
	// points' local dates written at 00:00 UTC). Required.
	From time.Time
	// To is the day after the last one exported (exclusive). Required, after From.
	To time.Time
	// Granularity is day (grains country_day and point_day), week (country_week: weeks
	// starting on Monday) or month (country_month). Default "day".
	Granularity string
	// Format is parquet (zstd-compressed), arrow (Arrow IPC file) or csv (UTF-8, header,
	// empty cell for null). Default "parquet".
	Format string
	// Dir receives one file per grain (figures_<grain>.<format>) and datapackage.json; files
	// of those names are replaced. It is created, with its missing parents, when missing.
	// Required.
	Dir string
	// BatchRows bounds the rows held in memory at once: one Arrow record batch (and one
	// Parquet row group). Default DefaultBatchRows (65,536).
	BatchRows int
}

// withDefaults fills the unset fields.
func (c Config) withDefaults() Config {
	if c.Granularity == "" {
		c.Granularity = "day"
	}
	if c.Format == "" {
		c.Format = "parquet"
	}
	if c.BatchRows <= 0 {
		c.BatchRows = DefaultBatchRows
	}
	return c
}

// Grains are the grains of the figures table the granularity exports, in file order.
func (c Config) Grains() []string { return granularities[c.withDefaults().Granularity] }

// Validate reports every problem of the configuration at once, each saying what to fix. It
// also checks that Dir can be written (or created), so an export does not read ClickHouse
// only to fail at its first file.
func (c Config) Validate() error {
	c = c.withDefaults()
	var bad []string
	switch {
	case c.From.IsZero() || c.To.IsZero():
		bad = append(bad, "from and to are both required (dates such as 2026-01-01)")
	case !c.From.Before(c.To):
		bad = append(bad, fmt.Sprintf("from (%s) must be before to (%s): to is the day after the last one exported",
			c.From.UTC().Format(time.DateOnly), c.To.UTC().Format(time.DateOnly)))
	}
	if _, ok := granularities[c.Granularity]; !ok {
		bad = append(bad, fmt.Sprintf("granularity %q must be day, week or month", c.Granularity))
	}
	if _, ok := formats[c.Format]; !ok {
		bad = append(bad, fmt.Sprintf("format %q must be parquet, arrow or csv", c.Format))
	}
	if c.Dir == "" {
		bad = append(bad, "the output directory is required")
	} else if err := writable(c.Dir); err != nil {
		bad = append(bad, err.Error())
	}
	if len(bad) > 0 {
		return errors.New("export: " + strings.Join(bad, "; "))
	}
	return nil
}

// writable checks that dir is a directory that accepts files, or that it is missing and can
// be created: its nearest existing ancestor is a directory that accepts files.
func writable(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		parent := filepath.Dir(filepath.Clean(dir))
		for {
			ps, perr := os.Stat(parent)
			switch {
			case perr == nil && !ps.IsDir():
				return fmt.Errorf("output directory %s cannot be created: %s is a file, not a directory", dir, parent)
			case perr == nil:
				if err := probe(parent); err != nil {
					return fmt.Errorf("output directory %s cannot be created in %s (%v): choose a directory you can write", dir, parent, err)
				}
				return nil
			case !errors.Is(perr, os.ErrNotExist) && !errors.Is(perr, syscall.ENOTDIR):
				return fmt.Errorf("output directory %s: %v", dir, perr)
			case filepath.Dir(parent) == parent:
				return fmt.Errorf("output directory %s: no part of its path exists", dir)
			}
			parent = filepath.Dir(parent)
		}
	case err != nil:
		return fmt.Errorf("output directory %s: %v", dir, err)
	case !st.IsDir():
		return fmt.Errorf("output directory %s is a file: name a directory", dir)
	}
	if err := probe(dir); err != nil {
		return fmt.Errorf("output directory %s is not writable (%v): fix its permissions or choose another", dir, err)
	}
	return nil
}

// probe creates and removes a file in dir.
func probe(dir string) error {
	f, err := os.CreateTemp(dir, ".vigia-export-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
