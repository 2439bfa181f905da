package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/lib/bulletin"
	"github.com/vigia-observatory/vigia/lib/bulletin/outlines"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

type bulletinOpts struct {
	month, week, out string
	langs            []string
	send             bool
}

func newBulletinCmd(g *globals) *cobra.Command {
	o := bulletinOpts{langs: []string{"es"}}
	cmd := &cobra.Command{
		Use:   "bulletin",
		Short: "Write the observatory's bulletin of a month or week: one HTML file per language, charts inline",
		Long: `Bulletin writes a self-contained HTML bulletin (charts inline as SVG, printable to PDF by
any browser) of a month (--period 2023-08) or an ISO week (--week 2023-W34), from the published,
disclosure-protected figures only (<database>_public): headline figures against the previous
period and a year before, a map of the points, the period's surges with their expected band,
children and adolescents, returns with reception and reintegration, and a data note. With
--send it also e-mails the bulletin (HTML attached) to the routes of surge.routes_file that ask
for it (bulletin: true).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			paths, err := writeBulletins(cmd.Context(), cfg, o)
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), "bulletin written:", p)
			}
			if err != nil || !o.send {
				return err
			}
			return sendBulletins(cmd.Context(), cfg, environ(), o, paths, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.month, "period", "", "the month, YYYY-MM (e.g. 2023-08)")
	f.StringVar(&o.week, "week", "", "or the ISO week, YYYY-Www (e.g. 2023-W34)")
	f.StringSliceVar(&o.langs, "lang", o.langs, "languages: es, en or both (es,en)")
	f.StringVar(&o.out, "out", "", "directory to write to (required; created if missing)")
	f.BoolVar(&o.send, "send", false, "e-mail the bulletin to the routes that ask for it (bulletin: true)")
	return cmd
}

// writeBulletins checks the flags, reads the period's published figures once and writes a
// file per language; it returns the files written.
func writeBulletins(ctx context.Context, cfg config.Config, o bulletinOpts) ([]string, error) {
	p, err := bulletin.ParsePeriod(o.month, o.week)
	if err != nil {
		return nil, err
	}
	if o.out == "" {
		return nil, fmt.Errorf("--out: name the directory to write the bulletin to")
	}
	for _, l := range o.langs {
		if !slices.Contains(bulletin.Langs, l) {
			return nil, fmt.Errorf("--lang %q: choose es, en or both (es,en)", l)
		}
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the bulletin's directory: %w", err)
	}
	conn, err := chsink.Open(ctx, cfg.ClickHouse)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	d, err := chsink.Bulletin{Conn: conn, Database: cfg.ClickHouse.Database}.Read(ctx, p)
	if err != nil {
		return nil, err
	}
	cs, err := outlines.Region()
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		d.Outlines = append(d.Outlines, bulletin.Outline{ISO3: c.ISO3, Rings: c.Rings})
	}
	d.DashboardURL = strings.TrimSuffix(cfg.Surge.DashboardURL, "/") + "/d/vigia-overview"
	det := cfg.Surge.Detector()
	d.Method = bulletin.Method{Name: det.Method, Baseline: det.Baseline, MinCount: det.MinCount, Levels: det.Levels}
	var paths []string
	for _, lang := range o.langs {
		path := filepath.Join(o.out, bulletinName(o, lang))
		if err := writeFileAtomic(path, func(w io.Writer) error { return bulletin.Render(w, d, lang) }); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func bulletinName(o bulletinOpts, lang string) string {
	period := o.month
	if period == "" {
		period = o.week
	}
	return fmt.Sprintf("vigia-bulletin-%s-%s.html", period, lang)
}

// writeFileAtomic writes a file under a temporary name and renames it when whole, so a reader
// never sees half a bulletin.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bulletin-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// sendBulletins e-mails the written files to every route that asks for the bulletin.
func sendBulletins(ctx context.Context, cfg config.Config, env map[string]string, o bulletinOpts, paths []string, out io.Writer) error {
	if cfg.Surge.RoutesFile == "" {
		return fmt.Errorf("--send: set surge.routes_file to a routes file with a route that has bulletin: true")
	}
	routes, err := notifier.LoadRoutes(cfg.Surge.RoutesFile, env)
	if err != nil {
		return err
	}
	p, _ := bulletin.ParsePeriod(o.month, o.week) // checked when written
	var files []notifier.Attachment
	for _, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("cannot read the bulletin to send: %w", err)
		}
		files = append(files, notifier.Attachment{Name: filepath.Base(path), ContentType: "text/html; charset=utf-8", Body: b})
	}
	link := strings.TrimSuffix(cfg.Surge.DashboardURL, "/") + "/d/vigia-overview"
	subject := fmt.Sprintf("[Vigía] %s: %s / %s: %s", bulletin.T("es", "title"), bulletin.PeriodName("es", p), bulletin.T("en", "title"), bulletin.PeriodName("en", p))
	body := fmt.Sprintf("%s — %s.\nEl boletín va adjunto (HTML: se abre en cualquier navegador y se imprime en PDF). Tableros en línea: %s\n\n---\n\n%s — %s.\nThe bulletin is attached (HTML: opens in any browser and prints to PDF). Online dashboards: %s\n",
		bulletin.T("es", "title"), bulletin.PeriodName("es", p), link, bulletin.T("en", "title"), bulletin.PeriodName("en", p), link)
	sent := 0
	for _, r := range routes {
		mail, ok := r.Sender.(*notifier.Email)
		if !r.Bulletin || !ok {
			continue
		}
		if err := mail.SendBulletin(ctx, subject, body, files); err != nil {
			return fmt.Errorf("cannot send the bulletin to route %s: %w", r.Name, err)
		}
		fmt.Fprintf(out, "bulletin sent to route %s (%d addresses)\n", r.Name, len(mail.To))
		sent++
	}
	if sent == 0 {
		return fmt.Errorf("--send: no route of %s asks for the bulletin: add bulletin: true to an e-mail route", cfg.Surge.RoutesFile)
	}
	return nil
}
