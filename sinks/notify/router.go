package notify

import (
	"context"
	"slices"
	"sync"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"
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
}

// Router delivers each message to every matching route, each route on its own goroutine with
// its own queue, so a dead route only delays itself. Start it with Run.
type Router struct {
	routes []*routeWorker
	log    zerolog.Logger
}

type routeWorker struct {
	Route
	queue   chan Message
	limiter *rate.Limiter
	mu      sync.Mutex
	sent    map[string]bool // idempotency keys already delivered: a replay sends nothing
	failed  func(Route, Message, error)
}

// NewRouter prepares the routes; failed is called when a message could not be delivered
// after every attempt (it stays in ClickHouse and vigia.alerts either way).
func NewRouter(routes []Route, queue int, log zerolog.Logger, failed func(Route, Message, error)) *Router {
	r := &Router{log: log}
	for _, rt := range routes {
		per := rt.PerMinute
		if per <= 0 {
			per = 10
		}
		r.routes = append(r.routes, &routeWorker{Route: rt, queue: make(chan Message, max(queue, 1)),
			limiter: rate.NewLimiter(rate.Limit(float64(per)/60), per), sent: map[string]bool{}, failed: failed})
	}
	return r
}

// Notify queues m for every matching route; it never blocks on a slow route: a route whose
// queue is full reports the message as failed.
func (r *Router) Notify(m Message) {
	for _, w := range r.routes {
		if !w.Match.matches(m) {
			continue
		}
		select {
		case w.queue <- m:
		default:
			r.log.Error().Str("route", w.Name).Str("alert", m.IdempotencyKey()).Msg("notification queue full: route is not keeping up")
			if w.failed != nil {
				w.failed(w.Route, m, errQueueFull)
			}
		}
	}
}

// Run delivers until ctx ends.
func (r *Router) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, w := range r.routes {
		wg.Add(1)
		go func() { defer wg.Done(); w.run(ctx, r.log) }()
	}
	wg.Wait()
}

func (w *routeWorker) run(ctx context.Context, log zerolog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-w.queue:
			key := m.IdempotencyKey()
			w.mu.Lock()
			done := w.sent[key]
			w.mu.Unlock()
			if done {
				continue
			}
			if err := w.limiter.Wait(ctx); err != nil {
				return
			}
			if err := w.Sender.Send(ctx, m); err != nil {
				log.Error().Err(err).Str("route", w.Name).Str("alert", key).Msg("notification not delivered")
				if w.failed != nil {
					w.failed(w.Route, m, err)
				}
				continue
			}
			w.mu.Lock()
			w.sent[key] = true
			w.mu.Unlock()
		}
	}
}

type queueFullError struct{}

func (queueFullError) Error() string { return "notification queue full" }

var errQueueFull error = queueFullError{}
