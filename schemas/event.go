// Package schemas is the single source of truth for Vigía's event contract: the Go types, the
// decoder and validator with their reason codes, the JSON Schema file agencies validate
// against (event.v1.schema.json) and the points registry.
package schemas

import "time"

// The enums' String methods, which are also their contract values, are generated.
//go:generate stringer -type=EventType,Direction,Role,Sex,Mode,CaseType,CaseStatus,Service,Outcome -linecomment -output event_string.go

// EventType is what happened to the people an event stands for.
type EventType uint8

const (
	TypeUnknown EventType = iota //
	Crossing                     // crossing
	Detention                    // detention
	Return                       // return
	// Assistance is a consular case: a consulate assisting one of its country's nationals
	// abroad (published by a foreign ministry's consular network).
	Assistance // assistance
	// Referral is a returnee received at a reception centre and referred to a service.
	Referral // referral
)

// Direction of a crossing at a border point.
type Direction uint8

const (
	DirectionNone Direction = iota //
	Entry                          // entry
	Exit                           // exit
)

// Role of an event at a point: where the people come from, pass through, or go to.
type Role uint8

const (
	RoleNone    Role = iota //
	Origin                  // origin
	Transit                 // transit
	Destination             // destination
)

// Sex as agencies report it.
type Sex uint8

const (
	SexNone    Sex = iota //
	Female                // female
	Male                  // male
	SexOther              // other
	SexUnknown            // unknown
)

// Mode of transport of a return.
type Mode uint8

const (
	ModeNone Mode = iota //
	Air                  // air
	Land                 // land
	Sea                  // sea
)

// CaseType is why a consulate assists a national (assistance events).
type CaseType uint8

const (
	CaseTypeNone        CaseType = iota //
	CaseDetention                       // detention
	CaseRemoval                         // removal_proceedings
	CaseHospitalisation                 // hospitalisation
	CaseDeath                           // death
	CaseMissing                         // missing_person
	CaseRemains                         // repatriation_of_remains
	CaseDocuments                       // documents
	CaseChildProtection                 // child_protection
	CaseOther                           // other
)

// CaseStatus says whether an assistance record opens or closes a case.
type CaseStatus uint8

const (
	CaseStatusNone CaseStatus = iota //
	CaseOpened                       // opened
	CaseClosed                       // closed
)

// Service is what a reception centre refers a returnee to (referral events).
type Service uint8

const (
	ServiceNone            Service = iota //
	ServiceHealth                         // health
	ServicePsychosocial                   // psychosocial
	ServiceLegal                          // legal
	ServiceChildProtection                // child_protection
	ServiceReunification                  // family_reunification
	ServiceShelter                        // shelter
	ServiceEmployment                     // employment
	ServiceReintegration                  // reintegration_programme
)

// Outcome of a referral, when known.
type Outcome uint8

const (
	OutcomeNone Outcome = iota //
	Pending                    // pending
	Attended                   // attended
	Enrolled                   // enrolled
	Declined                   // declined
	Unreachable                // unreachable
)

// Needs is a set of coded protection needs (person.protection_needs), one bit per Need.
// Special-category data: it is counted in aggregates (k=10) and never stored per row.
type Needs uint16

// Need is one coded protection need.
type Need uint8

// The protection needs, coded (never free text). Append only: the bit of each is its value.
const (
	NeedSeparatedChild Need = iota
	NeedPregnancy
	NeedDisability
	NeedMedical
	NeedInternationalProtection
	NeedTrafficking
	NeedViolence
	NeedOlderPerson
	needCount
)

var needNames = [needCount]string{"separated_child", "pregnancy", "disability", "serious_medical_condition",
	"international_protection", "trafficking_indicators", "survivor_of_violence", "older_person_at_risk"}

// String is the need's contract code.
func (n Need) String() string {
	if n >= needCount {
		return ""
	}
	return needNames[n]
}

// AllNeeds lists every protection need in code order.
func AllNeeds() []Need {
	out := make([]Need, needCount)
	for i := range out {
		out[i] = Need(i)
	}
	return out
}

// ParseNeed is the need with contract code s.
func ParseNeed(s string) (Need, bool) {
	for i, name := range needNames {
		if name == s {
			return Need(i), true
		}
	}
	return 0, false
}

// Has reports whether n is in the set.
func (s Needs) Has(n Need) bool { return s&(1<<n) != 0 }

// With is the set with n added.
func (s Needs) With(n Need) Needs { return s | 1<<n }

// Tri is an optional boolean: absent, true or false.
type Tri uint8

const (
	TriUnset Tri = iota
	TriTrue
	TriFalse
)

// Bool reports whether the value is set and true.
func (t Tri) Bool() bool { return t == TriTrue }

// Event is one agency record after decoding (schema v1). It still holds PII: it must never
// leave the ingest stage; lib/anonymize turns it into a clean event.
type Event struct {
	SchemaVersion      int
	EventID            string
	Agency             string
	Type               EventType
	OccurredAt         time.Time // UTC
	PointID            string
	Direction          Direction
	Count              int // persons the record stands for; 1 when absent
	Role               Role
	Person             Person
	DestinationCountry string
	ReturningCountry   string
	Mode               Mode
	// OriginSubdivision is where in the country of origin the people left from (ISO 3166-2,
	// in the shipped list schemas/subdivisions); optional on every type.
	OriginSubdivision string
	// ReceptionPointID is the reception centre that received a return (a registry point of a
	// reception kind); returns only, optional.
	ReceptionPointID string
	// AssistanceCountry is where a consular case happened; assistance only, defaults to the
	// consulate's country.
	AssistanceCountry string
	CaseType          CaseType   // assistance only, required there
	CaseStatus        CaseStatus // assistance only, required there
	Service           Service    // referral only, required there
	Outcome           Outcome    // referral only, optional
}

// Person holds the optional personal attributes. Names, the document and the birth date are
// PII and are dropped by anonymization.
type Person struct {
	Nationality   string
	Sex           Sex
	BirthDate     string // YYYY-MM-DD, as sent
	Age           int    // -1 when absent
	GivenNames    string
	FamilyNames   string
	Document      Document
	Unaccompanied Tri
	FamilyGroupID string
	// Protection are the coded protection needs (special-category data: counted, never stored
	// per row, not part of any identity).
	Protection Needs
}

// Document identifies a travel or identity document.
type Document struct {
	Type    string // passport | national_id | other
	Number  string
	Country string
}

// Reset clears e for reuse with the defaults that absent fields take.
func (e *Event) Reset() {
	*e = Event{Count: 1}
	e.Person.Age = -1
}

// HasIdentity reports whether the record identifies one person (a document, or full names
// with a birth date), which is what pseudonyms and semantic deduplication need.
func (p *Person) HasIdentity() bool {
	return p.Document.Number != "" || (p.GivenNames != "" && p.FamilyNames != "" && p.BirthDate != "")
}
