package dashboards

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The committed JSON is what this code renders: change the code, run `make dashboards`.
func TestCommittedDashboardsAreCurrent(t *testing.T) {
	t.Parallel()
	files, err := Render(DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("json", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("dashboards/json/%s is stale or missing: run `make dashboards` and commit the result", name)
		}
	}
	committed, _ := filepath.Glob("json/*.json")
	if len(committed) != len(files) {
		t.Errorf("%d committed files, %d dashboards: remove the files of dashboards that no longer exist", len(committed), len(files))
	}
}

// Every dashboard selects its data source through the variable, has a unique uid and
// bilingual titles; every panel has a query.
func TestDashboardShape(t *testing.T) {
	t.Parallel()
	files, _ := Render(DefaultSettings())
	uids := map[string]bool{}
	for name, b := range files {
		var d struct {
			UID        string `json:"uid"`
			Title      string `json:"title"`
			Templating struct {
				List []struct{ Name, Type string } `json:"list"`
			} `json:"templating"`
			Panels []struct {
				Type    string  `json:"type"`
				Title   string  `json:"title"`
				Targets []Query `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if uids[d.UID] || !strings.HasPrefix(d.UID, "vigia-") {
			t.Errorf("%s: uid %q duplicated or not vigia-*", name, d.UID)
		}
		uids[d.UID] = true
		if !strings.Contains(d.Title, " / ") {
			t.Errorf("%s: title %q is not Spanish / English", name, d.Title)
		}
		var hasDS bool
		for _, v := range d.Templating.List {
			hasDS = hasDS || v.Name == "datasource" && v.Type == "datasource"
		}
		if !hasDS {
			t.Errorf("%s: no datasource variable", name)
		}
		for _, p := range d.Panels {
			if len(p.Targets) == 0 && p.Type != "text" || !strings.Contains(p.Title, " / ") {
				t.Errorf("%s: panel %q has no query or no bilingual title", name, p.Title)
			}
			for _, q := range p.Targets {
				if q.Datasource == nil || *q.Datasource.Uid != "${datasource}" || *q.Datasource.Type != PluginID {
					t.Errorf("%s: panel %q does not query through ${datasource}", name, p.Title)
				}
			}
		}
	}
	for _, uid := range []string{PointUID, AlertsUID} { // alert messages link to them
		if !uids[uid] {
			t.Errorf("no dashboard %s, which alert messages link to", uid)
		}
	}
	for _, uid := range []string{ConsularUID, ReintegrationUID, ProtectionUID, ReturnsUID} { // the brief's, and the links between them
		if !uids[uid] {
			t.Errorf("no dashboard %s", uid)
		}
	}
	if err := (Settings{}).Validate(); err == nil {
		t.Error("an empty database accepted")
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	v := Vars{From: time.Unix(1000, 0), To: time.Unix(2000, 0), IntervalS: 60, Values: map[string]string{"database": "db1", "k": "5", "point": "pan-x"}}
	for _, tc := range []struct{ in, want string }{
		{"WHERE $__timeFilter(window_start)", "WHERE window_start >= toDateTime(1000) AND window_start <= toDateTime(2000)"},
		{"FROM ${database}.t WHERE p = '$point' AND n < ${k}", "FROM db1.t WHERE p = 'pan-x' AND n < 5"},
		{"intDiv(x, $__interval_s) BETWEEN $__fromTime AND $__toTime", "intDiv(x, 60) BETWEEN toDateTime(1000) AND toDateTime(2000)"},
		{"${unknown}", "${unknown}"},
		{"p = decodeURLComponent('${point:percentencode}')", "p = decodeURLComponent('pan-x')"},
		{"${point:sqlstring}", "${point:sqlstring}"},
	} {
		if got := Expand(tc.in, v); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	qs, err := Queries(mustRender(t))
	if err != nil || len(qs) < 15 {
		t.Fatalf("%d queries, %v", len(qs), err)
	}
}

func mustRender(t *testing.T) map[string][]byte {
	files, err := Render(DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Grafana's percentencode, as the plugin receives it: nothing but letters, digits, -_.~ and
// %XX, whatever the value.
func TestPercentEncode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"pan-lajas-blancas": "pan-lajas-blancas", "%": "%25",
		"x' OR 1=1 --": "x%27%20OR%201%3D1%20--", `a\`: "a%5C", "Tecún": "Tec%C3%BAn", "(*)!": "%28%2A%29%21"} {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// Every value a viewer can choose enters SQL only through param: a variable pasted any other
// way (quoted by hand, sqlstring, raw) would let a crafted dashboard URL run its own SQL. The
// constants set at render time (database, k, k_minors) and the data source are not values a
// viewer chooses.
func TestVariablesEnterSQLEscaped(t *testing.T) {
	t.Parallel()
	qs, err := Queries(mustRender(t))
	if err != nil {
		t.Fatal(err)
	}
	constants := map[string]bool{"database": true, "k": true, "k_minors": true}
	safe := regexp.MustCompile(`decodeURLComponent\('\$\{\w+:percentencode\}'\)`)
	for _, q := range qs {
		rest := safe.ReplaceAllString(q.SQL, "")
		for _, m := range varRe.FindAllStringSubmatch(rest, -1) {
			if name := m[1] + m[3]; !constants[name] && !strings.HasPrefix(name, "__") {
				t.Errorf("%s / %s: variable %q enters SQL unescaped: use param(%q)", q.File, q.Panel, m[0], name)
			}
		}
	}
}
