package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/processors/surge"
)

type backtestOpts struct {
	resolution, method, format string
	minCount                   float64
	poissonFloor               bool
}

func newBacktestCmd() *cobra.Command {
	var o backtestOpts
	cmd := &cobra.Command{
		Use:   "backtest FILE.csv",
		Short: "Run the surge detector over a count series and show the alarm periods",
		Long: `Backtest reads a CSV with the columns t,n (optionally a series column: each series is
judged alone), runs the same detector code as the live pipeline at the given resolution and
method, and prints every judged period: observed, expected, the upper bound and alarm at the
warning level (for C1, C2 and C3 exactly R's surveillance verdict, apart from counts under
--min-count), and severity (none, watch,
warning, alert; below --min-count none).
The defaults are the live pipeline's. t is written per resolution: hour 2023-08-14T09,
day and week 2023-08-14 (a week by its first day), month 2023-08; the series must have every
period in order.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return backtest(cmd.OutOrStdout(), args[0], o) },
	}
	cmd.Flags().StringVar(&o.resolution, "resolution", "month", "period of the series: hour, day, week or month")
	cmd.Flags().StringVar(&o.method, "method", surge.DefaultDetector().Method, "detector: C1, C2, C3 (EARS, as R's surveillance::earsC), seasonal (quasi-Poisson on the same season of past cycles) or EWMA")
	cmd.Flags().BoolVar(&o.poissonFloor, "poisson-floor", surge.DefaultDetector().PoissonFloor, "keep the EARS standard deviation at least sqrt(mean); --poisson-floor=false gives R's exact EARS")
	cmd.Flags().StringVar(&o.format, "format", "text", "output: text, csv (t,observed,expected,upper,alarm,severity) or json")
	cmd.Flags().Float64Var(&o.minCount, "min-count", 5, "least observed count that can raise a severity level")
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
	d := surge.Detector{Method: o.method, Frequency: frequency[res], MinCount: o.minCount, PoissonFloor: o.poissonFloor}
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

// frequency is the periods per seasonal cycle of each resolution.
var frequency = map[surge.Resolution]int{surge.Hourly: 24, surge.Daily: 7, surge.Weekly: 52, surge.Monthly: 12}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
