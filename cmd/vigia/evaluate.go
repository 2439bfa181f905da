package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/lib/surge"
)

type evaluateOpts struct {
	episodes, reference, resolution, format string
}

func newEvaluateCmd() *cobra.Command {
	var o evaluateOpts
	cmd := &cobra.Command{
		Use:   "evaluate --episodes EPISODES.csv SERIES.csv...",
		Short: "Score every surge detector against documented surge episodes, side by side",
		Long: `Evaluate runs each detector Vigía has over the series (CSV t,n, one series per file, named
by the file; or t,n,series) and scores it against documented surge episodes (CSV
series,onset,peak,end,event,source): episodes detected (an alarm from onset to end), of them
before their peak, the mean delay in periods from onset to the first alarm, the delay against
the first method's (R's C1, the classic baseline) on the episodes both detect, false-alarm
periods (alarms outside every episode) and alarms per year. Periods are counted from a year
after each series starts. --reference adds the alarms of other implementations (R's
surveillance, lib/surge/testdata/evaluation_reference.R) as methods of their own.
  vigia evaluate --episodes data/region/episodes.csv \
    --reference lib/surge/testdata/evaluation_reference.csv lib/surge/testdata/series/*.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return evaluate(cmd.OutOrStdout(), args, o) },
	}
	cmd.Flags().StringVar(&o.episodes, "episodes", "", "CSV of documented surge episodes: series,onset,peak,end,event,source (required)")
	cmd.Flags().StringVar(&o.reference, "reference", "", "CSV of other implementations' alarms: method,series,t,alarm")
	cmd.Flags().StringVar(&o.resolution, "resolution", "month", "period of the series: hour, day, week or month")
	cmd.Flags().StringVar(&o.format, "format", "text", "output: text, csv or json")
	return cmd
}

func evaluate(w io.Writer, paths []string, o evaluateOpts) error {
	if o.episodes == "" {
		return fmt.Errorf("--episodes is required: a CSV series,onset,peak,end,event,source")
	}
	if o.format != "text" && o.format != "csv" && o.format != "json" {
		return fmt.Errorf("--format %q: must be text, csv or json", o.format)
	}
	res, err := surge.ParseResolution(o.resolution)
	if err != nil {
		return fmt.Errorf("--resolution: %w", err)
	}
	ev, err := surge.RunEvaluation(res, o.episodes, o.reference, paths)
	if err != nil {
		return err
	}
	return writeEvaluation(w, o.format, ev.Scores)
}

func writeEvaluation(w io.Writer, format string, scores []surge.Score) error {
	type row struct {
		Method        string  `json:"method"`
		Episodes      int     `json:"episodes"`
		Detected      int     `json:"detected"`
		BeforePeak    int     `json:"detected_before_peak"`
		Delay         float64 `json:"mean_delay_periods"`
		VsBaseline    float64 `json:"delay_vs_baseline"`
		Earlier       int     `json:"earlier_than_baseline"`
		Later         int     `json:"later_than_baseline"`
		FalseAlarms   int     `json:"false_alarm_periods"`
		FalsePerYear  float64 `json:"false_alarms_per_year"`
		AlarmsPerYear float64 `json:"alarms_per_year"`
	}
	rows := make([]row, len(scores))
	for i, s := range scores {
		rows[i] = row{s.Method, s.Episodes, s.Detected, s.BeforePeak, s.Delay, s.VsBaseline, s.Earlier, s.Later, s.FalseAlarms, s.FalsePerYear(), s.AlarmsPerYear()}
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		fmt.Fprintln(w, "method,episodes,detected,detected_before_peak,mean_delay_periods,delay_vs_baseline,earlier_than_baseline,later_than_baseline,false_alarm_periods,false_alarms_per_year,alarms_per_year")
		for _, r := range rows {
			fmt.Fprintf(w, "%q,%d,%d,%d,%.2f,%.2f,%d,%d,%d,%.2f,%.2f\n", r.Method, r.Episodes, r.Detected, r.BeforePeak, r.Delay, r.VsBaseline, r.Earlier, r.Later, r.FalseAlarms, r.FalsePerYear, r.AlarmsPerYear)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "method\tdetected\tbefore peak\tmean delay\tvs %s (earlier/later)\tfalse alarms\tfalse / year\talarms / year\t\n", rows[0].Method)
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d / %d\t%d\t%.2f\t%+.2f (%d/%d)\t%d\t%.2f\t%.2f\t\n", r.Method, r.Detected, r.Episodes, r.BeforePeak, r.Delay, r.VsBaseline, r.Earlier, r.Later, r.FalseAlarms, r.FalsePerYear, r.AlarmsPerYear)
	}
	return tw.Flush()
}
