package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vigia-observatory/vigia/internal/config"
	"github.com/vigia-observatory/vigia/internal/pipeline"
	"github.com/vigia-observatory/vigia/lib/bulletin"
	"github.com/vigia-observatory/vigia/producers/replay"
	"github.com/vigia-observatory/vigia/schemas"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

type demoOpts struct {
	seconds  float64
	from, to string
	logPath  string
	quiet    bool // no screen redraws (CI, logs)

	bulletinDir string
}

// demoSources are every replayed series: the Darién's and Honduras' flows and returns, and
// the observatory's brief (Guatemala's returns through its reception centres, with
// referrals, and consular cases).
var demoSources = []string{"darien", "honduras", "guatemala", "consular"}

func newDemoCmd(g *globals) *cobra.Command {
	o := demoOpts{seconds: 120, from: "2023-01", to: "2023-10", logPath: ".state/demo.log", bulletinDir: ".state/bulletin"}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Replay the 2023 Darién and Honduras surges through the whole pipeline, with a live view",
		Long: `Demo runs every stage in this process on its own topics (prefix "demo") and database
(vigia_demo), both emptied first, and replays the real 2023 statistics of the Darién and
Honduras, and Guatemala's returns through its reception centres with consular cases and
referrals (producers/simulate/PROPORTIONS.md), at an accelerated clock (--seconds for the whole replay). A live view shows events
per second per stage, the DLQ by reason, the open alerts and each alert as it fires. At the
end it checks that every replayed record was stored and that an alert fired (exit 1
otherwise), and prints where the results are. Ctrl-C stops it cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.config()
			if err != nil {
				return err
			}
			return runDemo(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().Float64Var(&o.seconds, "seconds", o.seconds, "wall-clock length of the replay (env DEMO_SECONDS in make demo)")
	cmd.Flags().StringVar(&o.from, "from", o.from, "first month replayed")
	cmd.Flags().StringVar(&o.to, "to", o.to, "last month replayed")
	cmd.Flags().StringVar(&o.logPath, "log", o.logPath, "the pipeline's log file")
	cmd.Flags().StringVar(&o.bulletinDir, "bulletin-dir", o.bulletinDir, "where the demo writes the 2023-08 bulletin")
	cmd.Flags().BoolVar(&o.quiet, "quiet", !term.IsTerminal(int(os.Stdout.Fd())), "print a status line every 5 s instead of redrawing the screen")
	return cmd
}

func runDemo(ctx context.Context, cfg config.Config, o demoOpts, out io.Writer) error {
	if o.seconds <= 0 {
		return fmt.Errorf("--seconds %v must be positive", o.seconds)
	}
	plan := replay.Config{From: o.from, To: o.to, Sources: demoSources}
	days, err := replay.Plan(plan)
	if err != nil {
		return err
	}
	cfg.Kafka.TopicPrefix, cfg.ClickHouse.Database = "demo", "vigia_demo"
	cfg.Pipeline.Agencies = replay.Agencies(demoSources)
	cfg.Pipeline.IdleTimeout = 5 * time.Second
	cfg.Pipeline.StatsInterval = 2 * time.Second
	if cfg.Metrics.Listen, err = freePort(); err != nil {
		return err
	}
	environ := config.Environ()
	demoKeys(environ, out)
	fmt.Fprintf(out, "demo: topics %s.*, database %s, %d days (%s..%s) in %.0f s; the pipeline's log: %s\n",
		cfg.Kafka.TopicPrefix, cfg.ClickHouse.Database, len(days), o.from, o.to, o.seconds, o.logPath)
	conn, err := resetDemo(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	logFile, err := openLog(o.logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()

	pctx, stopPipeline := context.WithCancel(context.Background()) // stopped last, after the view
	piped := make(chan error, 1)
	go func() {
		piped <- pipeline.Run(pctx, pipeline.Options{Config: cfg, Environ: environ, Log: newLogger("info", logFile)})
	}()
	defer func() {
		stopPipeline()
		if err := <-piped; err != nil {
			fmt.Fprintln(out, "demo: pipeline:", err)
		}
	}()

	v := newDemoView(cfg, conn, out, o.quiet)
	v.until = days[len(days)-1].Date.AddDate(0, 0, -1).Format(time.DateOnly)
	replayed := make(chan replayResult, 1)
	go func() {
		res, err := runReplay(ctx, cfg, replayOpts{cfg: plan, daySeconds: o.seconds / float64(len(days))}, io.Discard)
		if err != nil && !errors.Is(err, context.Canceled) {
			fmt.Fprintln(out, "demo: replay:", err)
		}
		replayed <- res
	}()
	res, err := v.run(ctx, replayed)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(out, "\ndemo: stopped; the pipeline is flushing and committing")
		return exitError{130} // as a shell reports an interrupt
	}
	if err != nil {
		return err
	}
	if err := v.finish(ctx, res); err != nil {
		return err
	}
	return demoBulletin(ctx, cfg, conn, o.bulletinDir, out)
}

// demoBulletin waits for a turn of the publish stage that began after everything was stored
// (its brief, written after the figures, is newer), then writes the 2023-08 bulletin of the
// replayed data in Spanish and English.
func demoBulletin(ctx context.Context, cfg config.Config, conn driver.Conn, dir string, out io.Writer) error {
	stored := time.Now()
	q := "SELECT max(version) FROM " + chsink.PublicDatabase(cfg.ClickHouse.Database) + ".brief"
	for deadline := stored.Add(2 * time.Minute); ; {
		var v uint64
		if err := conn.QueryRow(ctx, q).Scan(&v); err != nil {
			return fmt.Errorf("demo: cannot read how far the brief is published: %w", err)
		}
		if time.UnixMilli(int64(v)).After(stored) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: the published layer did not catch up within 2 minutes: no bulletin written")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	paths, err := writeBulletins(ctx, cfg, bulletinOpts{month: "2023-08", langs: bulletin.Langs, out: dir})
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(out, "demo: bulletin of 2023-08 written:", p)
	}
	return nil
}

// resetDemo empties the demo's topics and database, then migrates and loads the points.
func resetDemo(ctx context.Context, cfg config.Config) (driver.Conn, error) {
	a, done, err := adminAccess(cfg)
	if err != nil {
		return nil, err
	}
	defer done()
	if err := a.Kafka.Reachable(ctx); err != nil {
		return nil, fmt.Errorf("%w (make services starts Kafka and ClickHouse)", err)
	}
	if err := a.Kafka.DeleteTopicsWithPrefix(ctx, cfg.Kafka.TopicPrefix); err != nil {
		return nil, err
	}
	if err := a.Setup(ctx, cfg.Kafka.SASLUsername); err != nil {
		return nil, err
	}
	// Dropping and migrating is DDL: the migrating user's (the pipeline then runs as its own).
	conn, err := chsink.Open(ctx, cfg.ClickHouse.ForMigrations())
	if err != nil {
		return nil, err
	}
	for _, db := range []string{cfg.ClickHouse.Database, chsink.PublicDatabase(cfg.ClickHouse.Database)} {
		if err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db); err != nil {
			conn.Close()
			return nil, fmt.Errorf("cannot empty the demo database %s: %w", db, err)
		}
	}
	if _, err := chsink.MigrateCluster(ctx, conn, cfg.ClickHouse.Database, cfg.ClickHouse.Cluster); err != nil {
		conn.Close()
		return nil, err
	}
	points, err := schemas.RegionPoints()
	if err == nil {
		_, err = chsink.LoadPoints(ctx, conn, cfg.ClickHouse.Database, points)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// demoKeys makes throw-away keys when none are set: a demo's pseudonyms need no stability.
func demoKeys(environ map[string]string, out io.Writer) {
	for _, k := range []string{"VIGIA_PSEUDONYM_KEYS", "VIGIA_EVENT_KEYS", "VIGIA_DLQ_KEYS", "VIGIA_ALERT_KEYS"} {
		if environ[k] == "" && environ[k+"_FILE"] == "" {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			environ[k] = "demo:" + base64.StdEncoding.EncodeToString(b)
			fmt.Fprintf(out, "demo: %s not set, using a throw-away key\n", k)
		}
	}
}

func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write the demo log: %w", err)
	}
	return f, nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
