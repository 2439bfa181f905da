package dashboards

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PanelQuery is one SQL query of a dashboard: a panel target, an annotation or a variable.
type PanelQuery struct {
	File, Panel, RefID string
	Format             Format
	SQL                string            // with macros and variables, as stored
	Constants          map[string]string // the dashboard's constant variables (database, k, ...)
}

// Queries lists every query of the rendered dashboards, in file and panel order.
func Queries(rendered map[string][]byte) ([]PanelQuery, error) {
	files := make([]string, 0, len(rendered))
	for f := range rendered {
		files = append(files, f)
	}
	sort.Strings(files)
	var out []PanelQuery
	for _, f := range files {
		var d struct {
			Panels []struct {
				Title   string  `json:"title"`
				Targets []Query `json:"targets"`
			} `json:"panels"`
			Annotations struct {
				List []struct {
					Name   string `json:"name"`
					Target *Query `json:"target"`
				} `json:"list"`
			} `json:"annotations"`
			Templating struct {
				List []struct {
					Name  string          `json:"name"`
					Type  string          `json:"type"`
					Query json.RawMessage `json:"query"`
				} `json:"list"`
			} `json:"templating"`
		}
		if err := json.Unmarshal(rendered[f], &d); err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", f, err)
		}
		consts := map[string]string{}
		for _, v := range d.Templating.List {
			var val string
			if v.Type == "constant" && json.Unmarshal(v.Query, &val) == nil {
				consts[v.Name] = val
			}
		}
		first := len(out)
		for _, p := range d.Panels {
			for _, t := range p.Targets {
				out = append(out, PanelQuery{File: f, Panel: p.Title, RefID: t.RefID, Format: t.Format, SQL: t.RawSQL})
			}
		}
		for _, a := range d.Annotations.List {
			if a.Target != nil && a.Target.RawSQL != "" {
				out = append(out, PanelQuery{File: f, Panel: "annotation: " + a.Name, RefID: a.Target.RefID, Format: Table, SQL: a.Target.RawSQL})
			}
		}
		for _, v := range d.Templating.List {
			var q struct {
				RawSQL string `json:"rawSql"`
			}
			if v.Type == "query" && json.Unmarshal(v.Query, &q) == nil && q.RawSQL != "" {
				out = append(out, PanelQuery{File: f, Panel: "variable: " + v.Name, RefID: v.Name, Format: Table, SQL: q.RawSQL})
			}
		}
		for i := first; i < len(out); i++ {
			out[i].Constants = consts
		}
	}
	return out, nil
}

// Choices are the user-chosen variables' values `vigia dashboards sql` and the tests use:
// Lajas Blancas, crossings, transit, every country, every nationality.
func Choices() map[string]string {
	return map[string]string{"point": "pan-lajas-blancas", "type": "crossing", "role": "transit", "country": "%", "nationality": "%"}
}

// Vars are what Grafana substitutes into a query: the time range, the interval and the
// template variables' values.
type Vars struct {
	From, To  time.Time
	IntervalS int
	Values    map[string]string
}

var (
	timeFilterRe = regexp.MustCompile(`\$__timeFilter\(([^)]+)\)`)
	varRe        = regexp.MustCompile(`\$\{(\w+)(?::(\w+))?\}|\$(\w+)`)
)

// param is how a value a viewer chooses (a dashboard variable, which a crafted URL can set to
// anything) enters SQL: percent-encoded by Grafana (${var:percentencode}: only letters,
// digits and -_.~% come out) inside a string literal that ClickHouse decodes, so no quote,
// backslash or comment in the value can end the literal. (Grafana's sqlstring format doubles
// quotes, but in ClickHouse a backslash escapes the closing quote: 'x\' ends nothing.)
func param(name string) string { return "decodeURLComponent('${" + name + ":percentencode}')" }

// percentEncode is Grafana's percentencode format (encodeURIComponentStrict): every byte but
// A-Z a-z 0-9 - _ . ~ as %XX.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Expand gives the SQL the ClickHouse plugin (v4) sends for a query: its macros as the
// plugin's backend expands them (pkg/macros) and the template variables, so a test or an
// analyst can run a panel's query directly against ClickHouse.
func Expand(sql string, v Vars) string {
	from, to := fmt.Sprintf("toDateTime(%d)", v.From.Unix()), fmt.Sprintf("toDateTime(%d)", v.To.Unix())
	sql = timeFilterRe.ReplaceAllStringFunc(sql, func(m string) string {
		col := strings.TrimSpace(timeFilterRe.FindStringSubmatch(m)[1])
		return col + " >= " + from + " AND " + col + " <= " + to
	})
	sql = strings.NewReplacer("$__fromTime", from, "$__toTime", to,
		"$__interval_s", strconv.Itoa(max(v.IntervalS, 1))).Replace(sql)
	return varRe.ReplaceAllStringFunc(sql, func(m string) string {
		sub := varRe.FindStringSubmatch(m)
		name, format := sub[1]+sub[3], sub[2]
		val, ok := v.Values[name]
		switch {
		case !ok:
			return m
		case format == "percentencode":
			return percentEncode(val)
		case format != "":
			return m // a format Expand does not know stays visible, so a test notices
		}
		return val
	})
}
