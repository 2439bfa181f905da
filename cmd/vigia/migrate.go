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
	var dryRun bool
	var serverVersion, cluster string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the ClickHouse schema and load the points registry (safe to repeat)",
		Long: `Migrate creates the database and applies every migration not yet applied, with what the
server's version supports, then loads the points registry. With clickhouse.cluster (or
--cluster) set, every statement runs ON CLUSTER: each table is a replicated <table>_local on
every shard and a Distributed table of its name over them.

--dry-run prints the DDL a migration of an empty database runs, for --server-version and the
mode (single server, or --cluster), without connecting.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dryRun {
				return printPlan(cmd, g, serverVersion, cluster)
			}
			if serverVersion != "" {
				return fmt.Errorf("--server-version is for --dry-run: a migration asks the server its version")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			cfg, conn, err := g.clickhouse(ctx, true)
			if err != nil {
				return err
			}
			defer conn.Close()
			db := cfg.ClickHouse.Database
			if cluster == "" {
				cluster = cfg.ClickHouse.Cluster
			}
			res, err := chsink.MigrateCluster(ctx, conn, db, cluster)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "clickhouse %s at %s, database %s\n", res.Server.Version, strings.Join(cfg.ClickHouse.Addr, ","), db)
			if cluster != "" {
				fmt.Fprintf(out, "  cluster %s: replicated local tables, Distributed tables of the same names\n", cluster)
			}
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
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the DDL of a migration of an empty database and connect to nothing")
	cmd.Flags().StringVar(&serverVersion, "server-version", "", "with --dry-run: the ClickHouse version to write for, e.g. 18.16 or 24.8 (required)")
	cmd.Flags().StringVar(&cluster, "cluster", "", "the servers' cluster (default clickhouse.cluster; none: one server)")
	return cmd
}

// printPlan writes the DDL of a migration of an empty database, statements ending in ";".
func printPlan(cmd *cobra.Command, g *globals, version, cluster string) error {
	if version == "" {
		return fmt.Errorf("--dry-run needs --server-version, the ClickHouse version to write for (e.g. 18.16 or 24.8)")
	}
	srv, err := chsink.ParseServer(version)
	if err != nil {
		return fmt.Errorf("--server-version: %w", err)
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	if cluster == "" {
		cluster = cfg.ClickHouse.Cluster
	}
	plan, err := chsink.Plan(cfg.ClickHouse.Database, srv, cluster)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	mode := "one server"
	if cluster != "" {
		mode = "cluster " + cluster
	}
	fmt.Fprintf(out, "-- vigia migrate --dry-run: ClickHouse %s, %s, database %s\n", version, mode, cfg.ClickHouse.Database)
	for _, f := range srv.Fallbacks() {
		fmt.Fprintf(out, "-- fallback: %s\n", f)
	}
	for _, q := range plan {
		fmt.Fprintf(out, "\n%s;\n", q)
	}
	return nil
}
