package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/producers/simulate"
)

type simulateOpts struct {
	rate, seconds, speed float64
	surgeAfter           time.Duration
	sim                  simulate.Config
}

func newSimulateCmd(g *globals) *cobra.Command {
	o := simulateOpts{rate: 50, speed: 1}
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Publish a live synthetic stream of the region's corridors, with surge scenarios",
		Long: `Simulate publishes synthetic events to the agencies' raw topics: origin exits, the Darién,
Costa Rica, Honduras, Guatemala, Mexico, the US border, and returns by air and land, with a
daily and weekly rhythm, minors, unaccompanied minors and families, made-up identities,
repeats (2%) and malformed records (0.5%) from each agency. --scenario adds a surge from
--surge-after on: caravan (leaving San Pedro Sula), darien, or returns (a wave of flights).
--speed runs event time faster than the wall clock (3600: an hour a second); the stream
then ends now, so nothing is in the future.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			_, err = runSimulate(cmd.Context(), cfg, o, cmd.OutOrStdout())
			return err
		},
	}
	cmd.Flags().Float64Var(&o.rate, "rate", o.rate, "records per wall-clock second (at the busiest hour)")
	cmd.Flags().Float64Var(&o.seconds, "seconds", 0, "how long to run (0: until Ctrl-C)")
	cmd.Flags().Float64Var(&o.speed, "speed", o.speed, "event-time seconds per wall-clock second (above 1 needs --seconds)")
	cmd.Flags().StringVar(&o.sim.Scenario, "scenario", "none", "none, caravan, darien or returns")
	cmd.Flags().DurationVar(&o.surgeAfter, "surge-after", 0, "event time from the start until the scenario's surge")
	cmd.Flags().Uint64Var(&o.sim.Seed, "seed", 1, "the same seed gives the same stream")
	return cmd
}

// simStats counts what a simulation sent.
type simStats struct{ sent, malformed, repeats int }

func runSimulate(ctx context.Context, cfg config.Config, o simulateOpts, out io.Writer) (st simStats, err error) {
	if o.rate <= 0 || o.speed <= 0 || o.seconds < 0 {
		return st, errors.New("--rate and --speed must be positive, --seconds not negative")
	}
	if o.speed > 1 && o.seconds == 0 {
		return st, errors.New("--speed above 1 needs --seconds: the stream ends now, and starts that much event time before")
	}
	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	w, closeW, err := rawWriter(ctx, cfg, simulate.Agencies())
	if err != nil {
		return st, err
	}
	defer closeW()
	began := time.Now()
	start := began.Add(-time.Duration(o.seconds * o.speed * float64(time.Second)))
	if o.speed <= 1 {
		start = began
	}
	o.sim.SurgeFrom = start.Add(o.surgeAfter)
	gen, err := simulate.New(o.sim)
	if err != nil {
		return st, err
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	sent, bad, repeats := &st.sent, &st.malformed, &st.repeats
	carry := 0.0
	lastReport := began
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(out, "simulate: stopped after %d records (%d malformed, %d repeats)\n", *sent, *bad, *repeats)
			return st, nil
		case now := <-tick.C:
			elapsed := now.Sub(began)
			if o.seconds > 0 && elapsed.Seconds() >= o.seconds {
				fmt.Fprintf(out, "simulate: %d records in %s (%d malformed, %d repeats), scenario %s\n", *sent, elapsed.Round(time.Second), *bad, *repeats, o.sim.Scenario)
				return st, nil
			}
			at := start.Add(time.Duration(elapsed.Seconds() * o.speed * float64(time.Second)))
			carry += o.rate / 10 * simulate.Rhythm(at)
			var msgs []kafka.Message
			for ; carry >= 1; carry-- {
				r := gen.Next(at.Add(-time.Duration(len(msgs)) * time.Millisecond))
				msgs = append(msgs, kafka.Message{Topic: names.Raw(r.Agency), Value: r.Value})
				if r.Malformed {
					*bad++
				}
				if r.Repeat {
					*repeats++
				}
			}
			if err := w.WriteMessages(ctx, msgs...); err != nil && ctx.Err() == nil {
				return st, fmt.Errorf("cannot publish: %w", err)
			}
			*sent += len(msgs)
			if now.Sub(lastReport) >= 10*time.Second {
				lastReport = now
				fmt.Fprintf(out, "simulate: %d records, event time %s\n", *sent, at.Format(time.RFC3339))
			}
		}
	}
}
