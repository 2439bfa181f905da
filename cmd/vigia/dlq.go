package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

type dlqOpts struct {
	agency, code string
	since        time.Duration
	partition    int
	offset       int64
	dryRun       bool
	why          string // --reason of show and replay: why the operator reads, for the audit trail
	keysFile     string // --keys-file: an agency's ring
	out          string // key --out
}

const keysHelp = `Keys: the master ring VIGIA_DLQ_KEYS (or VIGIA_DLQ_KEYS_FILE) opens every record, those
sealed before per-agency keys too; an agency's ring, from ` + "`vigia dlq key --agency ID`" + `, given
as --keys-file FILE or VIGIA_DLQ_AGENCY_KEYS=agency:id:base64[,...] (or
VIGIA_DLQ_AGENCY_KEYS_FILE), opens that agency's records only and refuses the others. When
several are given the narrowest is used: --keys-file, then VIGIA_DLQ_AGENCY_KEYS, then
VIGIA_DLQ_KEYS.

Audit: --reason "why" is required. Before anything is decrypted, one record of the invocation
(operating-system user, Kafka principal, time, the records' positions and agencies, the key
scope, the reason) is written to ClickHouse (<database>.dlq_audit) and to the log; if it
cannot be written, nothing is shown or replayed.`

func newDLQCmd(g *globals) *cobra.Command {
	var o dlqOpts
	cmd := &cobra.Command{Use: "dlq", Short: "Inspect and replay the dead-letter topic"}
	filters := func(c *cobra.Command) {
		c.Flags().StringVar(&o.agency, "agency", "", "only this agency's records")
		c.Flags().StringVar(&o.code, "code", "", "only this reason code (see docs/publishing.md)")
		c.Flags().DurationVar(&o.since, "since", 0, "only records rejected within this duration, e.g. 24h (default: all retained)")
	}
	list := &cobra.Command{
		Use: "list", Short: "Summarize the DLQ by agency and reason (clear headers only; no key needed)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			if err := checkCode(o.code); err != nil {
				return err
			}
			recs, err := readDLQ(cmd.Context(), cfg, dlqFilter(o, time.Now()))
			if err != nil {
				return err
			}
			printSummary(cmd.OutOrStdout(), cfg, dlq.Summarize(recs))
			return nil
		},
	}
	filters(list)
	// --reason was the reason-code filter before it became the audit's why on show and replay;
	// list keeps it as a deprecated alias so scripts go on working.
	list.Flags().StringVar(&o.code, "reason", "", "deprecated: use --code")
	_ = list.Flags().MarkDeprecated("reason", "use --code")
	show := &cobra.Command{
		Use:   "show",
		Short: "Decrypt one DLQ record, leaving an audit record (needs a DLQ key and --reason)",
		Long:  "Show decrypts one DLQ record and prints it with its clear headers.\n\n" + keysHelp,
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return showDLQ(cmd, g, o) },
	}
	show.Flags().IntVar(&o.partition, "partition", 0, "DLQ partition of the record")
	show.Flags().Int64Var(&o.offset, "offset", -1, "DLQ offset of the record (required)")
	replay := &cobra.Command{
		Use:   "replay",
		Short: "Re-publish DLQ records (decrypted) to the raw topic they came from, once the cause is fixed",
		Long: `Replay re-publishes the original bytes of the selected DLQ records to their source topic,
so they go through validation again: fixed causes (an updated points registry for unknown_point,
say) now pass, the others come back to the DLQ. Replaying twice is harmless: deduplication drops
the second copy of an (agency, event_id). With --dry-run it only counts (decrypting nothing, so
it needs no --reason and leaves no audit record).

` + keysHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return replayDLQ(cmd, g, o) },
	}
	filters(replay)
	replay.Flags().BoolVar(&o.dryRun, "dry-run", false, "count what would be replayed, publish nothing")
	for _, c := range []*cobra.Command{show, replay} {
		c.Flags().StringVar(&o.why, "reason", "", `why you read or replay these records, in words (required; goes to the audit trail; no personal data)`)
		c.Flags().StringVar(&o.keysFile, "keys-file", "", "read an agency's DLQ key ring from `FILE` (as vigia dlq key --out writes it) instead of VIGIA_DLQ_KEYS")
	}
	key := &cobra.Command{
		Use:   "key",
		Short: "Derive one agency's DLQ key ring from the master ring, for an operator who may read that agency's records only",
		Long: `Key derives the agency's ring from the master ring (VIGIA_DLQ_KEYS): one entry
agency:id:base64 per master key, with the master key's id, which ` + "`vigia dlq show|replay --keys-file`" + `
and VIGIA_DLQ_AGENCY_KEYS read. It opens the records of that agency sealed with per-agency
keys, not another agency's, not records sealed before per-agency keys (the master ring opens
those). After a rotation of VIGIA_DLQ_KEYS, derive it again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return keyDLQ(cmd, o) },
	}
	key.Flags().StringVar(&o.agency, "agency", "", "the agency (required)")
	key.Flags().StringVar(&o.out, "out", "", "write the ring to this new file (mode 0600; an existing file is never overwritten) instead of standard output")
	cmd.AddCommand(list, show, replay, key)
	return cmd
}

func checkCode(code string) error {
	if code != "" {
		if _, ok := schemas.ParseReason(code); !ok {
			return fmt.Errorf("--code %q is not a reason code (see docs/publishing.md)", code)
		}
	}
	return nil
}

// readDLQ reads the retained DLQ records that pass the filter (clear headers only).
func readDLQ(ctx context.Context, cfg config.Config, f dlq.Filter) ([]dlq.Record, error) {
	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	kc, err := kclient.New(cfg.Kafka.Client())
	if err != nil {
		return nil, err
	}
	defer kc.Close()
	n, err := kc.Partitions(ctx, names.DLQ())
	if err != nil {
		return nil, err
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
			return nil, err
		}
	}
	return recs, nil
}

func dlqFilter(o dlqOpts, now time.Time) dlq.Filter {
	f := dlq.Filter{Agency: o.agency, Reason: o.code}
	if o.since > 0 {
		f.Since = now.Add(-o.since)
	}
	return f
}

// describeFilter is the selection of a replay as the audit trail records it.
func describeFilter(f dlq.Filter) string {
	var parts []string
	if f.Agency != "" {
		parts = append(parts, "agency="+f.Agency)
	}
	if f.Reason != "" {
		parts = append(parts, "code="+f.Reason)
	}
	if !f.Since.IsZero() {
		parts = append(parts, "since="+f.Since.UTC().Format(time.RFC3339))
	}
	if len(parts) == 0 {
		return "all retained records"
	}
	return strings.Join(parts, " ")
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

// loadDLQKeys picks the narrowest keys given: --keys-file, VIGIA_DLQ_AGENCY_KEYS(_FILE), then
// the master ring VIGIA_DLQ_KEYS(_FILE).
func loadDLQKeys(env map[string]string, keysFile string) (dlq.Keys, error) {
	agencyFile := func(path, source string) (dlq.Keys, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return dlq.Keys{}, fmt.Errorf("cannot read %s: %w", source, err)
		}
		return dlq.ParseAgencyKeys(string(b), source)
	}
	switch {
	case keysFile != "":
		return agencyFile(keysFile, "--keys-file "+keysFile)
	case env["VIGIA_DLQ_AGENCY_KEYS"] != "":
		return dlq.ParseAgencyKeys(env["VIGIA_DLQ_AGENCY_KEYS"], "VIGIA_DLQ_AGENCY_KEYS")
	case env["VIGIA_DLQ_AGENCY_KEYS_FILE"] != "":
		return agencyFile(env["VIGIA_DLQ_AGENCY_KEYS_FILE"], "VIGIA_DLQ_AGENCY_KEYS_FILE")
	}
	master, err := secrets.LoadKeyRing(env, "VIGIA_DLQ_KEYS", dlq.KeySize)
	if err != nil {
		return dlq.Keys{}, fmt.Errorf("%w; or give an agency's ring (vigia dlq key --agency ID) as --keys-file FILE or VIGIA_DLQ_AGENCY_KEYS", err)
	}
	return dlq.Keys{Master: master, Source: "VIGIA_DLQ_KEYS"}, nil
}

// auditor writes the audit record of one invocation to ClickHouse and to the log before any
// record is decrypted; the commands go on only once ClickHouse acknowledged it.
type auditor struct {
	conn driver.Conn
	db   string
	log  zerolog.Logger
}

func openAuditor(ctx context.Context, cfg config.Config, logTo io.Writer) (*auditor, error) {
	conn, err := chsink.Open(ctx, cfg.ClickHouse)
	if err != nil {
		return nil, fmt.Errorf("%w: ClickHouse is needed for the audit trail, so nothing is shown or replayed: %w", dlq.ErrAudit, err)
	}
	// The audit line is the only one these commands log: always at info, whatever log_level.
	return &auditor{conn: conn, db: cfg.ClickHouse.Database, log: newLogger("info", logTo)}, nil
}

func (a *auditor) Close() { a.conn.Close() }

func (a *auditor) write(ctx context.Context, rec dlq.Audit) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rec.At = time.Now().UTC()
	if err := chsink.InsertDLQAudit(ctx, a.conn, a.db, rec); err != nil {
		a.log.Error().EmbedObject(rec).Err(err).Msg("dlq audit record not written: nothing shown or replayed")
		return fmt.Errorf("%w; nothing was shown or replayed (is the schema migrated? `vigia migrate` creates %s.dlq_audit, migration 010; the ClickHouse user must be allowed to insert there)", err, a.db)
	}
	a.log.Info().EmbedObject(rec).Msg("dlq audit")
	return nil
}

// refuse records a refusal in the audit trail and returns why.
func (a *auditor) refuse(ctx context.Context, rec dlq.Audit, why error) error {
	rec.Refused = why.Error()
	return errors.Join(why, a.write(ctx, rec))
}

func showDLQ(cmd *cobra.Command, g *globals, o dlqOpts) error {
	if err := dlq.CheckReason(o.why, "read this record"); err != nil {
		return err
	}
	if o.offset < 0 {
		return fmt.Errorf("--offset is required (see `vigia dlq list`)")
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	keys, err := loadDLQKeys(environ(), o.keysFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
	defer cancel()
	aud, err := openAuditor(ctx, cfg, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer aud.Close()
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
	fctx, fcancel := context.WithTimeout(ctx, 10*time.Second)
	defer fcancel()
	m, err := r.FetchMessage(fctx)
	if err != nil {
		return fmt.Errorf("cannot read %s[%d] at %d: %w", names.DLQ(), o.partition, o.offset, err)
	}
	rec, err := dlq.Parse(m)
	if err != nil {
		return err
	}
	audit := dlq.NewAudit(dlq.ActionShow, strings.TrimSpace(o.why), time.Now())
	audit.KafkaPrincipal = dlq.KafkaPrincipal(cfg.Kafka.SASLMechanism, cfg.Kafka.SASLUsername)
	audit.KeyScope = keys.Scope()
	audit.Selection = fmt.Sprintf("%s[%d]@%d", names.DLQ(), m.Partition, m.Offset)
	audit.Add(rec)
	if err := keys.Check(rec); err != nil {
		return aud.refuse(ctx, audit, err)
	}
	if err := aud.write(ctx, audit); err != nil {
		return err
	}
	orig, err := keys.Open(rec)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "reason:   %s (%s)\npath:     %s\nmessage:  %s\nall:      %s\nagency:   %s\nsource:   %s[%d] offset %d\nrejected: %s\n",
		rec.Reason, rec.Reason.Help(), rec.Path, rec.Message, rec.Errors, rec.Agency, rec.Topic, rec.Partition, rec.Offset, rec.Time.Format(time.RFC3339))
	if rec.Truncated > 0 {
		fmt.Fprintf(out, "truncated: the first %d of %d bytes; the whole record is in %s[%d] at offset %d while retained\n", len(orig), rec.Truncated, rec.Topic, rec.Partition, rec.Offset)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "the record below may hold personal data: handle it under the observatory's data policy (audit %s)\n", audit.ID)
	fmt.Fprintf(out, "record:   %s\n", orig)
	return nil
}

func replayDLQ(cmd *cobra.Command, g *globals, o dlqOpts) error {
	// A dry run decrypts nothing, so it needs no reason; one given is still checked, since a
	// bare reason code there is the old filter syntax, which would select every record.
	if !o.dryRun || o.why != "" {
		if err := dlq.CheckReason(o.why, "replay these records"); err != nil {
			return err
		}
	}
	if err := checkCode(o.code); err != nil {
		return err
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	keys, err := loadDLQKeys(environ(), o.keysFile)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	var aud *auditor
	if !o.dryRun {
		if aud, err = openAuditor(ctx, cfg, cmd.ErrOrStderr()); err != nil {
			return err
		}
		defer aud.Close()
	}
	now := time.Now()
	filter := dlqFilter(o, now)
	recs, err := readDLQ(ctx, cfg, filter)
	if err != nil {
		return err
	}
	raw := topics.Names{Prefix: cfg.Kafka.TopicPrefix}.RawPattern()
	var selected []dlq.Record
	skipped := 0
	var refused []error
	for _, r := range recs {
		if !raw.MatchString(r.Topic) || r.Truncated > 0 {
			skipped++ // rows ClickHouse refused are not agency records; a truncated copy is not the record
			continue
		}
		if err := keys.Check(r); err != nil {
			refused = append(refused, fmt.Errorf("record %s: %w", dlq.Position(r), err))
		}
		selected = append(selected, r)
	}
	var refusal error
	if len(refused) > 0 {
		refusal = fmt.Errorf("the keys given do not open %d of the %d selected record(s), so none is replayed (narrow the selection, e.g. --agency); the first: %w", len(refused), len(selected), refused[0])
	}
	out := cmd.OutOrStdout()
	if o.dryRun {
		fmt.Fprintf(out, "would replay %d record(s); %d skipped (not from an agency topic, or truncated)\n", len(selected), skipped)
		return refusal
	}
	audit := dlq.NewAudit(dlq.ActionReplay, strings.TrimSpace(o.why), now)
	audit.KafkaPrincipal = dlq.KafkaPrincipal(cfg.Kafka.SASLMechanism, cfg.Kafka.SASLUsername)
	admin := cfg.Kafka.AdminClient().SASL
	audit.KafkaWriter = dlq.KafkaPrincipal(admin.Mechanism, admin.Username)
	audit.KeyScope = keys.Scope()
	audit.Selection = describeFilter(filter)
	for _, r := range selected {
		audit.Add(r)
	}
	if refusal != nil {
		return aud.refuse(ctx, audit, refusal)
	}
	if err := aud.write(ctx, audit); err != nil {
		return err
	}
	msgs := make([]kafka.Message, 0, len(selected))
	for _, r := range selected {
		b, err := keys.Open(r)
		if err != nil {
			return fmt.Errorf("record %s: %w; nothing was replayed", dlq.Position(r), err)
		}
		msgs = append(msgs, kafka.Message{Topic: r.Topic, Value: b})
	}
	// Back into the agencies' raw topics, which only the agencies and the administrator write.
	kc, err := kclient.New(cfg.Kafka.AdminClient())
	if err != nil {
		return err
	}
	defer kc.Close()
	w := kc.Writer(kclient.WriterConfig{BatchTimeout: 5 * time.Millisecond})
	defer w.Close()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("cannot re-publish: %w", err)
	}
	fmt.Fprintf(out, "replayed %d record(s) to %s; %d skipped (not from an agency topic, or truncated); audit %s\n", len(msgs), strings.Join(uniqueTopics(msgs), ", "), skipped, audit.ID)
	return nil
}

// keyDLQ derives an agency's ring from the master ring.
func keyDLQ(cmd *cobra.Command, o dlqOpts) error {
	if o.agency == "" {
		return errors.New("--agency is required: the agency whose DLQ key ring to derive")
	}
	if err := dlq.CheckAgency(o.agency); err != nil {
		return fmt.Errorf("--agency: %w", err)
	}
	spec, err := masterDLQSpec(environ())
	if err != nil {
		return err
	}
	entries, err := dlq.AgencyRing(spec, o.agency)
	if err != nil {
		return fmt.Errorf("cannot read VIGIA_DLQ_KEYS: %w", err)
	}
	note := fmt.Sprintf("this ring opens agency %s's DLQ records only (not those sealed before per-agency keys); derive it again after a rotation of VIGIA_DLQ_KEYS", o.agency)
	if o.out == "" {
		fmt.Fprintln(cmd.OutOrStdout(), strings.Join(entries, ","))
		fmt.Fprintln(cmd.ErrOrStderr(), note+"; give it as VIGIA_DLQ_AGENCY_KEYS")
		return nil
	}
	f, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("--out %s exists: a key file is never overwritten; remove it or name a new one", o.out)
		}
		return fmt.Errorf("cannot create --out: %w", err)
	}
	body := fmt.Sprintf("# Vigía DLQ key ring of agency %s (derived %s from VIGIA_DLQ_KEYS: the last entry is current).\n"+
		"# It opens agency %s's DLQ records only: vigia dlq show|replay --keys-file FILE. Keep it secret.\n%s\n",
		o.agency, time.Now().UTC().Format(time.DateOnly), o.agency, strings.Join(entries, "\n"))
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return fmt.Errorf("cannot write --out: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write --out: %w", err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (0600): %s; give it as --keys-file %s or VIGIA_DLQ_AGENCY_KEYS_FILE\n", o.out, note, o.out)
	return nil
}

// masterDLQSpec is the master ring as written in VIGIA_DLQ_KEYS or its file, checked as the
// pipeline checks it.
func masterDLQSpec(env map[string]string) (string, error) {
	if _, err := secrets.LoadKeyRing(env, "VIGIA_DLQ_KEYS", dlq.KeySize); err != nil {
		return "", fmt.Errorf("vigia dlq key derives from the master ring: %w", err)
	}
	if s := env["VIGIA_DLQ_KEYS"]; s != "" {
		return s, nil
	}
	b, err := os.ReadFile(env["VIGIA_DLQ_KEYS_FILE"])
	if err != nil {
		return "", fmt.Errorf("cannot read VIGIA_DLQ_KEYS_FILE: %w", err)
	}
	return string(b), nil
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
