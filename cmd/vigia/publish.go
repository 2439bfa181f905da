package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/producers/publish"
	"github.com/vigia-observatory/vigia/schemas"
)

func newPublishCmd(g *globals) *cobra.Command {
	var agency, mapping string
	cmd := &cobra.Command{
		Use:   "publish --agency ID [--mapping FILE] FILE...",
		Short: "Validate an agency's files (CSV or NDJSON) and publish the good records to its raw topic",
		Long: `Publish reads NDJSON files (one event per line) or CSV files through a mapping file (see
docs/examples/*.mapping.yaml), checks every record against the event contract before
anything is sent, and publishes the good ones to <prefix>.raw.<agency>. Each bad record is
listed as FILE:LINE: FIELD: REASON: message and not sent. Event ids come from the file (or
from the mapping's event_id columns, or a hash of the line), so publishing a file twice
stores its events once. Exit 1 when any record was rejected. SASL and TLS come from the
config (kafka.sasl_mechanism, kafka.tls; password in VIGIA_KAFKA_SASL_PASSWORD).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			if !topics.AgencyPattern.MatchString(agency) {
				return fmt.Errorf("--agency %q: give the agency id, e.g. hn-inm (letters, digits, - and _)", agency)
			}
			var m *publish.Mapping
			if mapping != "" {
				if m, err = publish.LoadMapping(mapping); err != nil {
					return err
				}
			}
			tty := term.IsTerminal(int(os.Stderr.Fd()))
			_, err = runPublish(cmd.Context(), cfg, agency, m, files, cmd.OutOrStdout(), cmd.ErrOrStderr(), tty)
			return err
		},
	}
	cmd.Flags().StringVar(&agency, "agency", "", "the publishing agency's id (required)")
	cmd.Flags().StringVar(&mapping, "mapping", "", "mapping file for CSV files")
	_ = cmd.MarkFlagRequired("agency")
	return cmd
}

func runPublish(ctx context.Context, cfg config.Config, agency string, m *publish.Mapping, files []string, out, errOut io.Writer, progress bool) (publish.Summary, error) {
	points, err := schemas.RegionPoints()
	if err != nil {
		return publish.Summary{}, err
	}
	kc, err := kclient.New(cfg.Kafka.Client())
	if err != nil {
		return publish.Summary{}, err
	}
	defer kc.Close()
	names := topics.Names{Prefix: cfg.Kafka.TopicPrefix}
	w := kc.Writer(kclient.WriterConfig{BatchTimeout: 5 * time.Millisecond})
	defer w.Close()
	pc := publish.Config{Agency: agency, Topic: names.Raw(agency), Mapping: m, Producer: w,
		Validator: &schemas.Validator{Points: points, MaxCount: cfg.Validation.MaxCount, MaxClockSkew: cfg.Validation.MaxClockSkew}}
	if progress {
		pc.Progress = errOut
	}
	s, err := publish.Files(ctx, pc, files)
	for _, b := range s.Bad {
		fmt.Fprintln(errOut, b)
	}
	fmt.Fprintf(out, "%d records read from %d file(s); %d sent to %s; %d rejected%s\n",
		s.Read, len(files), s.Sent, pc.Topic, s.Rejected, byReason(s.ByReason))
	if errors.Is(err, kafka.UnknownTopicOrPartition) {
		return s, fmt.Errorf("the topic %s does not exist: the observatory creates one per agency (pipeline.agencies); check --agency and the topic prefix", pc.Topic)
	}
	if err != nil {
		return s, err
	}
	if s.Rejected > 0 {
		return s, exitError{1}
	}
	return s, nil
}

func byReason(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	return " (" + joinCounts(m, "%d") + ")"
}
