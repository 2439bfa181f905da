package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

func newStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show how complete the data is: each agency's newest event and late records, each point's last complete day",
		Long: `Status reads the events table and prints, per agency, the newest event time it has sent, how
many of its records arrived late (more than pipeline.watermark_delay + pipeline.allowed_lateness
after their event: their windows were recounted from storage) and how late; and per point, the
agencies that report there and the time up to which all of them have sent their events, with
the last local day that is complete for every one of them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			cfg, conn, err := g.clickhouse(ctx, false)
			if err != nil {
				return err
			}
			defer conn.Close()
			points, err := schemas.RegionPoints()
			if err != nil {
				return err
			}
			agencies, ps, err := chsink.Status(ctx, conn, cfg.ClickHouse.Database, cfg.Pipeline.WatermarkDelay+cfg.Pipeline.AllowedLateness)
			if err != nil {
				return err
			}
			printStatus(cmd.OutOrStdout(), agencies, ps, points)
			return nil
		},
	}
}

func printStatus(w io.Writer, agencies []chsink.AgencyStatus, ps []chsink.PointStatus, points *schemas.Points) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "agency\tnewest event (UTC)\trecords\tarrived late\tmedian delay of late\tlongest delay")
	for _, a := range agencies {
		share := 0.0
		if a.Records > 0 {
			share = 100 * float64(a.Late) / float64(a.Records)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d (%.1f%%)\t%s\t%s\n", a.Agency, a.Newest.UTC().Format("2006-01-02 15:04"), a.Records,
			a.Late, share, span(a.LateMedian), span(a.LateMax))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "point\tagencies\tevery agency up to (UTC)\tlast complete day (local)")
	for _, p := range ps {
		last := p.CompleteUpTo.In(points.Zone(p.PointID)).AddDate(0, 0, -1).Format(time.DateOnly)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.PointID, strings.Join(p.Agencies, ", "), p.CompleteUpTo.UTC().Format("2006-01-02 15:04"), last)
	}
	_ = tw.Flush()
}

// span reads a delay as days and hours.
func span(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if days > 0 {
		return fmt.Sprintf("%dd %dh", days, hours)
	}
	return fmt.Sprintf("%dh %dm", hours, int(d%time.Hour/time.Minute))
}
