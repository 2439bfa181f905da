package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/lib/anonymize"
)

func newEventsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Find stored events by what an agency knows of them"}
	var agency, id string
	find := &cobra.Command{
		Use:   "find --agency ID --event-id ID",
		Short: "Find the stored event of an agency's event id (Vigía keeps only its keyed reference)",
		Long: `Find computes the keyed references of the agency's event id under every key of
VIGIA_EVENT_KEYS (so records stored before a rotation are found too) and prints the stored
event: point, type, time (to the minute), count and demography. The id itself is kept nowhere.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if agency == "" || id == "" {
				return fmt.Errorf("give both --agency and --event-id")
			}
			ring, err := secrets.LoadKeyRing(environ(), "VIGIA_EVENT_KEYS", 32)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			cfg, conn, err := g.clickhouse(ctx, false)
			if err != nil {
				return err
			}
			defer conn.Close()
			refs := anonymize.EventRefs(ring, agency, id)
			rows, err := conn.Query(ctx, `SELECT event_id, toString(type), occurred_at, point_id, toString(role), count, nationality, age_band, toString(category), ingested_at
				FROM `+cfg.ClickHouse.Database+`.events FINAL WHERE agency = ? AND has(splitByChar(',', ?), event_id)`, agency, strings.Join(refs, ","))
			if err != nil {
				return fmt.Errorf("cannot look the event up: %w", err)
			}
			defer rows.Close()
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "reference\ttype\toccurred (UTC)\tpoint\trole\tcount\tnationality\tage band\tcategory\tingested (UTC)")
			n := 0
			for rows.Next() {
				var ref, typ, point, role, nat, band, cat string
				var at, ingested time.Time
				var count uint32
				if err := rows.Scan(&ref, &typ, &at, &point, &role, &count, &nat, &band, &cat, &ingested); err != nil {
					return fmt.Errorf("cannot read the event: %w", err)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", ref, typ, at.UTC().Format("2006-01-02 15:04"), point, role, count, nat, band, cat, ingested.UTC().Format(time.DateTime))
				n++
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("no stored event of %s has that id (it may have been rejected: vigia dlq list --agency %s; or not arrived yet)", agency, agency)
			}
			return tw.Flush()
		},
	}
	find.Flags().StringVar(&agency, "agency", "", "the agency that sent the record")
	find.Flags().StringVar(&id, "event-id", "", "the record's event_id as the agency sent it")
	cmd.AddCommand(find)
	return cmd
}
