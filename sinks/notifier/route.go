package notifier

import (
	"context"
	"slices"
	"time"
)

// Sender delivers one message (Webhook, Email).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Match selects the alerts of a route; an empty list matches everything.
type Match struct {
	Country []string `yaml:"country"` // ISO 3166-1 alpha-3 codes
	Role    []string `yaml:"role"`    // origin, transit, destination
	Type    []string `yaml:"type"`    // crossing, detention, return, assistance, referral
	// Nationality: a ministry of foreign affairs hears of surges of its own nationals wherever
	// they occur (a message whose lead alert or any alert of its incident is a series of one
	// of these nationalities). ISO 3166-1 alpha-3 codes.
	Nationality []string `yaml:"nationality"`
	MinSeverity string   `yaml:"min_severity"` // watch, warning or alert; default warning
	// Retrospective: whether the route hears changes decided on revised data (detected_late:
	// late records reached a period already judged). Default true.
	Retrospective *bool `yaml:"retrospective"`
}

var severityRank = map[string]int{"watch": 1, "warning": 2, "alert": 3}

// Matches reports whether the route takes m.
func (mt Match) Matches(m Message) bool {
	min := mt.MinSeverity
	if min == "" {
		min = "warning"
	}
	any := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	if mt.LiveOnly() && m.DetectedLate {
		return false
	}
	return any(mt.Country, m.Country) && any(mt.Role, m.Role) && any(mt.Type, m.Type) &&
		mt.nationals(m) && severityRank[m.Severity] >= severityRank[min]
}

// nationals reports whether m concerns one of the route's nationalities (always, when it
// names none).
func (mt Match) nationals(m Message) bool {
	if len(mt.Nationality) == 0 || slices.Contains(mt.Nationality, m.Nationality) {
		return true
	}
	if m.Incident == nil {
		return false
	}
	for _, list := range [][]Message{m.Incident.Changes, m.Incident.Open} {
		for _, c := range list {
			if slices.Contains(mt.Nationality, c.Nationality) {
				return true
			}
		}
	}
	return false
}

// LiveOnly reports whether the route asked not to hear changes decided on revised data.
func (mt Match) LiveOnly() bool { return mt.Retrospective != nil && !*mt.Retrospective }

// Route sends the matching alerts to one ministry.
type Route struct {
	Name   string
	Match  Match
	Sender Sender
	// PerMinute limits deliveries; more wait their turn, none is dropped. Default 10.
	PerMinute int
	// Bulletin: the route also receives the observatory's bulletin (`vigia bulletin --send`);
	// e-mail routes only.
	Bulletin bool
	// MaxAge skips changes decided longer ago than this (a route added today is not sent a
	// year of history; they stay in the alerts table). Default 7 days.
	MaxAge time.Duration
}
