package export

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/vigia-observatory/vigia/lib/disclosure"
)

// column is one column of the exported files: its Arrow type and its Table Schema entry.
type column struct {
	name        string
	arrow       arrow.DataType
	nullable    bool
	mayBeEmpty  bool   // an empty string where the grain has no value (a null in CSV)
	tsType      string // Table Schema type
	description string
	unit        string
	enum        []string
}

// columns of a grain's file, in order. period_start is a date (date32) for the daily, weekly
// and monthly grains and a UTC timestamp (milliseconds, Parquet has no seconds) for point_hour.
func columns(grain string) []column {
	start := column{name: "period_start", arrow: arrow.FixedWidthTypes.Date32, tsType: "date",
		description: "First day of the period: the point's local date (point_day, country_day), the Monday of the week (country_week), the first of the month (country_month)"}
	if grain == "point_hour" {
		start = column{name: "period_start", arrow: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, tsType: "datetime",
			description: "Start of the UTC hour"}
	}
	return []column{
		start,
		{name: "point_id", arrow: arrow.BinaryTypes.String, tsType: "string", mayBeEmpty: true,
			description: "Point of the observatory's registry (border post, airport, reception centre, detention site); empty in the country grains"},
		{name: "country", arrow: arrow.BinaryTypes.String, tsType: "string",
			description: "ISO 3166-1 alpha-3 code of the country where the events took place (the point's country)"},
		{name: "type", arrow: arrow.BinaryTypes.String, tsType: "string", enum: []string{"crossing", "detention", "return", "assistance", "referral"},
			description: "Kind of event: crossing, detention, return, assistance (consular cases) or referral (returnees referred to a service)"},
		{name: "role", arrow: arrow.BinaryTypes.String, tsType: "string", enum: []string{"origin", "transit", "destination"},
			description: "Role of the country for the persons counted: origin, transit or destination"},
		{name: "category", arrow: arrow.BinaryTypes.String, tsType: "string",
			enum:        []string{"unknown", "single_adult", "family_unit", "unaccompanied_minor", "accompanied_minor"},
			description: "Demographic category: single adult, member of a family unit, unaccompanied minor, accompanied minor, or unknown"},
		{name: "minor", arrow: arrow.FixedWidthTypes.Boolean, tsType: "boolean",
			description: "True when the cell counts children (under 18, or travelling unaccompanied)"},
		{name: "nationality", arrow: arrow.BinaryTypes.String, tsType: "string", mayBeEmpty: true,
			description: "ISO 3166-1 alpha-3 nationality of the persons counted; empty where it was not reported, and in the point grains"},
		{name: "persons", arrow: arrow.PrimitiveTypes.Uint64, nullable: true, tsType: "integer", unit: "persons",
			description: "Persons counted, rounded to a multiple of k by the disclosure rule; null (an empty cell in CSV) where the count is suppressed"},
		{name: "suppressed", arrow: arrow.FixedWidthTypes.Boolean, tsType: "boolean",
			description: "True when the count was from 1 to k-1 and is not shown"},
		{name: "k", arrow: arrow.PrimitiveTypes.Uint8, tsType: "integer", unit: "persons",
			description: "Threshold and rounding base of the cell: 5, or 10 where children are counted"},
	}
}

// schema is the Arrow schema of a grain's file; its metadata names the grain and the rule.
func schema(grain string) *arrow.Schema {
	cols := columns(grain)
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.arrow, Nullable: c.nullable}
	}
	md := arrow.NewMetadata([]string{"vigia.grain", "vigia.disclosure", "vigia.license"},
		[]string{grain, disclosure.Describe(), license.Name})
	return arrow.NewSchema(fields, &md)
}
