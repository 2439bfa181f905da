package schemas

import (
	"time"
	"unicode/utf8"
)

// Validator checks the rules that need the whole record, reference data or the clock. The zero
// value of each field takes the default stated beside it; Points is required. A Validator is
// read-only and safe for concurrent use.
type Validator struct {
	// Points is the registry point_id must belong to. Required.
	Points *Points
	// Subdivisions is the list origin_subdivision must belong to. Default RegionSubdivisions.
	Subdivisions *Subdivisions
	// Versions lists the accepted schema_version values. Default [1].
	Versions []int
	// MaxCount bounds count (an aggregate record such as a return flight). Default 10000.
	MaxCount int
	// MaxClockSkew is how far in the future occurred_at may lie. Default 15 minutes.
	MaxClockSkew time.Duration
	// Earliest is the oldest occurred_at accepted. Default 2000-01-01T00:00:00Z.
	Earliest time.Time
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Field length limits, in bytes.
const (
	maxEventID  = 128
	maxName     = 200
	maxDocument = 64
	maxGroupID  = 128
)

// agencyID reports whether s matches ^[a-z0-9][a-z0-9_-]{1,31}$, written out because every
// record is checked (a regexp was 5% of the in-memory chain's profile).
func agencyID(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || i > 0 && (c == '_' || c == '-')) {
			return false
		}
	}
	return true
}

// dateShape reports whether s is written DDDD-DD-DD (digits), as ^\d{4}-\d{2}-\d{2}$.
func dateShape(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Validate appends the semantic problems of ev to errs. ev must come from Decoder.Decode;
// fields the decoder already rejected are empty and are not reported twice.
func (v *Validator) Validate(ev *Event, errs *Errors) {
	decoded := len(*errs)
	pt, known := v.Points.Lookup(ev.PointID) // once: the brief's rules need the point's kind too
	v.validateHeader(ev, errs, decoded)
	v.validateWhere(ev, known, errs, decoded)
	v.validatePerson(ev, errs)
	v.validateReturn(ev, errs)
	v.validateBrief(ev, pt, known, errs, decoded)
}

func (v *Validator) validateHeader(ev *Event, errs *Errors, decoded int) {
	switch {
	case ev.SchemaVersion == 0 && !reported((*errs)[:decoded], "schema_version"):
		errs.add("schema_version", MissingField, "schema_version is required")
	case ev.SchemaVersion != 0 && !v.acceptsVersion(ev.SchemaVersion):
		errs.add("schema_version", UnsupportedSchemaVersion, "schema_version is not supported by this deployment (accepted: 1)")
	}
	switch {
	case ev.EventID == "":
		required(errs, decoded, "event_id")
	case len(ev.EventID) > maxEventID:
		errs.add("event_id", FieldTooLong, "event_id must be at most 128 bytes")
	case !printable(ev.EventID):
		errs.add("event_id", BadFormat, "event_id must be printable UTF-8 without control characters")
	}
	switch {
	case ev.Agency == "":
		required(errs, decoded, "agency")
	case !agencyID(ev.Agency):
		errs.add("agency", BadFormat, "agency must match ^[a-z0-9][a-z0-9_-]{1,31}$")
	}
	if ev.Type == TypeUnknown {
		required(errs, decoded, "type")
	}
	count := v.MaxCount
	if count <= 0 {
		count = 10000
	}
	if ev.Count < 1 || ev.Count > count {
		errs.add("count", CountOutOfRange, "count must be between 1 and the maximum count")
	}
	if ev.Count > 1 && ev.Person.HasIdentity() {
		errs.add("count", Inconsistent, "a record with a person's identity must have count 1")
	}
}

func (v *Validator) validateWhere(ev *Event, known bool, errs *Errors, decoded int) {
	if ev.OccurredAt.IsZero() {
		required(errs, decoded, "occurred_at")
	} else {
		earliest := v.Earliest
		if earliest.IsZero() {
			earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		now, skew := time.Now, v.MaxClockSkew
		if v.Now != nil {
			now = v.Now
		}
		if skew <= 0 {
			skew = 15 * time.Minute
		}
		if ev.OccurredAt.Before(earliest) {
			errs.add("occurred_at", BadTimestamp, "occurred_at is before the earliest accepted time")
		} else if ev.OccurredAt.After(now().Add(skew)) {
			errs.add("occurred_at", FutureTimestamp, "occurred_at is in the future")
		}
	}
	if ev.PointID == "" {
		required(errs, decoded, "point_id")
	} else if !known {
		errs.add("point_id", UnknownPoint, "point_id is not in the points registry")
	}
	switch {
	case ev.Type == Crossing && ev.Direction == DirectionNone:
		required(errs, decoded, "direction")
	case ev.Type != Crossing && ev.Type != TypeUnknown && ev.Direction != DirectionNone:
		errs.add("direction", FieldNotAllowed, "direction is only allowed on crossing events")
	}
}

func (v *Validator) validatePerson(ev *Event, errs *Errors) {
	p := &ev.Person
	if p.Age != -1 && (p.Age < 0 || p.Age > 120) {
		errs.add("person.age", AgeOutOfRange, "person.age must be between 0 and 120")
	}
	if p.BirthDate != "" {
		bd, err := time.Parse(time.DateOnly, p.BirthDate)
		switch {
		case !dateShape(p.BirthDate) || err != nil:
			errs.add("person.birth_date", BadDate, "person.birth_date must be a real date written YYYY-MM-DD")
		case !ev.OccurredAt.IsZero() && bd.After(ev.OccurredAt):
			errs.add("person.birth_date", BadDate, "person.birth_date is after occurred_at")
		case p.Age >= 0 && !ev.OccurredAt.IsZero() && absInt(AgeAt(bd, ev.OccurredAt)-p.Age) > 1:
			errs.add("person.age", Inconsistent, "person.age contradicts person.birth_date")
		}
	}
	tooLong(errs, "person.given_names", p.GivenNames, maxName)
	tooLong(errs, "person.family_names", p.FamilyNames, maxName)
	tooLong(errs, "person.document.number", p.Document.Number, maxDocument)
	tooLong(errs, "person.family_group_id", p.FamilyGroupID, maxGroupID)
	if p.Unaccompanied.Bool() {
		if age, ok := PersonAge(ev); ok && age >= 18 {
			errs.add("person.unaccompanied", Inconsistent, "only a minor (under 18) can be unaccompanied")
		}
	}
}

func (v *Validator) validateReturn(ev *Event, errs *Errors) {
	if ev.Type == Return {
		if ev.ReturningCountry == "" {
			errs.add("returning_country", MissingField, "returning_country is required on return events")
		}
		if ev.Mode == ModeNone {
			errs.add("mode", MissingField, "mode is required on return events")
		}
		return
	}
	if ev.Type == TypeUnknown {
		return
	}
	if ev.ReturningCountry != "" {
		errs.add("returning_country", FieldNotAllowed, "returning_country is only allowed on return events")
	}
	if ev.Mode != ModeNone {
		errs.add("mode", FieldNotAllowed, "mode is only allowed on return events")
	}
}

func (v *Validator) acceptsVersion(n int) bool {
	if len(v.Versions) == 0 {
		return n == 1
	}
	for _, x := range v.Versions {
		if x == n {
			return true
		}
	}
	return false
}

// PersonAge is the person's age in whole years at the event, from the age field or the birth
// date; ok is false when neither is known.
func PersonAge(ev *Event) (int, bool) {
	if ev.Person.Age >= 0 {
		return ev.Person.Age, true
	}
	if ev.Person.BirthDate == "" {
		return 0, false
	}
	bd, err := time.Parse(time.DateOnly, ev.Person.BirthDate)
	if err != nil {
		return 0, false
	}
	return AgeAt(bd, ev.OccurredAt), true
}

// AgeAt is the age in whole years on day at of someone born on birth.
func AgeAt(birth, at time.Time) int {
	age := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		age--
	}
	return age
}

// required reports a missing field unless the decoder already reported that path.
func required(errs *Errors, decoded int, path string) {
	if !reported((*errs)[:decoded], path) {
		errs.add(path, MissingField, path+" is required")
	}
}

func reported(es Errors, path string) bool {
	for _, e := range es {
		if e.Path == path {
			return true
		}
	}
	return false
}

func tooLong(errs *Errors, path, s string, max int) {
	if len(s) > max {
		errs.add(path, FieldTooLong, path+" is longer than allowed")
	}
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
