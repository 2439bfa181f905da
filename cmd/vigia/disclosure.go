package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/lib/disclosure/audit"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

func newDisclosureCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "disclosure", Short: "Check the disclosure control of the published figures"}
	var from, to string
	var step time.Duration
	var maxRanges int
	audit := &cobra.Command{
		Use:   "audit",
		Short: "Play the attacker against the published layer: report any count under k a dashboard query reveals",
		Long: `Audit connects to ClickHouse as the configuration says (run it with the Grafana reader's
credentials: VIGIA_CLICKHOUSE_USERNAME=vigia_grafana and its password, so it has exactly the
rights of a dashboard viewer), asks every query of every dashboard for every point, type and
role with published figures, over ranges from --from growing by --step up to --to, and reports
each count of persons from 1 to k-1 (k 5, 10 for children) that a query shows, that the
difference between two nested ranges gives, or that the difference between two panels' totals
gives. It exits 1 when it found any.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := time.Parse(time.DateOnly, from)
			if err != nil {
				return fmt.Errorf("--from %q: use a date like 2026-01-01", from)
			}
			t, err := time.Parse(time.DateOnly, to)
			if err != nil {
				return fmt.Errorf("--to %q: use a date like 2026-02-01", to)
			}
			if !f.Before(t) { // a bad range is the flags' fault: said before any server is asked
				return fmt.Errorf("cannot audit: from %s is not before to %s (--from must be earlier than --to)", from, to)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Hour)
			defer cancel()
			cfg, conn, err := g.clickhouse(ctx, false)
			if err != nil {
				return err
			}
			defer conn.Close()
			r, err := audit.Run(ctx, audit.Config{Conn: conn, Database: chsink.PublicDatabase(cfg.ClickHouse.Database),
				From: f, To: t, Step: step, MaxRanges: maxRanges})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, finding := range r.Findings {
				fmt.Fprintln(out, finding)
			}
			fmt.Fprintf(out, "audit: %d queries of the published layer from %s to %s, %d counts under k derived\n", r.Queries, from, to, len(r.Findings))
			if len(r.Findings) > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	audit.Flags().StringVar(&from, "from", "", "first day of the ranges tried (required)")
	audit.Flags().StringVar(&to, "to", "", "day after the last (required)")
	audit.Flags().DurationVar(&step, "step", 24*time.Hour, "how much each nested range adds")
	audit.Flags().IntVar(&maxRanges, "max-ranges", 120, "most nested ranges per query (the step grows to fit)")
	_ = audit.MarkFlagRequired("from")
	_ = audit.MarkFlagRequired("to")
	cmd.AddCommand(audit)
	return cmd
}
