// Package notify is the notify stage: one consumer group of vigia.alerts per ministry route
// (notify-<route>), delivering each matching alert change once through the route's sender and
// committing only what was delivered or given up on.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/rs/zerolog"
	"github.com/segmentio/kafka-go"
	"golang.org/x/time/rate"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/schemas"
	"github.com/vigia-observatory/vigia/sinks/notifier"
)

// Stage delivers the changes of vigia.alerts to one route. Each route runs as its own
// consumer group, so a dead route holds up only itself, and a restart resumes each route
// right after the last change it delivered or gave up on: a change is never lost between
// the alerts topic and a ministry, and a replay carries the same idempotency key.
type Stage struct {
	route   notifier.Route
	limiter *rate.Limiter
	// Outcome is told of each delivery: "sent" or "failed" (after every retry; the change
	// stays in vigia.alerts and the alerts table).
	outcome func(route, outcome string)
	log     zerolog.Logger
	trust   Trust
	rule    disclosure.Rule
}

// Trust says which records of vigia.alerts the detect stage wrote: Verify (secrets.RecordMAC)
// refuses any other, which is counted by Refused (reason) and logged, never sent.
type Trust struct {
	Verify  func(kafka.Message) error
	Refused func(route, reason string)
}

// New prepares a route's stage; outcome may be nil. Without trust.Verify every record is
// taken as the detect stage's (only for tests of the delivery itself). Every message's
// counts pass rule (notifier.Message.Protected) before they are sent.
func New(r notifier.Route, log zerolog.Logger, outcome func(route, outcome string), trust Trust, rule disclosure.Rule) *Stage {
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
	if trust.Refused == nil {
		trust.Refused = func(string, string) {}
	}
	return &Stage{route: r, limiter: rate.NewLimiter(rate.Limit(float64(per)/60), per), outcome: outcome,
		log: log.With().Str("route", r.Name).Logger(), trust: trust, rule: rule}
}

// Open implements stream.Handler.
func (s *Stage) Open(_ context.Context, _ string, _ int, start int64) (stream.PartitionHandler, error) {
	return &partition{s: s, next: start, sent: map[string]bool{}}, nil
}

type partition struct {
	s    *Stage
	next int64
	sent map[string]bool // idempotency keys delivered by this owner: a re-read sends nothing
}

// Handle delivers the matching changes in order; it returns at the first change that could
// not be attempted because the stage is stopping, so that change is delivered after a
// restart.
func (p *partition) Handle(ctx context.Context, msgs []kafka.Message) (int64, error) {
	for _, km := range msgs {
		if v := p.s.trust.Verify; v != nil {
			if err := v(km); err != nil {
				p.s.log.Error().Err(err).Int64("offset", km.Offset).Msg("alert record not written by the detect stage: refused, not sent")
				p.s.trust.Refused(p.s.route.Name, refusal(err))
				p.next = km.Offset + 1
				continue
			}
		}
		m, ok, err := p.s.message(km.Value)
		if err != nil {
			p.s.log.Error().Err(err).Int64("offset", km.Offset).Msg("alert record cannot be read; skipped")
		}
		if !ok {
			p.next = km.Offset + 1
			continue
		}
		if p.s.route.Match.LiveOnly() {
			m, ok = m.Live()
			m = m.WithText()
		}
		fresh := time.Since(m.ChangedAt) <= p.s.route.MaxAge
		if key := m.IdempotencyKey(); ok && fresh && p.s.route.Match.Matches(m) && !p.sent[key] {
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

// message is what a record of vigia.alerts tells a ministry: an incident change is one
// message with its breakdown; an alert change that belongs to an incident is sent inside
// the incident's (ok false); one without (written before incidents) is a message of its own.
func (s *Stage) message(value []byte) (notifier.Message, bool, error) {
	var probe struct {
		Schema     string `json:"schema"`
		IncidentID string `json:"incident_id"`
	}
	if err := json.Unmarshal(value, &probe); err != nil {
		return notifier.Message{}, false, err
	}
	if probe.Schema == schemas.IncidentSchemaName {
		var ic schemas.IncidentChange
		if err := json.Unmarshal(value, &ic); err != nil {
			return notifier.Message{}, false, err
		}
		if len(ic.Changes) == 0 {
			return notifier.Message{}, false, errors.New("an incident change without alert changes")
		}
		return notifier.IncidentMessage(ic, s.rule).WithText(), true, nil
	}
	if probe.IncidentID != "" {
		return notifier.Message{}, false, nil
	}
	var c schemas.AlertChange
	if err := json.Unmarshal(value, &c); err != nil {
		return notifier.Message{}, false, err
	}
	return notifier.Message{AlertChange: c}.Protected(s.rule).WithText(), true, nil
}

// Close implements stream.PartitionHandler.
func (p *partition) Close(context.Context) int64 { return p.next }

// refusal is the metric label of a refused record.
func refusal(err error) string {
	if errors.Is(err, secrets.ErrUnsigned) {
		return "unsigned"
	}
	return "bad_signature"
}
