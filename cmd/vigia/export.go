package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
	"github.com/vigia-observatory/vigia/sinks/export"
)

func newExportCmd(g *globals) *cobra.Command {
	var from, to string
	c := export.Config{}
	cmd := &cobra.Command{
		Use:   "export --from DATE --to DATE [--granularity day|week|month] [--format parquet|arrow|csv] DIR",
		Short: "Write the published, disclosure-protected figures as open data (Parquet, Arrow or CSV) with a datapackage.json",
		Long: `Export reads the published layer (<database>_public.figures, every count already protected:
suppressed under k, rounded to a multiple of k) and writes one file per grain into DIR:
figures_country_day and figures_point_day for --granularity day, figures_country_week for week,
figures_country_month for month; periods that start from --from until before --to. Beside them
datapackage.json (Frictionless Data Package) names the licence (CC-BY-4.0), the agencies that
reported in the range, the disclosure rule, and each file's columns, size and SHA-256.
Suppressed cells are rows with persons empty (null) and suppressed true. See docs/publishing.md.`,
		Example: "  vigia export --from 2026-01-01 --to 2026-02-01 --granularity day --format parquet open-data/2026-01",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if c.From, err = parseDay("--from", from); err != nil {
				return err
			}
			if c.To, err = parseDay("--to", to); err != nil {
				return err
			}
			c.Dir = args[0]
			if err := c.Validate(); err != nil {
				return err
			}
			cfg, err := g.config()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			conn, err := chsink.Open(ctx, cfg.ClickHouse)
			if err != nil {
				return err
			}
			defer conn.Close()
			res, err := export.Export(ctx, conn, cfg.ClickHouse.Database, c)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, f := range res.Files {
				fmt.Fprintf(out, "  %s: %d rows (%d suppressed), %d persons shown, %s\n", filepath.Join(res.Dir, f.Name), f.Rows, f.Suppressed, f.Persons, byteSize(f.Bytes))
			}
			fmt.Fprintf(out, "exported %d files, %d rows, %s to %s (%s: %d agencies as sources)\n",
				len(res.Files), res.Rows(), byteSize(res.Bytes()), res.Dir, export.PackageFile, len(res.Sources))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "first day exported, YYYY-MM-DD (required)")
	f.StringVar(&to, "to", "", "day after the last one exported, YYYY-MM-DD (required)")
	f.StringVar(&c.Granularity, "granularity", "day", "day (by country and by point), week or month (by country)")
	f.StringVar(&c.Format, "format", "parquet", "parquet, arrow (Arrow IPC file) or csv")
	f.IntVar(&c.BatchRows, "batch-rows", export.DefaultBatchRows, "rows held in memory at once (one record batch, one Parquet row group)")
	return cmd
}

// parseDay reads a flag's date.
func parseDay(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("%s is required: a date such as 2026-01-01", flag)
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a date: write it as YYYY-MM-DD, such as 2026-01-01", flag, s)
	}
	return d, nil
}

// byteSize reads a byte count for people.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
