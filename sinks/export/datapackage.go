package export

import (
	"time"

	"github.com/vigia-observatory/vigia/lib/disclosure"
)

// The Frictionless Data Package (v1) that describes an export: datapackage.json.
// Properties beside the specification's (disclosure, period, a field's unit) are allowed by
// it and ignored by readers that do not know them.

// Package is datapackage.json.
type Package struct {
	Profile     string     `json:"profile"`
	Name        string     `json:"name"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Licenses    []License  `json:"licenses"`
	Sources     []Source   `json:"sources"`
	Created     string     `json:"created"`
	Disclosure  Disclosure `json:"disclosure"`
	Period      Period     `json:"period"`
	Resources   []Resource `json:"resources"`
}

// License is a Data Package licence.
type License struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	Title string `json:"title"`
}

// license is the open data's: Creative Commons Attribution 4.0.
var license = License{Name: "CC-BY-4.0", Path: "https://creativecommons.org/licenses/by/4.0/", Title: "Creative Commons Attribution 4.0"}

// Source is an agency that reported events in the exported range.
type Source struct {
	Title string `json:"title"`
}

// Disclosure is the rule every figure passed, in words and in numbers.
type Disclosure struct {
	Rule      string `json:"rule"`
	K         int    `json:"k"`
	KChildren int    `json:"k_children"`
}

// Period is what was asked: periods starting in [From, To).
type Period struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Granularity string `json:"granularity"`
}

// Resource is one exported file.
type Resource struct {
	Name        string `json:"name"`
	Profile     string `json:"profile"`
	Path        string `json:"path"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Format      string `json:"format"`
	Mediatype   string `json:"mediatype"`
	Encoding    string `json:"encoding,omitempty"`
	Bytes       int64  `json:"bytes"`
	Hash        string `json:"hash"`
	Rows        int64  `json:"rows"`
	Schema      Schema `json:"schema"`
}

// Schema is a Table Schema.
type Schema struct {
	Fields        []Field  `json:"fields"`
	MissingValues []string `json:"missingValues"`
}

// Field is a Table Schema field.
type Field struct {
	Name        string       `json:"name"`
	Type        string       `json:"type"`
	Description string       `json:"description"`
	Unit        string       `json:"unit,omitempty"`
	Constraints *Constraints `json:"constraints,omitempty"`
}

// Constraints of a field.
type Constraints struct {
	Required bool     `json:"required,omitempty"`
	Minimum  *int     `json:"minimum,omitempty"`
	Enum     []string `json:"enum,omitempty"`
}

var grainTitles = map[string]string{
	"point_hour":    "Persons by point and UTC hour",
	"point_day":     "Persons by point and local day",
	"country_day":   "Persons by country, nationality and local day",
	"country_week":  "Persons by country, nationality and week (Monday to Sunday)",
	"country_month": "Persons by country, nationality and month",
}

// tableSchema is the Table Schema of a grain's file.
func tableSchema(grain string) Schema {
	var fs []Field
	zero := 0
	for _, c := range columns(grain) {
		f := Field{Name: c.name, Type: c.tsType, Description: c.description, Unit: c.unit,
			Constraints: &Constraints{Required: !c.nullable && !c.mayBeEmpty, Enum: c.enum}}
		if c.name == "persons" {
			f.Constraints.Minimum = &zero
		}
		if k := f.Constraints; !k.Required && k.Minimum == nil && k.Enum == nil {
			f.Constraints = nil
		}
		fs = append(fs, f)
	}
	// An empty CSV cell is null (persons where suppressed; point_id and nationality where the
	// grain has none); Parquet and Arrow have nulls of their own and only persons holds one.
	return Schema{Fields: fs, MissingValues: []string{""}}
}

// newPackage describes the files of an export.
func newPackage(c Config, created time.Time, agencies []string, files []File) Package {
	p := Package{
		Profile: "data-package",
		Name:    "vigia-figures-" + c.Granularity + "-" + c.From.UTC().Format(time.DateOnly) + "-" + c.To.UTC().Format(time.DateOnly),
		Title: "Vigía, Regional Migration Observatory: persons by " + c.Granularity + ", " + c.From.UTC().Format(time.DateOnly) +
			" to " + c.To.UTC().AddDate(0, 0, -1).Format(time.DateOnly),
		Description: "Border crossings, detentions and returns reported by the region's agencies, counted by the observatory's " +
			"pipeline (deduplicated across agencies) and protected before publication. Disclosure control: " + disclosure.Describe() +
			". Any sum of these figures is itself a multiple of k; a suppressed cell is a count from 1 to k-1, not zero.",
		Licenses:   []License{license},
		Sources:    []Source{},
		Created:    created.UTC().Format(time.RFC3339),
		Disclosure: Disclosure{Rule: disclosure.Describe(), K: disclosure.K, KChildren: disclosure.KMinors},
		Period:     Period{From: c.From.UTC().Format(time.DateOnly), To: c.To.UTC().Format(time.DateOnly), Granularity: c.Granularity},
	}
	for _, a := range agencies {
		p.Sources = append(p.Sources, Source{Title: a})
	}
	tabular := c.Format == "csv"
	if tabular {
		p.Profile = "tabular-data-package"
	}
	for _, f := range files {
		r := Resource{
			Name: "figures_" + f.Grain, Profile: "data-resource", Path: f.Name,
			Title: grainTitles[f.Grain], Format: formats[c.Format].ext, Mediatype: formats[c.Format].mediatype,
			Description: grainTitles[f.Grain] + ": one row per period and cell (place, type, role, category, minor, nationality), periods starting from " +
				p.Period.From + " until before " + p.Period.To + ".",
			Bytes: f.Bytes, Hash: "sha256:" + f.SHA256, Rows: f.Rows, Schema: tableSchema(f.Grain),
		}
		if tabular {
			r.Profile, r.Encoding = "tabular-data-resource", "utf-8"
		}
		p.Resources = append(p.Resources, r)
	}
	return p
}
