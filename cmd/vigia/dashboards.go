package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/dashboards"
)

func newDashboardsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "dashboards", Short: "Render the Grafana dashboards, or upload them to a Grafana"}
	s := dashboards.DefaultSettings()
	var out string
	render := &cobra.Command{
		Use:   "render",
		Short: "Write the dashboards as JSON files (what `make dashboards` commits under dashboards/json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, err := dashboards.Render(s)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("cannot create %s: %w", out, err)
			}
			names := slices.Sorted(maps.Keys(files))
			for _, name := range names {
				if err := os.WriteFile(filepath.Join(out, name), files[name], 0o644); err != nil {
					return fmt.Errorf("cannot write %s: %w", name, err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d dashboards written to %s: %s\n", len(names), out, strings.Join(names, ", "))
			return nil
		},
	}
	settingsFlags(render, &s)
	render.Flags().StringVar(&out, "out", "dashboards/json", "directory to write the JSON files to")

	var pc dashboards.PushConfig
	push := &cobra.Command{
		Use:   "push --url URL --token TOKEN",
		Short: "Upload the dashboards to an existing Grafana (folder, overwrite, data source)",
		Long: `Push renders the dashboards and uploads them through Grafana's HTTP API into a folder,
replacing earlier versions, with their data source variable set to the ClickHouse data source.
It checks first that the URL answers, the token is accepted and the ClickHouse plugin
(grafana-clickhouse-datasource) is installed, and says which one to fix.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pc.Token == "" {
				pc.Token = os.Getenv("GRAFANA_TOKEN")
			}
			files, err := dashboards.Render(s)
			if err != nil {
				return err
			}
			pushed, err := dashboards.Push(cmd.Context(), pc, files)
			if err != nil {
				return err
			}
			for _, p := range pushed {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s\n", p.UID, p.URL)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d dashboards uploaded to folder %q\n", len(pushed), pc.Folder)
			return nil
		},
	}
	settingsFlags(push, &s)
	push.Flags().StringVar(&pc.URL, "url", "", "Grafana URL, e.g. http://localhost:3000")
	push.Flags().StringVar(&pc.Token, "token", "", "service account token with the Editor role (or env GRAFANA_TOKEN)")
	push.Flags().StringVar(&pc.Folder, "folder", "Vigía", "folder title (created when missing)")
	push.Flags().StringVar(&pc.Datasource, "datasource", "", "name or uid of the ClickHouse data source (default: the only one)")
	var days int
	sqlCmd := &cobra.Command{
		Use:   "sql",
		Short: "Print every dashboard query as the ClickHouse plugin would run it (the last --days, variables at their defaults)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, err := dashboards.Render(s)
			if err != nil {
				return err
			}
			qs, err := dashboards.Queries(files)
			if err != nil {
				return err
			}
			now := time.Now()
			for _, q := range qs {
				values := maps.Clone(q.Constants)
				maps.Copy(values, dashboards.Choices())
				v := dashboards.Vars{From: now.AddDate(0, 0, -days), To: now, IntervalS: 3600, Values: values}
				fmt.Fprintf(cmd.OutOrStdout(), "-- %s / %s (%s)\n%s;\n\n", q.File, q.Panel, q.RefID, dashboards.Expand(q.SQL, v))
			}
			return nil
		},
	}
	settingsFlags(sqlCmd, &s)
	sqlCmd.Flags().IntVar(&days, "days", 1200, "time range, in days back from now (the replayed 2023 history is ~1,000 days back)")
	cmd.AddCommand(render, push, sqlCmd)
	return cmd
}

func settingsFlags(cmd *cobra.Command, s *dashboards.Settings) {
	cmd.Flags().StringVar(&s.Database, "database", s.Database, "published ClickHouse database the panels read (<clickhouse.database>_public)")
}
