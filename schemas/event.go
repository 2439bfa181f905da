// Package schemas is the single source of truth for Vigía's event contract: the Go types, the
// decoder and validator with their reason codes, the JSON Schema file agencies validate
// against (event.v1.schema.json) and the points registry.
package schemas

import "time"

// The enums' String methods, which are also their contract values, are generated.
//go:generate stringer -type=EventType,Direction,Role,Sex,Mode -linecomment -output event_string.go

// EventType is what happened to the people an event stands for.
type EventType uint8

const (
	TypeUnknown EventType = iota //
	Crossing                     // crossing
	Detention                    // detention
	Return                       // return
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
