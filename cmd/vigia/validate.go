package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/schemas"
)

type validateOpts struct {
	agency string
	format string
}

func newValidateCmd(g *globals) *cobra.Command {
	var o validateOpts
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check NDJSON or JSON event files against the event contract, offline",
		Long: `Validate reads NDJSON (one event per line) or JSON (one event, or an array of events;
files ending in .json) and prints one line per bad record:

  FILE:LINE: FIELD_PATH: REASON_CODE: message

It exits 1 when any record is bad, 0 when all are valid. Reason codes are listed in
docs/publishing.md. With --agency, records whose agency differs are rejected (agency_mismatch),
as the ingest stage does for the agency's topic.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if o.format != "text" && o.format != "json" {
				return fmt.Errorf("--format %q: must be text or json", o.format)
			}
			cfg, err := g.config()
			if err != nil {
				return err
			}
			ps, err := schemas.RegionPoints()
			if err != nil {
				return err
			}
			chk := &schemas.Checker{Validator: &schemas.Validator{
				Points: ps, MaxCount: cfg.Validation.MaxCount, MaxClockSkew: cfg.Validation.MaxClockSkew,
			}}
			s := validateSummary{byReason: map[string]int{}}
			for _, f := range files {
				if err := validateFile(f, chk, o, &s, cmd.OutOrStdout()); err != nil {
					return err
				}
			}
			s.print(cmd.ErrOrStderr())
			if s.bad > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.agency, "agency", "", "agency id the records must carry (as on its topic vigia.raw.<agency>)")
	cmd.Flags().StringVar(&o.format, "format", "text", "output: text (one line per bad record) or json (one object per bad record, all errors)")
	return cmd
}

type validateSummary struct {
	records, bad int
	byReason     map[string]int
}

func (s *validateSummary) print(w io.Writer) {
	codes := make([]string, 0, len(s.byReason))
	for c := range s.byReason {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s %d", c, s.byReason[c])
	}
	fmt.Fprintf(w, "%d records, %d valid, %d bad", s.records, s.records-s.bad, s.bad)
	if len(parts) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintln(w)
}

func validateFile(name string, chk *schemas.Checker, o validateOpts, s *validateSummary, out io.Writer) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", name, err)
	}
	defer f.Close()
	report := func(line int, rec []byte) error {
		var ev schemas.Event
		var errs schemas.Errors
		s.records++
		chk.Check(rec, o.agency, &ev, &errs)
		if len(errs) == 0 {
			return nil
		}
		s.bad++
		s.byReason[errs[0].Reason.String()]++
		printBad(out, o.format, name, line, errs)
		return nil
	}
	return schemas.EachRecord(f, name, report)
}

func printBad(w io.Writer, format, name string, line int, errs schemas.Errors) {
	if format == "json" {
		type jerr struct {
			Path    string `json:"path"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
		}
		out := struct {
			File   string `json:"file"`
			Line   int    `json:"line"`
			Errors []jerr `json:"errors"`
		}{File: name, Line: line}
		for _, e := range errs {
			out.Errors = append(out.Errors, jerr{e.Path, e.Reason.String(), e.Message})
		}
		b, _ := json.Marshal(out)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	e := errs[0]
	path := e.Path
	if path == "" {
		path = "-"
	}
	fmt.Fprintf(w, "%s:%d: %s: %s: %s", name, line, path, e.Reason, e.Message)
	if len(errs) > 1 {
		more := make([]string, 0, len(errs)-1)
		for _, x := range errs[1:] {
			more = append(more, x.Reason.String()+" at "+x.Path)
		}
		fmt.Fprintf(w, " (also: %s)", strings.Join(more, "; "))
	}
	fmt.Fprintln(w)
}
