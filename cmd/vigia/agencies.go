package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/internal/access"
	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// adminAccess connects as the administrator (kafka.admin_credentials_file).
func adminAccess(cfg config.Config) (access.Admin, func(), error) {
	kc, err := kclient.New(cfg.Kafka.AdminClient())
	if err != nil {
		return access.Admin{}, nil, err
	}
	layout := topics.Layout{Names: topics.Names{Prefix: cfg.Kafka.TopicPrefix}, Partitions: cfg.Kafka.Partitions,
		ReplicationFactor: cfg.Kafka.ReplicationFactor, DedupHorizon: cfg.Pipeline.DedupHorizon}
	return access.Admin{Kafka: kc, Layout: layout}, kc.Close, nil
}

func newKafkaCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "kafka", Short: "Administer Vigía's Kafka: topics, the agency registry, the pipeline's ACLs"}
	var principal string
	setup := &cobra.Command{
		Use:   "setup",
		Short: "Create the pipeline's topics and the agency registry, and grant the pipeline principal its ACLs (as the administrator)",
		Long: `Setup connects as the administrator (kafka.admin_credentials_file; make services writes
.state/kafka/secrets/admin.env) and creates the pipeline's topics and the agency registry of the
configured prefix, then grants the pipeline principal exactly what the stages need: create,
read and write on the pipeline's own topics, read on the registry and the agencies' raw topics,
its consumer groups. Safe to repeat; make services runs it.`,
		Args: cobra.NoArgs,
		RunE: asAdmin(g, 2*time.Minute, func(ctx context.Context, a access.Admin, w io.Writer, _ []string) error {
			if err := waitReachable(ctx, a.Kafka); err != nil {
				return err
			}
			if err := a.Setup(ctx, principal); err != nil {
				return err
			}
			fmt.Fprintf(w, "kafka setup: topics of prefix %q and the agency registry exist; User:%s has the pipeline's ACLs\n", a.Layout.Names.Prefix, principal)
			return nil
		}),
	}
	setup.Flags().StringVar(&principal, "pipeline-user", access.PipelineUser, "the SCRAM user the stages connect as")
	cmd.AddCommand(setup)
	return cmd
}

// asAdmin is a command's RunE that connects as the administrator and runs f within timeout.
func asAdmin(g *globals, timeout time.Duration, f func(ctx context.Context, a access.Admin, w io.Writer, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cfg, err := g.config()
		if err != nil {
			return err
		}
		a, done, err := adminAccess(cfg)
		if err != nil {
			return err
		}
		defer done()
		ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
		defer cancel()
		return f(ctx, a, cmd.OutOrStdout(), args)
	}
}

// waitReachable waits for a broker that has just started to take authenticated requests; a
// refused password is final.
func waitReachable(ctx context.Context, kc *kclient.Client) error {
	for {
		err := kc.Authenticate(ctx)
		if err == nil || errors.Is(err, kafka.SASLAuthenticationFailed) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func newAgenciesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agencies",
		Short: "Register agencies: each one's Kafka user, raw topic and ACLs (as the administrator)",
		Long: `An agency writes its own raw topic, <prefix>.raw.<id>, and nothing else, as the Kafka user
agency-<id> (SCRAM-SHA-512). Ingest consumes the registered agencies only. These commands
connect as the administrator (kafka.admin_credentials_file).`,
	}
	var out string
	run := func(f func(ctx context.Context, a access.Admin, w io.Writer, args []string) error) func(*cobra.Command, []string) error {
		return asAdmin(g, time.Minute, f)
	}
	issue := func(w io.Writer, id, password string) error {
		text := fmt.Sprintf("# Kafka credentials of agency %s: give them to the agency over a safe channel, with the CA file.\n"+
			"VIGIA_KAFKA_SASL_MECHANISM=scram-sha-512\nVIGIA_KAFKA_SASL_USERNAME=%s\nVIGIA_KAFKA_SASL_PASSWORD=%s\n",
			id, access.AgencyUser(id), password)
		if out == "" {
			_, err := io.WriteString(w, text)
			return err
		}
		// A new file only: an existing one would keep its mode, or be a link elsewhere.
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("cannot write the credentials (--out must name a file that does not exist): %w", err)
		}
		if _, err := f.WriteString(text); err != nil {
			f.Close()
			return fmt.Errorf("cannot write the credentials: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("cannot write the credentials: %w", err)
		}
		fmt.Fprintf(w, "credentials of agency %s written to %s (0600)\n", id, out)
		return nil
	}
	add := &cobra.Command{Use: "add ID", Short: "Register an agency and print its credentials once (or --out FILE)", Args: cobra.ExactArgs(1),
		RunE: run(func(ctx context.Context, a access.Admin, w io.Writer, args []string) error {
			pw, err := a.Add(ctx, args[0])
			if err != nil {
				return err
			}
			return issue(w, args[0], pw)
		})}
	rotate := &cobra.Command{Use: "rotate ID", Short: "Give an agency a new password; the old one is refused from now on", Args: cobra.ExactArgs(1),
		RunE: run(func(ctx context.Context, a access.Admin, w io.Writer, args []string) error {
			pw, err := a.Rotate(ctx, args[0])
			if pw != "" { // handed out even when the broker was slow to take it: the old one is gone
				if ierr := issue(w, args[0], pw); ierr != nil {
					return errors.Join(err, ierr)
				}
			}
			return err
		})}
	for _, c := range []*cobra.Command{add, rotate} {
		c.Flags().StringVar(&out, "out", "", "write the credentials to this file (0600) instead of printing them")
	}
	remove := &cobra.Command{Use: "remove ID", Short: "Remove an agency's user and ACLs (its topic and what it sent are kept)", Args: cobra.ExactArgs(1),
		RunE: run(func(ctx context.Context, a access.Admin, w io.Writer, args []string) error {
			if err := a.Remove(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(w, "agency %s removed: it can no longer connect; %s is kept for its retention and what it sent stays counted\n", args[0], a.Layout.Names.Raw(args[0]))
			return nil
		})}
	list := &cobra.Command{Use: "list", Short: "List the registered agencies", Args: cobra.NoArgs,
		RunE: run(func(ctx context.Context, a access.Admin, w io.Writer, _ []string) error {
			reg, err := access.Registered(ctx, a.Kafka, a.Layout.Names)
			if err != nil {
				return err
			}
			ids := make([]string, 0, len(reg))
			for id := range reg {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "agency\tkafka user\traw topic\tregistered (UTC)\tpassword rotated (UTC)")
			for _, id := range ids {
				r := reg[id]
				user := access.AgencyUser(id)
				if !r.Credentials {
					user = "- (enrolled by a record generator)"
				}
				rotated := "-"
				if !r.RotatedAt.IsZero() {
					rotated = r.RotatedAt.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", id, user, a.Layout.Names.Raw(id), r.RegisteredAt.Format("2006-01-02 15:04"), rotated)
			}
			return tw.Flush()
		})}
	cmd.AddCommand(add, list, rotate, remove)
	return cmd
}
