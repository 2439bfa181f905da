package anonymize

import (
	"slices"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/vigia-observatory/vigia/schemas"
)

// Role derives the role of an event at a point, by this table (first matching row wins; it is
// also in docs/DESIGN.md):
//
//	| # | condition                                                     | role        |
//	|---|---------------------------------------------------------------|-------------|
//	| 1 | the record sets `role`                                        | that role   |
//	| 2 | nationality = point's country                                 | origin      |
//	| 3 | destination_country = point's country                         | destination |
//	| 4 | no destination_country and point's country in destinations    | destination |
//	| 5 | otherwise                                                     | transit     |
//
// Row 2 covers nationals leaving, and returnees received at home (a Guatemalan returned from
// the USA at La Aurora is counted at origin). destinations is the configured set of countries
// presumed to be destinations when none is declared (default USA, CAN).
func Role(ev *schemas.Event, pointCountry string, destinations []string) schemas.Role {
	switch {
	case ev.Role != schemas.RoleNone:
		return ev.Role
	case ev.Person.Nationality != "" && ev.Person.Nationality == pointCountry:
		return schemas.Origin
	case ev.DestinationCountry != "" && ev.DestinationCountry == pointCountry:
		return schemas.Destination
	case ev.DestinationCountry == "" && slices.Contains(destinations, pointCountry):
		return schemas.Destination
	}
	return schemas.Transit
}

// Category derives the demographic category (CBP, UPM and IGM usage) from age, the
// unaccompanied flag and the family group:
//
//	| age       | unaccompanied | family group | category            |
//	|-----------|---------------|--------------|---------------------|
//	| any       | true          | any          | unaccompanied_minor |
//	| any       | not true      | present      | family_unit         |
//	| minor     | not true      | absent       | accompanied_minor   |
//	| adult     | not true      | absent       | single_adult        |
//	| unknown   | not true      | absent       | unknown             |
func Category(ev *schemas.Event, age int, ageKnown bool) wire.Category {
	switch {
	case ev.Person.Unaccompanied.Bool():
		return wire.UnaccompaniedMinor
	case ev.Person.FamilyGroupID != "":
		return wire.FamilyUnit
	case !ageKnown:
		return wire.CategoryUnknown
	case age < 18:
		return wire.AccompaniedMinor
	}
	return wire.SingleAdult
}
