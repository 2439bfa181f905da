package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/vigia-observatory/vigia/internal/pipeline"
)

func newRunCmd(g *globals) *cobra.Command {
	var stages []string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the pipeline stages (all by default) until SIGTERM or SIGINT",
		Long: `Run consumes the agencies' raw topics and runs the stages, in data order:

` + stageTable() + `
Each stage is a consumer group, so running the same command on more machines shares the
partitions; notify is one consumer group per route of surge.routes_file. A stage that cannot
start or fails stops the others cleanly and the command exits non-zero, naming it. On SIGTERM
or SIGINT every stage stops reading, flushes, commits what was delivered and the process exits
0 within pipeline.shutdown_grace; a second signal exits at once.

Keys come from the environment only: VIGIA_PSEUDONYM_KEYS, VIGIA_EVENT_KEYS, VIGIA_DLQ_KEYS
and VIGIA_ALERT_KEYS (or *_FILE); make each with vigia keys generate.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			sel, err := pipeline.ParseStages(stages)
			if err != nil {
				return err
			}
			log := newLogger(cfg.LogLevel, cmd.ErrOrStderr())
			if os.Getenv("GOMEMLIMIT") == "" {
				// The runtime collects harder as the heap nears the budget instead of growing past it.
				debug.SetMemoryLimit(int64(cfg.Pipeline.MemoryBudgetMiB) << 20)
			}
			ctx := cmd.Context()
			done := make(chan error, 1)
			go func() {
				done <- pipeline.Run(ctx, pipeline.Options{Config: cfg, Stages: sel, Environ: environ(), Log: log})
			}()
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
			}
			log.Info().Dur("grace", cfg.Pipeline.Shutdown).Msg("stopping: flushing and committing")
			again := make(chan os.Signal, 1)
			signal.Notify(again, os.Interrupt, syscall.SIGTERM)
			defer signal.Stop(again)
			return awaitStop(done, again, time.After(cfg.Pipeline.Shutdown), log)
		},
	}
	cmd.Flags().StringSliceVar(&stages, "stage", nil, "stages to run, comma-separated: "+strings.Join(pipeline.Stages(), ", ")+" (default all)")
	return cmd
}

// stageTable lists the declared stage graph: each stage, what it reads and what it writes.
func stageTable() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, s := range pipeline.Graph() {
		fmt.Fprintf(tw, "  %s\t%s\t-> %s\n", s.Name, s.Inputs, s.Outputs)
	}
	_ = tw.Flush()
	return b.String()
}

// awaitStop waits, after the first signal, for the pipeline to flush and commit; a second
// signal exits at once (130), and so does the end of the grace period (1).
func awaitStop(done <-chan error, again <-chan os.Signal, grace <-chan time.Time, log zerolog.Logger) error {
	select {
	case err := <-done:
		return err
	case <-again:
		log.Warn().Msg("second signal: exiting at once; uncommitted records will be replayed")
		return exitError{130}
	case <-grace:
		log.Error().Msg("shutdown grace period over; exiting with records uncommitted (they will be replayed)")
		return exitError{1}
	}
}

// newLogger writes JSON lines; records' content never reaches it.
func newLogger(level string, w io.Writer) zerolog.Logger {
	l, err := zerolog.ParseLevel(level)
	if err != nil {
		l = zerolog.InfoLevel
	}
	return zerolog.New(w).Level(l).With().Timestamp().Str("service", "vigia").Logger()
}
