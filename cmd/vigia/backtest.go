package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/lib/surge"
)

type backtestOpts struct {
	resolution, method, format string
	minCount                   float64
	poissonFloor               bool
	baseline                   int
}

func newBacktestCmd() *cobra.Command {
	var o backtestOpts
	cmd := &cobra.Command{
		Use:   "backtest FILE.csv",
		Short: "Run the surge detector over a count series and show the alarm periods",
		Long: `Backtest reads a CSV with the columns t,n (optionally a series column: each series is
judged alone), runs the same detector code as the live pipeline at the given resolution and
method, and prints every judged period: observed, expected, the upper bound and alarm at the
warning level, and severity (none, watch, warning, alert; below --min-count none). With
--resolution week or month --poisson-floor=false --min-count 0, C1, C2 and C3 give exactly
R's surveillance::earsC verdicts. CUSUM is the change-point method: a negative binomial
CUSUM whose reference is frozen when a run begins (see vigia evaluate for how each method
does on the region's documented surges).
The defaults are the live pipeline's: at day and hour, C2 over 28 periods with the Poisson
floor and levels 0.001 / 0.00001 / 0.000001 (watch / warning / alert); at week and month,
which are not judged live, C2 at R's levels (0.01 / 0.001 / 0.0001) with the floor. t is written per resolution: hour 2023-08-14T09,
day and week 2023-08-14 (a week by its first day), month 2023-08; the series must have every
period in order.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return backtest(cmd.OutOrStdout(), args[0], o) },
	}
	cmd.Flags().StringVar(&o.resolution, "resolution", "month", "period of the series: hour, day, week or month")
	cmd.Flags().StringVar(&o.method, "method", surge.DefaultDetector().Method, "detector: C1, C2, C3 (EARS, as R's surveillance::earsC), seasonal (quasi-Poisson on the same season of past cycles), EWMA, CUSUM (negative binomial, the reference frozen at the onset) or noufaily (improved Farrington, CUSUM until three cycles of history)")
	cmd.Flags().IntVar(&o.baseline, "baseline", 0, "reference periods of C1, C2, C3 and EWMA (default: 28 for day and hour, as live; 7 for week and month, as R)")
	cmd.Flags().BoolVar(&o.poissonFloor, "poisson-floor", surge.DefaultDetector().PoissonFloor, "keep the EARS standard deviation at least sqrt(mean); --poisson-floor=false gives R's exact EARS")
	cmd.Flags().StringVar(&o.format, "format", "text", "output: text, csv (t,observed,expected,upper,alarm,severity) or json")
	cmd.Flags().Float64Var(&o.minCount, "min-count", -1, "least observed count that can raise a severity level (default: 50 at month, 12 at week, 5 at day and hour; 0: any count, as R)")
	return cmd
}

func backtest(w io.Writer, path string, o backtestOpts) error {
	res, err := surge.ParseResolution(o.resolution)
	if err != nil {
		return fmt.Errorf("--resolution: %w", err)
	}
	if o.format != "text" && o.format != "csv" && o.format != "json" {
		return fmt.Errorf("--format %q: must be text, csv or json", o.format)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	series, err := surge.ReadSeries(f, res)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	d := surge.DefaultDetector()
	if res == surge.Daily || res == surge.Hourly {
		d = surge.LiveDetector() // exactly what the live pipeline judges these windows with
	}
	d.Method, d.Frequency, d.MinCount, d.PoissonFloor = o.method, res.Frequency(), o.minCount, o.poissonFloor
	switch {
	case o.minCount < 0:
		d.MinCount = surge.MinCountFor(res)
	case o.minCount == 0:
		d.MinCount = -1 // any count
	}
	if o.baseline > 0 {
		d.Baseline = o.baseline
	}
	type row struct {
		Series   string  `json:"series,omitempty"`
		T        string  `json:"t"`
		Observed float64 `json:"observed"`
		Expected float64 `json:"expected"`
		Upper    float64 `json:"upper"`
		Alarm    bool    `json:"alarm"`
		Severity string  `json:"severity"`
	}
	var rows []row
	for _, s := range series {
		vs, err := d.Run(s.Counts)
		if err != nil {
			return fmt.Errorf("--method: %w", err)
		}
		for _, v := range vs {
			rows = append(rows, row{s.Name, s.Labels[v.Index], v.Observed, v.Expected, v.Upper, v.Alarm, v.Severity.String()})
		}
	}
	switch o.format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case "csv":
		fmt.Fprintln(w, "t,observed,expected,upper,alarm,severity"+map[bool]string{true: ",series"}[len(series) > 1])
		for _, r := range rows {
			line := r.T + "," + num(r.Observed) + "," + num(r.Expected) + "," + num(r.Upper) + "," + strconv.FormatBool(r.Alarm) + "," + r.Severity
			if len(series) > 1 {
				line += "," + r.Series
			}
			fmt.Fprintln(w, line)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "series\tt\tobserved\texpected\tupper\talarm\tseverity\t")
	for _, r := range rows {
		mark := ""
		if r.Alarm {
			mark = "ALARM"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t%.1f\t%s\t%s\t\n", r.Series, r.T, r.Observed, r.Expected, r.Upper, mark, r.Severity)
	}
	return tw.Flush()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
