// Package dashboards builds Vigía's Grafana dashboards as code (grafana-foundation-sdk):
// the regional overview, point detail, children and adolescents, returns, surge alerts,
// pipeline health, and the observatory's brief: consular network, reintegration and
// protection needs. They query ClickHouse through the Grafana ClickHouse plugin, chosen by a
// data source variable, and read only the published layer, whose figures are protected
// already (lib/disclosure). `make dashboards`
// renders them to dashboards/json, which a test keeps in step with this code.
package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Settings are what a rendering may change.
type Settings struct {
	// Database is the published ClickHouse database the panels read (a hidden constant of
	// every dashboard): figures there are protected already (lib/disclosure), so the panels
	// hold no small-cell rule of their own. Default vigia_public.
	Database string
}

// DefaultSettings are the committed dashboards' settings.
func DefaultSettings() Settings { return Settings{Database: "vigia_public"} }

// Validate checks the settings.
func (s Settings) Validate() error {
	if s.Database == "" {
		return fmt.Errorf("database must not be empty")
	}
	return nil
}

// Board is one dashboard: its file name and builder.
type Board struct {
	File  string // e.g. "overview.json"
	Build func(Settings) *dashboard.DashboardBuilder
}

// All lists the dashboards.
func All() []Board {
	return []Board{
		{"overview.json", overview}, {"point.json", pointDetail}, {"children.json", children},
		{"returns.json", returns}, {"alerts.json", alertsBoard}, {"health.json", health},
		{"consular.json", consular}, {"reintegration.json", reintegration}, {"protection.json", protection},
	}
}

// Render builds every dashboard to indented JSON, by file name.
func Render(s Settings) (map[string][]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, b := range All() {
		d, err := b.Build(s).Build()
		if err != nil {
			return nil, fmt.Errorf("cannot build %s: %w", b.File, err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // SQL reads "a < k", not "a \u003c k"
		enc.SetIndent("", "  ")
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("cannot encode %s: %w", b.File, err)
		}
		// The SDK's own marshalling escapes <, > and &; they are valid as they are in JSON.
		out[b.File] = []byte(htmlUnescape.Replace(buf.String()))
	}
	return out, nil
}

var htmlUnescape = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

// base is a dashboard with the variables every one has: the data source, the database and
// the small-cell thresholds, the last seven days, refreshed every minute.
func base(uid, title string, s Settings) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Tags([]string{"vigia"}).
		Editable().
		Time("now-7d", "now").
		Refresh("1m").
		Timezone("browser").
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").
			Label("Fuente de datos / Data source").
			Type(PluginID)).
		WithVariable(constant("database", s.Database, "The published ClickHouse database"))
}

func constant(name, value, description string) *dashboard.ConstantVariableBuilder {
	return dashboard.NewConstantVariableBuilder(name).
		Value(dashboard.StringOrMap{String: ptr(value)}).
		Description(description)
}

// custom is a single-choice variable with fixed options, the first selected.
func custom(name, label string, values ...string) *dashboard.CustomVariableBuilder {
	return dashboard.NewCustomVariableBuilder(name).Label(label).Values(dashboard.StringOrMap{String: ptr(strings.Join(values, ","))}).
		Current(dashboard.VariableOption{Text: dashboard.StringOrArrayOfString{String: ptr(values[0])}, Value: dashboard.StringOrArrayOfString{String: ptr(values[0])}})
}

// pos places a panel on the 24-column grid.
func pos(x, y, w, h uint32) dashboard.GridPos { return dashboard.GridPos{X: x, Y: y, W: w, H: h} }

// stillFilling marks, on every time series of a dashboard, the span where not every agency
// that reports there (filter: which events; empty for all) has sent its events yet: from the
// least of those agencies' newest event times to now. Counts there are still filling and
// may rise; surges there may still be revised. Agencies without events in the dashboard's
// time range are left out, so an agency that stopped reporting long ago marks nothing.
func stillFilling(filter string) *dashboard.AnnotationQueryBuilder {
	where := "newest >= $__fromTime"
	if filter != "" {
		where = filter + " AND " + where
	}
	return dashboard.NewAnnotationQueryBuilder().
		Name("Aún llegando / Still filling").
		Datasource(datasource).
		Enable(true).
		IconColor("rgba(128, 128, 128, 0.25)").
		Target(sql("Fill", Table, `
			SELECT time, now() AS timeEnd,
			'Datos aún llegando: no todas las agencias han informado después de este momento / Still filling: not every agency has reported past this time' AS text
			FROM (SELECT min(newest) AS time, count() AS agencies FROM (
			SELECT agency, max(newest) AS newest FROM ${database}.agency_points
			WHERE agency IN (SELECT agency FROM ${database}.agency_points FINAL WHERE `+where+`)
			GROUP BY agency))
			WHERE agencies > 0`))
}
