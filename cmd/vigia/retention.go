package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

func newRetentionCmd(g *globals) *cobra.Command {
	var apply bool
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Show, or with --apply drop, the row-level data older than pipeline.row_retention_months",
		Long: `Retention keeps the row-level tables (events, dlq_records) for pipeline.row_retention_months
(default 13) whole months before the current one, and drops older months: events by
partition, the DLQ by a delete. The published figures, windows, alerts and judged periods are
kept. It connects as the migration user (dropping needs DDL rights); run it daily (cron, a
systemd timer, or the compose service's schedule). Without --apply it only prints what would go.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Minute)
			defer cancel()
			cfg, conn, err := g.clickhouse(ctx, true)
			if err != nil {
				return err
			}
			defer conn.Close()
			db := cfg.ClickHouse.Database
			cutoff := chsink.RowCutoff(time.Now(), cfg.Pipeline.RowRetentionMonths)
			e, err := chsink.ExpiredRows(ctx, conn, db, cfg.ClickHouse.Cluster, cutoff)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			verb := "would drop"
			if apply {
				if err := chsink.DropExpired(ctx, conn, db, cfg.ClickHouse.Cluster, cutoff, e); err != nil {
					return err
				}
				verb = "dropped"
			}
			fmt.Fprintf(out, "retention: keeping %d months (from %s): %s %d events (months %s) and %d DLQ rows\n",
				cfg.Pipeline.RowRetentionMonths, cutoff.Format(time.DateOnly), verb, e.EventRows, strings.Join(e.EventMonths, ", "), e.DLQRows)
			return nil
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "drop them (without it, only print)")
	return cmd
}
