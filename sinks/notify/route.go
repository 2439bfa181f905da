package notify

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"golang.org/x/time/rate"

	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/schemas"
)

// Sender delivers one message (Webhook, Email).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Match selects the alerts of a route; an empty list matches everything.
type Match struct {
	Country     []string `yaml:"country"`      // ISO 3166-1 alpha-3 codes
	Role        []string `yaml:"role"`         // origin, transit, destination
	Type        []string `yaml:"type"`         // crossing, detention, return
	MinSeverity string   `yaml:"min_severity"` // watch, warning or alert; default warning
}

var severityRank = map[string]int{"watch": 1, "warning": 2, "alert": 3}

func (mt Match) matches(m Message) bool {
	min := mt.MinSeverity
	if min == "" {
		min = "warning"
	}
	any := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return any(mt.Country, m.Country) && any(mt.Role, m.Role) && any(mt.Type, m.Type) &&
		severityRank[m.Severity] >= severityRank[min]
}

// Route sends the matching alerts to one ministry.
type Route struct {
	Name   string
	Match  Match
	Sender Sender
	// PerMinute limits deliveries; more wait their turn, none is dropped. Default 10.
	PerMinute int
	// MaxAge skips changes decided longer ago than this (a route added today is not sent a
	// year of history; they stay in the alerts table). Default 7 days.
	MaxAge time.Duration
}

// RouteStage delivers the changes of vigia.alerts to one route. Each route runs as its own
// consumer group, so a dead route holds up only itself, and a restart resumes each route
// right after the last change it delivered or gave up on: a change is never lost between
// the alerts topic and a ministry, and a replay carries the same idempotency key.
type RouteStage struct {
	route   Route
	limiter *rate.Limiter
	// Outcome is told of each delivery: "sent" or "failed" (after every retry; the change
	// stays in vigia.alerts and the alerts table).
	outcome func(route, outcome string)
	log     zerolog.Logger
}

// NewRouteStage prepares a route's stage; outcome may be nil.
func NewRouteStage(r Route, log zerolog.Logger, outcome func(route, outcome string)) *RouteStage {
	per := r.PerMinute
	if per <= 0 {
		per = 10
	}
	if outcome == nil {
		outcome = func(string, string) {}
	}
	if r.MaxAge <= 0 {
		r.MaxAge = 7 * 24 * time.Hour
	}
	return &RouteStage{route: r, limiter: rate.NewLimiter(rate.Limit(float64(per)/60), per), outcome: outcome,
		log: log.With().Str("route", r.Name).Logger()}
}

// Open implements stream.Handler.
func (s *RouteStage) Open(_ context.Context, _ string, _ int, start int64) (stream.PartitionHandler, error) {
	return &routePartition{s: s, next: start, sent: map[string]bool{}}, nil
}

type routePartition struct {
	s    *RouteStage
	next int64
	sent map[string]bool // idempotency keys delivered by this owner: a re-read sends nothing
}

// Handle delivers the matching changes in order; it returns at the first change that could
// not be attempted because the stage is stopping, so that change is delivered after a
// restart.
func (p *routePartition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	for _, km := range msgs {
		var c schemas.AlertChange
		if err := json.Unmarshal(km.Value, &c); err != nil {
			p.s.log.Error().Err(err).Int64("offset", km.Offset).Msg("alert record is not JSON; skipped")
			p.next = km.Offset + 1
			continue
		}
		m := Message{AlertChange: c}.WithText()
		fresh := time.Since(c.ChangedAt) <= p.s.route.MaxAge
		if key := m.IdempotencyKey(); fresh && p.s.route.Match.matches(m) && !p.sent[key] {
			if err := p.s.limiter.Wait(ctx); err != nil {
				return p.next, err
			}
			err := p.s.route.Sender.Send(ctx, m)
			if ctx.Err() != nil {
				return p.next, ctx.Err()
			}
			if err != nil {
				p.s.log.Error().Err(err).Str("alert", key).Msg("notification not delivered after every attempt")
				p.s.outcome(p.s.route.Name, "failed")
			} else {
				p.sent[key] = true
				p.s.outcome(p.s.route.Name, "sent")
			}
		}
		p.next = km.Offset + 1
	}
	return p.next, nil
}

// Close implements stream.PartitionHandler.
func (p *routePartition) Close(context.Context) int64 { return p.next }
