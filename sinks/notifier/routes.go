package notifier

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// RoutesFile is the routing configuration: which ministry hears of which alerts, and how.
// Secrets are never in it: a route names the environment variables that hold them.
//
//	routes:
//	  - name: hn-cancilleria
//	    match: {country: [HND], role: [origin, transit], min_severity: warning}
//	    per_minute: 10
//	    webhook: {url: "https://alertas.example.hn/vigia", secret_env: VIGIA_ROUTE_HN_SECRET}
//	  - name: pa-migracion
//	    match: {country: [PAN], type: [crossing]}
//	    email: {host: smtp.example.pa, port: 587, from: vigia@example.org, to: [guardia@example.pa],
//	            username_env: VIGIA_SMTP_USER, password_env: VIGIA_SMTP_PASSWORD}
type RoutesFile struct {
	Routes []RouteSpec `yaml:"routes"`
}

// RouteSpec is one route as written in the file.
type RouteSpec struct {
	Name      string       `yaml:"name"`
	Match     Match        `yaml:"match"`
	PerMinute int          `yaml:"per_minute"`
	Webhook   *WebhookSpec `yaml:"webhook"`
	Email     *EmailSpec   `yaml:"email"`
	// Bulletin: also send this route the bulletin (vigia bulletin --send). E-mail routes only.
	Bulletin bool `yaml:"bulletin"`
}

// WebhookSpec configures a Webhook; SecretEnv names the variable holding the shared secret.
type WebhookSpec struct {
	URL       string        `yaml:"url"`
	SecretEnv string        `yaml:"secret_env"`
	Attempts  int           `yaml:"attempts"`
	Timeout   time.Duration `yaml:"timeout"`
}

// EmailSpec configures an Email; the credentials come from the named variables.
type EmailSpec struct {
	Host        string   `yaml:"host"`
	Port        int      `yaml:"port"`
	TLS         string   `yaml:"tls"`
	From        string   `yaml:"from"`
	To          []string `yaml:"to"`
	UsernameEnv string   `yaml:"username_env"`
	PasswordEnv string   `yaml:"password_env"`
}

var (
	roles      = []string{"origin", "transit", "destination"}
	eventTypes = []string{"crossing", "detention", "return", "assistance", "referral"}
)

// LoadRoutes reads and checks a routes file; every problem is reported with the route and
// the key to fix.
func LoadRoutes(path string, environ map[string]string) ([]Route, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read routes file: %w", err)
	}
	var f RoutesFile
	if err := yaml.UnmarshalWithOptions(b, &f, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("cannot parse routes file %s:\n%s", path, yaml.FormatError(err, false, true))
	}
	var routes []Route
	var errs []error
	names := map[string]bool{}
	for i, spec := range f.Routes {
		r, err := spec.build(environ)
		if spec.Name == "" {
			err = errors.Join(err, errors.New("name: must not be empty"))
		} else if names[spec.Name] {
			err = errors.Join(err, errors.New("name: used by an earlier route"))
		}
		names[spec.Name] = true
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: routes[%d] (%s): %w", path, i, spec.Name, err))
			continue
		}
		routes = append(routes, r)
	}
	if len(f.Routes) == 0 {
		errs = append(errs, fmt.Errorf("%s: no routes: list at least one under routes:", path))
	}
	return routes, errors.Join(errs...)
}

func (s RouteSpec) build(environ map[string]string) (Route, error) {
	r := Route{Name: s.Name, Match: s.Match, PerMinute: s.PerMinute, Bulletin: s.Bulletin}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, c := range s.Match.Country {
		if len(c) != 3 || c != strings.ToUpper(c) {
			bad("match.country: %q is not an ISO 3166-1 alpha-3 code such as HND", c)
		}
	}
	for _, c := range s.Match.Nationality {
		if len(c) != 3 || c != strings.ToUpper(c) {
			bad("match.nationality: %q is not an ISO 3166-1 alpha-3 code such as HND", c)
		}
	}
	for _, v := range s.Match.Role {
		if !slices.Contains(roles, v) {
			bad("match.role: %q must be origin, transit or destination", v)
		}
	}
	for _, v := range s.Match.Type {
		if !slices.Contains(eventTypes, v) {
			bad("match.type: %q must be crossing, detention, return, assistance or referral", v)
		}
	}
	if m := s.Match.MinSeverity; m != "" && severityRank[m] == 0 {
		bad("match.min_severity: %q must be watch, warning or alert", m)
	}
	if s.Bulletin && s.Email == nil {
		bad("bulletin: the bulletin is sent by e-mail: give this route an email sender, or remove bulletin")
	}
	if s.PerMinute < 0 {
		bad("per_minute: must not be negative")
	}
	switch {
	case (s.Webhook == nil) == (s.Email == nil):
		bad("give exactly one of webhook or email")
	case s.Webhook != nil:
		w := s.Webhook
		if w.URL == "" {
			bad("webhook.url: must not be empty")
		}
		secret := environ[w.SecretEnv]
		if w.SecretEnv == "" || secret == "" {
			bad("webhook.secret_env: name an environment variable that holds the shared secret (%q is unset or empty)", w.SecretEnv)
		}
		r.Sender = &Webhook{URL: w.URL, Secret: []byte(secret), Attempts: w.Attempts, Timeout: w.Timeout}
	default:
		e := s.Email
		if e.Host == "" || e.Port <= 0 || e.From == "" || len(e.To) == 0 {
			bad("email: host, port, from and to are required")
		}
		if e.TLS != "" && e.TLS != "starttls" && e.TLS != "tls" && e.TLS != "none" {
			bad("email.tls: %q must be starttls, tls or none", e.TLS)
		}
		r.Sender = &Email{Host: e.Host, Port: e.Port, TLS: e.TLS, From: e.From, To: e.To,
			Username: environ[e.UsernameEnv], Password: environ[e.PasswordEnv]}
	}
	return r, errors.Join(errs...)
}
