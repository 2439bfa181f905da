package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/schemas"
)

type dlqOpts struct {
	agency, reason string
	since          time.Duration
	partition      int
	offset         int64
	dryRun         bool
}

func newDLQCmd(g *globals) *cobra.Command {
	var o dlqOpts
	cmd := &cobra.Command{Use: "dlq", Short: "Inspect and replay the dead-letter topic"}
	filters := func(c *cobra.Command) {
		c.Flags().StringVar(&o.agency, "agency", "", "only this agency's records")
		c.Flags().StringVar(&o.reason, "reason", "", "only this reason code (see docs/publishing.md)")
		c.Flags().DurationVar(&o.since, "since", 0, "only records rejected within this duration, e.g. 24h (default: all retained)")
	}
	list := &cobra.Command{
		Use: "list", Short: "Summarize the DLQ by agency and reason (clear headers only; no key needed)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, recs, err := readDLQ(cmd.Context(), g, o)
			if err != nil {
				return err
			}
			printSummary(cmd.OutOrStdout(), cfg, dlq.Summarize(recs))
			return nil
		},
	}
	filters(list)
	show := &cobra.Command{
		Use: "show", Short: "Decrypt one DLQ record for an operator holding VIGIA_DLQ_KEYS", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return showDLQ(cmd, g, o) },
	}
	show.Flags().IntVar(&o.partition, "partition", 0, "DLQ partition of the record")
	show.Flags().Int64Var(&o.offset, "offset", -1, "DLQ offset of the record (required)")
	replay := &cobra.Command{
		Use:   "replay",
		Short: "Re-publish DLQ records (decrypted) to the raw topic they came from, once the cause is fixed",
		Long: `Replay re-publishes the original bytes of the selected DLQ records to their source topic,
so they go through validation again: fixed causes (an updated points registry for unknown_point,
say) now pass, the others come back to the DLQ. Replaying twice is harmless: deduplication drops
the second copy of an (agency, event_id).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return replayDLQ(cmd, g, o) },
	}
	filters(replay)
	replay.Flags().BoolVar(&o.dryRun, "dry-run", false, "count what would be replayed, publish nothing")
	cmd.AddCommand(list, show, replay)
	return cmd
}

// readDLQ reads the retained DLQ records that pass the filters.
func readDLQ(ctx context.Context, g *globals, o dlqOpts) (config.Config, []dlq.Record, error) {
	cfg, err := g.config()
	if err != nil {
		return cfg, nil, err
	}
	if o.reason != "" {
		if _, ok := schemas.ParseReason(o.reason); !ok {
			return cfg, nil, fmt.Errorf("--reason %q is not a reason code (see docs/publishing.md)", o.reason)
		}
	}
	f := dlq.Filter{Agency: o.agency, Reason: o.reason}
	if o.since > 0 {
		f.Since = time.Now().Add(-o.since)
	}
	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	kc, err := kclient.New(cfg.Kafka.Client())
	if err != nil {
		return cfg, nil, err
	}
	defer kc.Close()
	n, err := kc.Partitions(ctx, names.DLQ())
	if err != nil {
		return cfg, nil, err
	}
	var recs []dlq.Record
	for p := 0; p < n; p++ {
		_, err := kc.ReadRange(ctx, names.DLQ(), p, f.Since, func(m kafka.Message) error {
			r, err := dlq.Parse(m)
			if err == nil && f.Match(r) {
				recs = append(recs, r)
			}
			return nil
		})
		if err != nil {
			return cfg, nil, err
		}
	}
	return cfg, recs, nil
}

func printSummary(w io.Writer, cfg config.Config, rows []dlq.SummaryRow) {
	if len(rows) == 0 {
		fmt.Fprintf(w, "%s.dlq holds no record matching the filters\n", cfg.Kafka.TopicPrefix)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AGENCY\tREASON\tCOUNT\tFIRST\tLAST\tEXAMPLE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", r.Agency, r.Reason, r.Count,
			r.First.Format(time.RFC3339), r.Last.Format(time.RFC3339), r.Example)
	}
	tw.Flush()
}

func showDLQ(cmd *cobra.Command, g *globals, o dlqOpts) error {
	if o.offset < 0 {
		return fmt.Errorf("--offset is required (see `vigia dlq list`)")
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	keys, err := secrets.LoadKeyRing(environ(), "VIGIA_DLQ_KEYS", dlq.KeySize)
	if err != nil {
		return err
	}
	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	kc, err := kclient.New(cfg.Kafka.Client())
	if err != nil {
		return err
	}
	defer kc.Close()
	r := kc.Reader(kafka.ReaderConfig{Topic: names.DLQ(), Partition: o.partition, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(o.offset); err != nil {
		return fmt.Errorf("cannot seek %s[%d] to %d: %w", names.DLQ(), o.partition, o.offset, err)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), 10*time.Second)
	defer cancel()
	m, err := r.FetchMessage(ctx)
	if err != nil {
		return fmt.Errorf("cannot read %s[%d] at %d: %w", names.DLQ(), o.partition, o.offset, err)
	}
	rec, err := dlq.Parse(m)
	if err != nil {
		return err
	}
	orig, err := dlq.Open(keys, rec)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "reason:   %s (%s)\npath:     %s\nmessage:  %s\nall:      %s\nagency:   %s\nsource:   %s[%d] offset %d\nrejected: %s\n",
		rec.Reason, rec.Reason.Help(), rec.Path, rec.Message, rec.Errors, rec.Agency, rec.Topic, rec.Partition, rec.Offset, rec.Time.Format(time.RFC3339))
	if rec.Truncated > 0 {
		fmt.Fprintf(out, "truncated: the first %d of %d bytes; the whole record is in %s[%d] at offset %d while retained\n", len(orig), rec.Truncated, rec.Topic, rec.Partition, rec.Offset)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "the record below may hold personal data: handle it under the observatory's data policy\n")
	fmt.Fprintf(out, "record:   %s\n", orig)
	return nil
}

func replayDLQ(cmd *cobra.Command, g *globals, o dlqOpts) error {
	cfg, recs, err := readDLQ(cmd.Context(), g, o)
	if err != nil {
		return err
	}
	keys, err := secrets.LoadKeyRing(environ(), "VIGIA_DLQ_KEYS", dlq.KeySize)
	if err != nil {
		return err
	}
	raw := topics.Names{Prefix: cfg.Kafka.TopicPrefix}.RawPattern()
	var msgs []kafka.Message
	skipped := 0
	for _, r := range recs {
		if !raw.MatchString(r.Topic) || r.Truncated > 0 {
			skipped++ // rows ClickHouse refused are not agency records; a truncated copy is not the record
			continue
		}
		b, err := dlq.Open(keys, r)
		if err != nil {
			return fmt.Errorf("record %s[%d]@%d: %w", r.Topic, r.Partition, r.Offset, err)
		}
		msgs = append(msgs, kafka.Message{Topic: r.Topic, Value: b})
	}
	out := cmd.OutOrStdout()
	if o.dryRun {
		fmt.Fprintf(out, "would replay %d record(s); %d skipped (not from an agency topic, or truncated)\n", len(msgs), skipped)
		return nil
	}
	// Back into the agencies' raw topics, which only the agencies and the administrator write.
	kc, err := kclient.New(cfg.Kafka.AdminClient())
	if err != nil {
		return err
	}
	defer kc.Close()
	w := kc.Writer(kclient.WriterConfig{BatchTimeout: 5 * time.Millisecond})
	defer w.Close()
	if err := w.WriteMessages(cmd.Context(), msgs...); err != nil {
		return fmt.Errorf("cannot re-publish: %w", err)
	}
	fmt.Fprintf(out, "replayed %d record(s) to %s; %d skipped (not from an agency topic, or truncated)\n", len(msgs), strings.Join(uniqueTopics(msgs), ", "), skipped)
	return nil
}

func uniqueTopics(msgs []kafka.Message) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range msgs {
		if !seen[m.Topic] {
			seen[m.Topic] = true
			out = append(out, m.Topic)
		}
	}
	return out
}
