package schemas

import (
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// DefaultMaxRecordBytes is the largest record Decoder accepts when MaxRecordBytes is zero.
const DefaultMaxRecordBytes = 64 << 10

// Decoder turns one JSON record into an Event, reporting type-level problems (malformed JSON,
// wrong JSON types, values outside an enum, unparsable times). Rules that need the whole
// record or reference data live in Validator. A Decoder reuses its parser and is therefore
// not safe for concurrent use: give each goroutine its own.
type Decoder struct {
	// MaxRecordBytes bounds a record's size. Default DefaultMaxRecordBytes.
	MaxRecordBytes int

	p fastjson.Parser
}

// Decode fills ev from b, appending problems to errs. Unknown fields are ignored: they are
// kept out of storage by construction. JSON null counts as an absent field.
func (d *Decoder) Decode(b []byte, ev *Event, errs *Errors) {
	ev.Reset()
	limit := d.MaxRecordBytes
	if limit <= 0 {
		limit = DefaultMaxRecordBytes
	}
	if len(b) > limit {
		errs.add("", TooLarge, "record is larger than the maximum record size")
		return
	}
	v, err := d.p.ParseBytes(b)
	if err != nil {
		errs.add("", MalformedJSON, "record is not valid JSON")
		return
	}
	o, err := v.Object()
	if err != nil {
		errs.add("", NotObject, "record must be a JSON object")
		return
	}
	o.Visit(func(k []byte, v *fastjson.Value) { decodeTop(string(k), v, ev, errs) })
}

func decodeTop(k string, v *fastjson.Value, ev *Event, errs *Errors) {
	if v.Type() == fastjson.TypeNull {
		return
	}
	switch k {
	case "schema_version":
		n, ok := intOf(v, "schema_version", errs)
		if ok {
			ev.SchemaVersion = n
		}
	case "event_id":
		ev.EventID = stringOf(v, "event_id", errs)
	case "agency":
		ev.Agency = stringOf(v, "agency", errs)
	case "type":
		ev.Type = EventType(oneOf(v, "type", typeNames, errs))
	case "occurred_at":
		decodeTime(v, ev, errs)
	case "point_id":
		ev.PointID = stringOf(v, "point_id", errs)
	case "direction":
		ev.Direction = Direction(oneOf(v, "direction", directionNames, errs))
	case "count":
		n, ok := intOf(v, "count", errs)
		if ok {
			ev.Count = n
		}
	case "role":
		ev.Role = Role(oneOf(v, "role", roleNames, errs))
	case "person":
		decodePerson(v, &ev.Person, errs)
	case "destination_country":
		ev.DestinationCountry = countryOf(v, "destination_country", errs)
	case "returning_country":
		ev.ReturningCountry = countryOf(v, "returning_country", errs)
	case "mode":
		ev.Mode = Mode(oneOf(v, "mode", modeNames, errs))
	case "origin_subdivision":
		ev.OriginSubdivision = stringOf(v, "origin_subdivision", errs)
	case "reception_point_id":
		ev.ReceptionPointID = stringOf(v, "reception_point_id", errs)
	case "assistance_country":
		ev.AssistanceCountry = countryOf(v, "assistance_country", errs)
	case "case_type":
		ev.CaseType = CaseType(oneOf(v, "case_type", caseTypeNames, errs))
	case "case_status":
		ev.CaseStatus = CaseStatus(oneOf(v, "case_status", caseStatusNames, errs))
	case "service":
		ev.Service = Service(oneOf(v, "service", serviceNames, errs))
	case "outcome":
		ev.Outcome = Outcome(oneOf(v, "outcome", outcomeNames, errs))
	}
}

// decodeNeeds reads person.protection_needs: an array of codes (a repeated code counts once).
func decodeNeeds(v *fastjson.Value, errs *Errors) Needs {
	const path = "person.protection_needs"
	a, err := v.Array()
	if err != nil {
		errs.add(path, BadType, path+" must be an array of codes")
		return 0
	}
	var set Needs
	for _, x := range a {
		b, err := x.StringBytes()
		if err != nil {
			errs.add(path, BadType, path+" must be an array of codes")
			return 0
		}
		n, ok := ParseNeed(string(b))
		if !ok {
			// Not listed here as other enums are: a message never names a need (DLQ headers).
			errs.add(path, BadEnum, path+" items must be protection-need codes of docs/publishing.md")
			return 0
		}
		set = set.With(n)
	}
	return set
}

func decodePerson(v *fastjson.Value, p *Person, errs *Errors) {
	o, err := v.Object()
	if err != nil {
		errs.add("person", BadType, "person must be an object")
		return
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if v.Type() == fastjson.TypeNull {
			return
		}
		switch string(k) {
		case "nationality":
			p.Nationality = countryOf(v, "person.nationality", errs)
		case "sex":
			p.Sex = Sex(oneOf(v, "person.sex", sexNames, errs))
		case "birth_date":
			p.BirthDate = stringOf(v, "person.birth_date", errs)
		case "age":
			if n, ok := intOf(v, "person.age", errs); ok {
				p.Age = n
			}
		case "given_names":
			p.GivenNames = stringOf(v, "person.given_names", errs)
		case "family_names":
			p.FamilyNames = stringOf(v, "person.family_names", errs)
		case "unaccompanied":
			p.Unaccompanied = boolOf(v, "person.unaccompanied", errs)
		case "family_group_id":
			p.FamilyGroupID = stringOf(v, "person.family_group_id", errs)
		case "document":
			decodeDocument(v, &p.Document, errs)
		case "protection_needs":
			p.Protection = decodeNeeds(v, errs)
		}
	})
}

func decodeDocument(v *fastjson.Value, d *Document, errs *Errors) {
	o, err := v.Object()
	if err != nil {
		errs.add("person.document", BadType, "document must be an object")
		return
	}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if v.Type() == fastjson.TypeNull {
			return
		}
		switch string(k) {
		case "type":
			if i := oneOf(v, "person.document.type", documentTypes[:], errs); i > 0 {
				d.Type = documentTypes[i]
			}
		case "number":
			d.Number = stringOf(v, "person.document.number", errs)
		case "country":
			d.Country = countryOf(v, "person.document.country", errs)
		}
	})
}

var documentTypes = [...]string{"", "passport", "national_id", "other"}

func decodeTime(v *fastjson.Value, ev *Event, errs *Errors) {
	b, err := v.StringBytes()
	if err != nil {
		errs.add("occurred_at", BadType, "occurred_at must be a string")
		return
	}
	t, err := time.Parse(time.RFC3339, string(b))
	if err != nil {
		errs.add("occurred_at", BadTimestamp, "occurred_at must be an RFC 3339 time with a UTC offset, e.g. 2023-08-14T09:30:00-05:00")
		return
	}
	ev.OccurredAt = t.UTC()
}

func stringOf(v *fastjson.Value, path string, errs *Errors) string {
	b, err := v.StringBytes()
	if err != nil {
		errs.add(path, BadType, path+" must be a string")
		return ""
	}
	return string(b)
}

// countryOf returns the canonical interned code, so valid codes cost no allocation; an
// invalid code is reported here and returned empty.
func countryOf(v *fastjson.Value, path string, errs *Errors) string {
	b, err := v.StringBytes()
	if err != nil {
		errs.add(path, BadType, path+" must be a string")
		return ""
	}
	c, ok := countryCodes[string(b)]
	if !ok {
		errs.add(path, BadCountryCode, path+" must be an ISO 3166-1 alpha-3 code in upper case, e.g. HND")
		return ""
	}
	return c
}

// enumOf returns the index of the value in names (index 0 is the "absent" slot), or 0 after
// reporting the problem.
// enum is a contract enum: 0 is "absent", its generated String is the contract name.
type enum interface {
	~uint8
	String() string
}

// namesOf lists an enum's contract names by value, from 0 to last; built once, so parsing
// compares against a slice instead of calling String per candidate.
func namesOf[E enum](last E) []string {
	out := make([]string, 0, last+1)
	for e := E(0); e <= last; e++ {
		out = append(out, e.String())
	}
	return out
}

var (
	typeNames      = namesOf(Referral)
	directionNames = namesOf(Exit)
	roleNames      = namesOf(Destination)
	sexNames       = namesOf(SexUnknown)
	modeNames      = namesOf(Sea)

	caseTypeNames   = namesOf(CaseOther)
	caseStatusNames = namesOf(CaseClosed)
	serviceNames    = namesOf(ServiceReintegration)
	outcomeNames    = namesOf(Unreachable)
)

// oneOf is the index of v's string in names (from 1: names[0] stands for absent), for a
// field whose values are plain strings.
func oneOf(v *fastjson.Value, path string, names []string, errs *Errors) int {
	b, err := v.StringBytes()
	if err != nil {
		errs.add(path, BadType, path+" must be a string")
		return 0
	}
	for i := 1; i < len(names); i++ {
		if string(b) == names[i] {
			return i
		}
	}
	errs.add(path, BadEnum, path+" must be one of "+strings.Join(names[1:], ", "))
	return 0
}

func intOf(v *fastjson.Value, path string, errs *Errors) (int, bool) {
	if v.Type() != fastjson.TypeNumber {
		errs.add(path, BadType, path+" must be an integer number")
		return 0, false
	}
	n, err := v.Int()
	if err != nil {
		errs.add(path, BadType, path+" must be an integer number")
		return 0, false
	}
	return n, true
}

func boolOf(v *fastjson.Value, path string, errs *Errors) Tri {
	switch v.Type() {
	case fastjson.TypeTrue:
		return TriTrue
	case fastjson.TypeFalse:
		return TriFalse
	}
	errs.add(path, BadType, path+" must be true or false")
	return TriUnset
}

// countryCodes interns the ISO codes: looking a []byte up with string(b) does not allocate,
// and the value returned is a shared string.
var countryCodes = func() map[string]string {
	m := make(map[string]string, len(iso3166Alpha3))
	for c := range iso3166Alpha3 {
		m[c] = c
	}
	return m
}()

// InternCountry returns the shared string for an ISO 3166-1 alpha-3 code held in b, without
// allocating; ok is false when b is not a code.
func InternCountry(b []byte) (c string, ok bool) {
	c, ok = countryCodes[string(b)]
	return c, ok
}

// IsCountry reports whether c is an ISO 3166-1 alpha-3 code.
func IsCountry(c string) bool { _, ok := countryCodes[c]; return ok }
