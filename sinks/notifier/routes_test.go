package notifier

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigia-observatory/vigia/schemas"
)

func writeRoutes(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "routes.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadRoutes(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HN_SECRET": "s3cret", "SMTP_PASS": "pw"}
	p := writeRoutes(t, `routes:
  - name: hn
    match: {country: [HND], role: [transit, origin], min_severity: alert}
    webhook: {url: "http://127.0.0.1:1/hook", secret_env: HN_SECRET}
  - name: pa
    match: {type: [crossing], retrospective: false}
    per_minute: 3
    email: {host: 127.0.0.1, port: 2525, tls: none, from: a@b.org, to: [c@d.org], password_env: SMTP_PASS}
`)
	routes, err := LoadRoutes(p, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) != 2 || string(routes[0].Sender.(*Webhook).Secret) != "s3cret" || routes[1].Sender.(*Email).Password != "pw" || routes[1].PerMinute != 3 {
		t.Fatalf("%+v", routes)
	}
	m := msg("a", 1)
	m.Country, m.Role, m.Severity = "HND", "transit", "warning"
	if routes[0].Match.Matches(m) {
		t.Error("warning matched min_severity alert")
	}
	m.Severity = "alert"
	if !routes[0].Match.Matches(m) || !routes[1].Match.Matches(m) {
		t.Error("alert did not match")
	}
	m.DetectedLate = true // decided on revised data: the route that said so does not hear it
	if !routes[0].Match.Matches(m) || routes[1].Match.Matches(m) {
		t.Error("retrospective: false did not keep a late change out, or the default did")
	}
	for _, tc := range []struct{ body, want string }{
		{"routes:\n  - name: x\n    webhok: {}\n", "unknown field \"webhok\""},
		{"routes: []\n", "no routes"},
		{"routes:\n  - name: x\n    webhook: {url: http://h, secret_env: NOPE}\n", "(x): webhook.secret_env: name an environment variable"},
		{"routes:\n  - name: x\n    match: {country: [Honduras]}\n    webhook: {url: http://h, secret_env: HN_SECRET}\n", "match.country: \"Honduras\" is not an ISO 3166-1 alpha-3"},
		{"routes:\n  - name: x\n    match: {role: [border]}\n    webhook: {url: http://h, secret_env: HN_SECRET}\n", "match.role: \"border\""},
		{"routes:\n  - name: x\n    match: {min_severity: high}\n    webhook: {url: http://h, secret_env: HN_SECRET}\n", "match.min_severity: \"high\""},
		{"routes:\n  - name: x\n", "give exactly one of webhook or email"},
		{"routes:\n  - name: x\n    email: {host: h}\n", "email: host, port, from and to are required"},
		{"routes:\n  - name: x\n    webhook: {url: http://h, secret_env: HN_SECRET}\n  - name: x\n    webhook: {url: http://h, secret_env: HN_SECRET}\n", "routes[1] (x): name: used by an earlier route"},
	} {
		_, err := LoadRoutes(writeRoutes(t, tc.body), env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.body, err, tc.want)
		}
	}
	if _, err := LoadRoutes(filepath.Join(t.TempDir(), "none.yaml"), env); err == nil || !strings.Contains(err.Error(), "cannot read routes file") {
		t.Errorf("missing file: %v", err)
	}
}

// A foreign ministry's route by nationality hears of its nationals' surges wherever they are,
// through the lead alert or any alert of the incident, and of no other nationality's.
func TestRouteByNationality(t *testing.T) {
	t.Parallel()
	hn := Match{Nationality: []string{"HND"}, Type: []string{"detention", "return", "assistance"}}
	alert := func(nat string) schemas.AlertChange {
		return schemas.AlertChange{Country: "MEX", Role: "transit", Type: "detention", Severity: "alert", Nationality: nat}
	}
	cases := []struct {
		name string
		m    Message
		want bool
	}{
		{"own nationals abroad", Message{AlertChange: alert("HND")}, true},
		{"another nationality", Message{AlertChange: alert("GTM")}, false},
		{"a country total", Message{AlertChange: alert("")}, false},
		{"in the incident's breakdown", Message{AlertChange: alert(""), Incident: &Incident{Changes: []Message{{AlertChange: alert("HND")}}}}, true},
		{"another nationality's incident", Message{AlertChange: alert(""), Incident: &Incident{Open: []Message{{AlertChange: alert("SLV")}}}}, false},
	}
	for _, c := range cases {
		if got := hn.Matches(c.m); got != c.want {
			t.Errorf("%s: matched %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := (RouteSpec{Name: "x", Match: Match{Nationality: []string{"hn"}}, Email: &EmailSpec{Host: "h", Port: 1, From: "a", To: []string{"b"}}}).build(nil); err == nil ||
		!strings.Contains(err.Error(), "match.nationality") {
		t.Fatalf("a bad nationality code was accepted: %v", err)
	}
}
