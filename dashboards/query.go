package dashboards

import (
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// PluginID is the Grafana ClickHouse data source plugin the dashboards query.
const PluginID = "grafana-clickhouse-datasource"

// datasource refers to the dashboard's data source variable, so one file works on any
// Grafana whatever its data source is called.
var datasource = common.DataSourceRef{Type: ptr(PluginID), Uid: ptr("${datasource}")}

// Format is the plugin's result format (grafana-plugin-sdk-go sqlutil): 0 time series (long
// frames are pivoted wide), 1 table.
type Format int

const (
	TimeSeries Format = 0
	Table      Format = 1
)

// pluginVersion marks targets as the plugin's v4 model, so it does not migrate them as v3.
const pluginVersion = "4.0.0"

// Query is a raw-SQL target of the ClickHouse plugin, as the plugin saves it.
type Query struct {
	RefID      string                `json:"refId"`
	Datasource *common.DataSourceRef `json:"datasource,omitempty"`
	EditorType string                `json:"editorType"`
	QueryType  string                `json:"queryType"`
	Format     Format                `json:"format"`
	RawSQL     string                `json:"rawSql"`
	Version    string                `json:"pluginVersion"`
	Hide       bool                  `json:"hide,omitempty"`
}

// ImplementsDataqueryVariant implements variants.Dataquery.
func (Query) ImplementsDataqueryVariant() {}

// DataqueryType implements variants.Dataquery.
func (Query) DataqueryType() string { return PluginID }

// Validate implements variants.Dataquery.
func (q Query) Validate() error { return nil }

// Equals implements variants.Dataquery.
func (q Query) Equals(other variants.Dataquery) bool {
	o, ok := other.(Query)
	return ok && o.RefID == q.RefID && o.RawSQL == q.RawSQL && o.Format == q.Format
}

// queryBuilder makes a Query a cog.Builder.
type queryBuilder struct{ q Query }

func (b queryBuilder) Build() (variants.Dataquery, error) { return b.q, nil }

// sql is a target: refID A, B, ... in the order given; the SQL is trimmed of the
// indentation it has in Go source.
func sql(ref string, f Format, text string) queryBuilder {
	qt := "table"
	if f == TimeSeries {
		qt = "timeseries"
	}
	return queryBuilder{Query{RefID: ref, Datasource: &datasource, EditorType: "sql", QueryType: qt, Format: f, RawSQL: dedent(text), Version: pluginVersion}}
}

func dedent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

func ptr[T any](v T) *T { return &v }

// variableQuery is a query variable's query as the plugin saves it.
func variableQuery(text string) dashboard.StringOrMap {
	return dashboard.StringOrMap{Map: map[string]any{"editorType": "sql", "rawSql": text}}
}
