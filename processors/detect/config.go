// Package detect runs the surge detector live: when event time has settled past the end of
// a period in every partition (the window stage's progress), it reads the period's window
// counts from storage, judges every monitored series with the detector of its class, and
// publishes each alert lifecycle change (vigia.alerts, the alerts table, the ministries'
// routes). Its baselines are read from storage each time, so a restart loses nothing, and
// open alerts are restored from storage, so a restart never opens a surge twice.
package detect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

// Config of the detect stage.
type Config struct {
	// Resolutions judged live. Default [day]: hourly counts of one point follow the daily
	// rhythm of the border posts, which EARS reads as surges every morning.
	Resolutions []surge.Resolution
	// Default is the detector of series no class matches. Default surge.LiveDetector().
	Default surge.Detector
	// Classes choose other detectors for some series; the first match wins.
	Classes []Class
	// Lateness is how long after its end a window still takes late events in the stream (the
	// window stage's allowed lateness): a period judged less than this ago is judged again at
	// each hour, so late events within it revise the verdict. Default 2h.
	Lateness time.Duration
	// RevisionQuiet is how long the detector waits after the last revision of a backfill
	// before judging the revised periods, so a backfill sent in many batches is judged once,
	// on all of it, not once per batch (each partial judgment would be a message to the
	// ministries). A steady stream of revisions is judged at least every 12 x RevisionQuiet.
	// Default 10s.
	RevisionQuiet time.Duration
	// ResolveAfter is the number of quiet periods that resolve an alert. Default 2.
	ResolveAfter int
	// Hysteresis places an alert's resolve line between the level before the surge (0) and
	// the bound that opened it (1): see surge.Tracker. Default 0.5.
	Hysteresis float64
	// NationalityMinCount is the least count a nationality must have over a period's
	// baseline, at a point or in a country, to be judged as a series of its own there (one
	// with an alert open always is). Default 50.
	NationalityMinCount float64
	// Corridor configures the new-corridor alerts.
	Corridor Corridor
	// Source reads window counts and open alerts. Required.
	Source Source
	// Zone is a point's time zone; CountryZones every zone of a country's points. Required.
	Zone         func(pointID string) *time.Location
	CountryZones func(country string) []*time.Location
	// PointName is a point's name for messages. Default: the id.
	PointName func(pointID string) string
	// Dashboard, when set, links a change to the dashboard at its point and period.
	Dashboard func(schemas.AlertChange) string
	// StoreAlerts stores the changes of one judgment in the alerts table and returns once
	// stored; the stage writes them to vigia.alerts first. It must be safe to repeat (a retry
	// sends the same changes again, with the same ids and versions). Required.
	StoreAlerts func(ctx context.Context, changes []schemas.AlertChange) error
	// Bands stores every judged period (observed, expected, bound, severity) for the
	// dashboards, and returns once stored. Optional.
	Bands func(ctx context.Context, bands []surge.Band) error
	// Sign, when set, gives each vigia.alerts record the headers that prove the detect stage
	// wrote it (secrets.RecordMAC): notify sends only records that verify.
	Sign func(topic string, key, value []byte) []kafka.Header
	// Topics, Kafka and Producer: the progress topic is read at start and the stage's
	// checkpoint written to it. Required.
	Topics   topics.Names
	Kafka    *kclient.Client
	Producer stream.Producer
	// Now is the clock of changed_at. Default time.Now.
	Now func() time.Time
	// Metrics, when set, counts alert changes. Log receives the stage's events.
	Metrics *metrics.Metrics
	Log     zerolog.Logger
}

func (c *Config) defaults() error {
	if len(c.Resolutions) == 0 {
		c.Resolutions = []surge.Resolution{surge.Daily}
	}
	if c.Default.Method == "" {
		c.Default = surge.LiveDetector()
	}
	if c.Lateness <= 0 {
		c.Lateness = 2 * time.Hour
	}
	if c.RevisionQuiet <= 0 {
		c.RevisionQuiet = 10 * time.Second
	}
	if c.ResolveAfter <= 0 {
		c.ResolveAfter = 2
	}
	if c.Hysteresis <= 0 {
		c.Hysteresis = 0.5
	}
	if c.NationalityMinCount <= 0 {
		c.NationalityMinCount = 50
	}
	if c.PointName == nil {
		c.PointName = func(id string) string { return id }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	var errs []error
	errs = append(errs, c.Corridor.defaults())
	if c.Hysteresis > 1 {
		errs = append(errs, fmt.Errorf("detect: hysteresis %v must be in (0, 1]", c.Hysteresis))
	}
	for _, r := range c.Resolutions {
		if r != surge.Hourly && r != surge.Daily {
			errs = append(errs, fmt.Errorf("detect: resolution %q: live detection runs on hour or day windows", r))
		}
	}
	if _, err := c.Default.First(); err != nil {
		errs = append(errs, fmt.Errorf("detect: default detector: %w", err))
	}
	for _, cl := range c.Classes {
		errs = append(errs, cl.Validate())
	}
	if c.Source == nil || c.Zone == nil || c.CountryZones == nil || c.StoreAlerts == nil || c.Producer == nil || c.Kafka == nil {
		errs = append(errs, errors.New("detect: Source, Zone, CountryZones, StoreAlerts, Producer and Kafka are required"))
	}
	return errors.Join(errs...)
}

// detector is the detector of series k.
func (c *Config) detector(k surge.SeriesKey) surge.Detector {
	for _, cl := range c.Classes {
		if cl.matches(k) {
			return cl.Detector
		}
	}
	return c.Default
}
