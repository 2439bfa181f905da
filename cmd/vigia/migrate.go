package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

func newMigrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the ClickHouse schema and load the points registry (safe to repeat)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			cfg, conn, err := g.clickhouse(ctx, true)
			if err != nil {
				return err
			}
			defer conn.Close()
			db := cfg.ClickHouse.Database
			res, err := chsink.Migrate(ctx, conn, db)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "clickhouse %s at %s, database %s\n", res.Server.Version, strings.Join(cfg.ClickHouse.Addr, ","), db)
			for _, f := range res.Server.Fallbacks() {
				fmt.Fprintf(out, "  fallback: %s\n", f)
			}
			for _, m := range res.Applied {
				fmt.Fprintf(out, "  applied %03d_%s\n", m.Version, m.Name)
			}
			if len(res.Applied) == 0 {
				fmt.Fprintf(out, "schema at version %03d: up to date, nothing applied\n", res.Current)
			} else {
				fmt.Fprintf(out, "schema at version %03d: %d migration(s) applied\n", res.Current, len(res.Applied))
			}
			ps, err := schemas.RegionPoints()
			if err != nil {
				return err
			}
			loaded, err := chsink.LoadPoints(ctx, conn, db, ps)
			if err != nil {
				return err
			}
			if loaded {
				fmt.Fprintf(out, "points registry loaded: %d points (%s)\n", ps.Len(), ps.Checksum())
			} else {
				fmt.Fprintf(out, "points registry unchanged: %d points (%s)\n", ps.Len(), ps.Checksum())
			}
			return nil
		},
	}
}
