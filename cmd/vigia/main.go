// Command vigia is the single binary of the Vigía pipeline: it migrates the storage, validates
// agency files, runs the stages (internal/pipeline), feeds them (producers/) and reads the DLQ.
// It parses flags and calls into packages; packages hold no global state.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code through cobra without printing twice.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := newRootCmd().ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	default:
		fmt.Fprintln(os.Stderr, "vigia:", err)
		os.Exit(2)
	}
}

func newRootCmd() *cobra.Command {
	var g globals
	root := &cobra.Command{
		Use:           "vigia",
		Short:         "Real-time migration flow monitoring: Kafka in, ClickHouse and alerts out",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", os.Getenv("VIGIA_CONFIG"),
		"YAML config file (env VIGIA_CONFIG); VIGIA_* variables override it")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nrun '%s --help' for the flags", err, c.CommandPath())
	})
	root.AddCommand(newVersionCmd(), newMigrateCmd(&g), newValidateCmd(&g), newRunCmd(&g), newDLQCmd(&g), newBacktestCmd(), newEvaluateCmd(), newDashboardsCmd(), newHealthCmd(), newReplayCmd(&g), newDemoCmd(&g), newPublishCmd(&g), newSimulateCmd(&g), newStatusCmd(&g), newKafkaCmd(&g), newAgenciesCmd(&g))
	root.AddCommand(newExportCmd(&g), newDisclosureCmd(&g), newRetentionCmd(&g), newEventsCmd(&g), newBulletinCmd(&g))
	root.AddCommand(newKeysCmd())
	return root
}
