package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/producers/replay"
)

type replayOpts struct {
	cfg        replay.Config
	daySeconds float64
}

func newReplayCmd(g *globals) *cobra.Command {
	var o replayOpts
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Replay the region's real monthly statistics as events, at an accelerated clock",
		Long: `Replay spreads each month's real figures (Panama's Darién crossings, Honduras' migrants in
transit; see data/region/PROVENANCE.md) over the month's days and publishes them day
by day to the agencies' raw topics: the pipeline, its windows and the surge detector see the
real history. Re-running publishes the same event ids, which the pipeline drops as repeats.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			_, err = runReplay(cmd.Context(), cfg, o, cmd.OutOrStdout())
			return err
		},
	}
	cmd.Flags().StringVar(&o.cfg.From, "from", "2023-01", "first month, YYYY-MM (2021-01 at the earliest)")
	cmd.Flags().StringVar(&o.cfg.To, "to", "2023-10", "last month, YYYY-MM")
	cmd.Flags().StringSliceVar(&o.cfg.Sources, "source", nil, "series to replay: "+strings.Join(replay.Names(), ", ")+" (default darien and honduras)")
	cmd.Flags().Float64Var(&o.daySeconds, "day-seconds", 1, "wall-clock seconds per replayed day (0: as fast as possible)")
	return cmd
}

// replayResult is what a replay published.
type replayResult struct{ records, persons int }

func runReplay(ctx context.Context, cfg config.Config, o replayOpts, out io.Writer) (replayResult, error) {
	if o.daySeconds < 0 {
		return replayResult{}, fmt.Errorf("--day-seconds %v must not be negative", o.daySeconds)
	}
	days, err := replay.Plan(o.cfg)
	if err != nil {
		return replayResult{}, err
	}
	w, closeW, err := rawWriter(ctx, cfg, replay.Agencies(o.cfg.Sources))
	if err != nil {
		return replayResult{}, err
	}
	defer closeW()
	month, monthPersons := "", 0
	report := func(d replay.Day) {
		if m := d.Date.Format("2006-01"); m != month {
			if month != "" {
				fmt.Fprintf(out, "replayed %s: %d persons\n", month, monthPersons)
			}
			month, monthPersons = m, 0
		}
		monthPersons += d.Persons
	}
	began := time.Now()
	recs, persons, err := replay.Run(ctx, w, topics.Names{Prefix: cfg.Kafka.TopicPrefix}, days, o.daySeconds, report)
	if month != "" {
		fmt.Fprintf(out, "replayed %s: %d persons\n", month, monthPersons)
	}
	fmt.Fprintf(out, "replay %s..%s (%s): %d records, %d persons in %s\n", o.cfg.From, o.cfg.To,
		strings.Join(sourceNames(o.cfg.Sources), ", "), recs, persons, time.Since(began).Round(time.Second))
	return replayResult{recs, persons}, err
}

func sourceNames(s []string) []string {
	if len(s) > 0 {
		return s
	}
	var out []string
	for _, src := range replay.Sources {
		out = append(out, src.Name)
	}
	return out
}
