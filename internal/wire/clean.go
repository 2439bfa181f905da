// Package wire holds the formats that travel between Vigía's own stages, apart from the
// agency contract in schemas: the clean event (a compact binary codec whose fixed-width header
// lets dedup read its keys and stamp the watermark in place), its age bands and demographic
// categories, watermark and source markers, and the progress records of the settled event
// time. Only Vigía reads and writes them; a change bumps the codec version.
package wire

//go:generate stringer -type=AgeBand,Category -linecomment -output clean_string.go

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/vigia-observatory/vigia/schemas"
)

// CleanEvent is an event after ingest: no names, no document, no birth date; age generalized
// into a band; pseudonyms keyed with a rotating secret. It is what travels on vigia.anon and
// vigia.clean and what lands in ClickHouse.
type CleanEvent struct {
	Agency             string
	EventID            string
	SchemaVersion      uint8
	Type               schemas.EventType
	OccurredAt         int64 // Unix seconds, UTC
	PointID            string
	PointCountry       string
	Role               schemas.Role
	Direction          schemas.Direction
	Count              uint32
	Nationality        string
	Sex                schemas.Sex
	AgeBand            AgeBand
	Minor              bool
	Unaccompanied      bool
	Category           Category
	DestinationCountry string
	ReturningCountry   string
	Mode               schemas.Mode
	// The brief's details (codec 5): codes, never free text, none of them personal.
	OriginSubdivision string // ISO 3166-2
	ReceptionPointID  string // returns: the centre that received them
	AssistanceCountry string // assistance: where the case happened
	CaseType          schemas.CaseType
	CaseStatus        schemas.CaseStatus
	Service           schemas.Service
	Outcome           schemas.Outcome
	// Protection are the person's coded protection needs: special-category data that travels
	// only to be counted by the window stage (never written to a table row, never part of a key).
	Protection      schemas.Needs
	PersonPseudonym string // empty for minors by default, and when no identity was sent
	FamilyPseudonym string
	KeyID           string // the key the pseudonyms and fingerprints were made with
	IngestedAt      int64  // Unix seconds

	// ExactKey hashes (agency, event_id); SemanticKey is the keyed fingerprint of (person,
	// type, point), zero when the record identifies no person. Both serve deduplication only
	// and are never stored in ClickHouse.
	// AltKey is the fingerprint of the same (person, type, point) by the record's second
	// identity form when it carries both (document, and names with birth date): a repeat
	// reported by another agency with only one of the forms still matches one key.
	ExactKey    uint64
	SemanticKey uint64
	AltKey      uint64
	// PrevKey and PrevAlt are SemanticKey and AltKey under the previous pseudonymization key,
	// set only during a key rotation's overlap (both keys in the ring): a repeat of a record
	// fingerprinted before the rotation still matches. Zero otherwise.
	PrevKey uint64
	PrevAlt uint64
	// Watermark is the event-time watermark (Unix seconds) of the record's partition, stamped
	// by the dedup stage so that lateness decisions downstream are part of the log and replay
	// identically after a crash.
	Watermark int64
}

// AgeBand generalizes an age.
type AgeBand uint8

const (
	AgeUnknown AgeBand = iota // unknown
	Age0to4                   // 0-4
	Age5to11                  // 5-11
	Age12to17                 // 12-17
	Age18to29                 // 18-29
	Age30to44                 // 30-44
	Age45to59                 // 45-59
	Age60plus                 // 60+
)

// ParseAgeBand is the band named s (its String), or AgeUnknown.
func ParseAgeBand(s string) AgeBand {
	for b := AgeUnknown; b <= Age60plus; b++ {
		if b.String() == s {
			return b
		}
	}
	return AgeUnknown
}

// BandOf returns the band of an age in whole years.
func BandOf(age int) AgeBand {
	switch {
	case age < 0:
		return AgeUnknown
	case age <= 4:
		return Age0to4
	case age <= 11:
		return Age5to11
	case age <= 17:
		return Age12to17
	case age <= 29:
		return Age18to29
	case age <= 44:
		return Age30to44
	case age <= 59:
		return Age45to59
	}
	return Age60plus
}

// Category is the region's usual demographic category, as CBP, Mexico's UPM and Guatemala's
// IGM publish it.
type Category uint8

const (
	CategoryUnknown    Category = iota // unknown
	SingleAdult                        // single_adult
	FamilyUnit                         // family_unit
	UnaccompaniedMinor                 // unaccompanied_minor
	AccompaniedMinor                   // accompanied_minor
)

// cleanCodecVersion 3 adds the alternate semantic key to version 2, which put the
// fixed-width fields first, so dedup reads its keys and stamps the watermark in place without
// decoding the record (see PeekClean, SetWatermark). Version 2 records (written before an
// upgrade, still in vigia.clean for the dedup horizon) are read with no alternate key.
//
// Version 4 adds the previous key's fingerprints (PrevKey, PrevAlt) after the alternate key.
//
// Version 5 appends the brief's details after the strings of version 4: four enum bytes
// (case type, case status, service, outcome), the protection needs (uvarint) and three
// strings (origin subdivision, reception point, assistance country). Version 4 records are
// read with none.
const cleanCodecVersion = 5

// Layout: 10 header bytes (version, schema version, enums, flags), then at fixed offsets the
// watermark, exact key, semantic key and alternate key (8 bytes each, little-endian; version 2
// has no alternate key), then varints (occurred_at, ingested_at, count), then length-prefixed
// strings.
const (
	offWatermark = 10
	offExact     = 18
	offSemantic  = 26
	offAlt       = 34
	offPrev      = 42
	offPrevAlt   = 50
	offVarints   = 58
	offVarintsV3 = 42
	offVarintsV2 = 34
)

// keys are the fingerprints at fixed offsets beyond the semantic key.
type keys struct{ alt, prev, prevAlt uint64 }

// layout checks b's codec version and returns where its varints start and the keys it has.
func layout(b []byte) (varints int, k keys, ok bool) {
	if len(b) < offVarintsV2 {
		return 0, k, false
	}
	switch b[0] {
	case 2:
		return offVarintsV2, k, true
	case 3:
		if len(b) < offVarintsV3 {
			return 0, k, false
		}
		return offVarintsV3, keys{alt: binary.LittleEndian.Uint64(b[offAlt:])}, true
	case 4, cleanCodecVersion:
		if len(b) < offVarints {
			return 0, k, false
		}
		return offVarints, keys{binary.LittleEndian.Uint64(b[offAlt:]), binary.LittleEndian.Uint64(b[offPrev:]), binary.LittleEndian.Uint64(b[offPrevAlt:])}, true
	}
	return 0, k, false
}

// ErrBadClean is returned for bytes that are not a clean event of a known codec version.
var ErrBadClean = errors.New("not a clean event")

// AppendBinary appends the binary form of e to b and returns the extended buffer; with a
// reused buffer it does not allocate.
func (e *CleanEvent) AppendBinary(b []byte) []byte {
	b = append(b, cleanCodecVersion, e.SchemaVersion, byte(e.Type), byte(e.Role), byte(e.Direction),
		byte(e.Sex), byte(e.AgeBand), byte(e.Category), byte(e.Mode), flags(e))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Watermark))
	b = binary.LittleEndian.AppendUint64(b, e.ExactKey)
	b = binary.LittleEndian.AppendUint64(b, e.SemanticKey)
	b = binary.LittleEndian.AppendUint64(b, e.AltKey)
	b = binary.LittleEndian.AppendUint64(b, e.PrevKey)
	b = binary.LittleEndian.AppendUint64(b, e.PrevAlt)
	b = binary.AppendVarint(b, e.OccurredAt)
	b = binary.AppendVarint(b, e.IngestedAt)
	b = binary.AppendUvarint(b, uint64(e.Count))
	for _, s := range [...]string{e.Agency, e.EventID, e.PointID, e.PointCountry, e.Nationality,
		e.DestinationCountry, e.ReturningCountry, e.PersonPseudonym, e.FamilyPseudonym, e.KeyID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, byte(e.CaseType), byte(e.CaseStatus), byte(e.Service), byte(e.Outcome))
	b = binary.AppendUvarint(b, uint64(e.Protection))
	for _, s := range [...]string{e.OriginSubdivision, e.ReceptionPointID, e.AssistanceCountry} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func flags(e *CleanEvent) byte {
	var f byte
	if e.Minor {
		f |= 1
	}
	if e.Unaccompanied {
		f |= 2
	}
	return f
}

// UnmarshalBinary decodes b into e. Strings are copied, so b may be reused.
func (e *CleanEvent) UnmarshalBinary(b []byte) error {
	varints, k, ok := layout(b)
	if !ok {
		return ErrBadClean
	}
	e.SchemaVersion, e.Type, e.Role, e.Direction = b[1], schemas.EventType(b[2]), schemas.Role(b[3]), schemas.Direction(b[4])
	e.Sex, e.AgeBand, e.Category, e.Mode = schemas.Sex(b[5]), AgeBand(b[6]), Category(b[7]), schemas.Mode(b[8])
	e.Minor, e.Unaccompanied = b[9]&1 != 0, b[9]&2 != 0
	if e.Type > schemas.Referral || e.Role > schemas.Destination || e.Direction > schemas.Exit || e.Sex > schemas.SexUnknown ||
		e.AgeBand > Age60plus || e.Category > AccompaniedMinor || e.Mode > schemas.Sea {
		return ErrBadClean
	}
	e.Watermark = int64(binary.LittleEndian.Uint64(b[offWatermark:]))
	e.ExactKey = binary.LittleEndian.Uint64(b[offExact:])
	e.SemanticKey, e.AltKey, e.PrevKey, e.PrevAlt = binary.LittleEndian.Uint64(b[offSemantic:]), k.alt, k.prev, k.prevAlt
	d := decoder{b: b[varints:]}
	e.OccurredAt, e.IngestedAt = d.varint(), d.varint()
	e.Count = uint32(d.uvarint())
	for _, s := range [...]*string{&e.Agency, &e.EventID, &e.PointID, &e.PointCountry, &e.Nationality,
		&e.DestinationCountry, &e.ReturningCountry, &e.PersonPseudonym, &e.FamilyPseudonym, &e.KeyID} {
		*s = d.str()
	}
	e.CaseType, e.CaseStatus, e.Service, e.Outcome, e.Protection = 0, 0, 0, 0, 0
	e.OriginSubdivision, e.ReceptionPointID, e.AssistanceCountry = "", "", ""
	if b[0] == cleanCodecVersion {
		d.brief(e)
	}
	if d.bad || len(d.b) != 0 {
		return ErrBadClean
	}
	return nil
}

// brief reads the details version 5 appends.
func (d *decoder) brief(e *CleanEvent) {
	if len(d.b) < 4 {
		d.bad = true
		return
	}
	e.CaseType, e.CaseStatus, e.Service, e.Outcome = schemas.CaseType(d.b[0]), schemas.CaseStatus(d.b[1]), schemas.Service(d.b[2]), schemas.Outcome(d.b[3])
	d.b = d.b[4:]
	e.Protection = schemas.Needs(d.uvarint())
	if e.CaseType > schemas.CaseOther || e.CaseStatus > schemas.CaseClosed || e.Service > schemas.ServiceReintegration || e.Outcome > schemas.Unreachable {
		d.bad = true
	}
	for _, s := range [...]*string{&e.OriginSubdivision, &e.ReceptionPointID, &e.AssistanceCountry} {
		*s = d.str()
	}
}

// OccurredTime is OccurredAt as a time.Time in UTC.
func (e *CleanEvent) OccurredTime() time.Time { return time.Unix(e.OccurredAt, 0).UTC() }

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

// CleanPeek is what deduplication needs of a clean record, read without decoding it.
type CleanPeek struct {
	ExactKey, SemanticKey, AltKey uint64
	PrevKey, PrevAlt              uint64 // during a key rotation's overlap
	OccurredAt                    int64
	PointID                       []byte // a view into the record
}

// PeekClean reads the keys, the event time and the point of an encoded clean event without
// allocating.
func PeekClean(b []byte) (CleanPeek, error) {
	varints, k, ok := layout(b)
	if !ok {
		return CleanPeek{}, ErrBadClean
	}
	p := CleanPeek{ExactKey: binary.LittleEndian.Uint64(b[offExact:]), SemanticKey: binary.LittleEndian.Uint64(b[offSemantic:]),
		AltKey: k.alt, PrevKey: k.prev, PrevAlt: k.prevAlt}
	d := decoder{b: b[varints:]}
	p.OccurredAt = d.varint()
	d.varint()
	d.uvarint()
	for i := 0; i < 3; i++ { // agency, event_id, point_id
		n := d.uvarint()
		if d.bad || n > uint64(len(d.b)) {
			return CleanPeek{}, ErrBadClean
		}
		p.PointID, d.b = d.b[:n], d.b[n:]
	}
	if d.bad {
		return CleanPeek{}, ErrBadClean
	}
	return p, nil
}

// SetWatermark stamps the watermark into an encoded clean event, in place.
func SetWatermark(b []byte, wm int64) {
	binary.LittleEndian.PutUint64(b[offWatermark:], uint64(wm))
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := internCountry(d.b[:n])
	d.b = d.b[n:]
	return s
}

// internCountry returns the shared string for a country code, avoiding an allocation for the
// most common short strings; other strings are copied.
func internCountry(b []byte) string {
	if len(b) == 3 {
		if c, ok := schemas.InternCountry(b); ok {
			return c
		}
	}
	return string(b)
}

// markerTag starts a watermark marker, which advances the watermark of an idle partition
// without carrying an event; 0xFF is never a codec version.
const markerTag = 0xFF

// AppendMarker appends a watermark marker for watermark wm (Unix seconds).
func AppendMarker(b []byte, wm int64) []byte {
	return binary.AppendVarint(append(b, markerTag), wm)
}

// Marker reports whether b is a watermark marker, and its watermark.
func Marker(b []byte) (int64, bool) {
	if len(b) < 2 || b[0] != markerTag {
		return 0, false
	}
	wm, n := binary.Varint(b[1:])
	return wm, n == len(b)-1
}

// sourceTag starts a source marker: the ingest stage's word, to every anon partition, of how
// far one raw partition has got in event time and whether it has caught up with its log.
const sourceTag = 0xFE

// AppendSourceMarker appends a source marker: the newest event time (Unix seconds) the
// source has delivered, and whether it had nothing more to read.
func AppendSourceMarker(b []byte, newest int64, caughtUp bool) []byte {
	b = binary.AppendVarint(append(b, sourceTag), newest)
	if caughtUp {
		return append(b, 1)
	}
	return append(b, 0)
}

// SourceMarker reports whether b is a source marker, and its content.
func SourceMarker(b []byte) (newest int64, caughtUp, ok bool) {
	if len(b) < 3 || b[0] != sourceTag {
		return 0, false, false
	}
	newest, n := binary.Varint(b[1:])
	if n <= 0 || n != len(b)-2 {
		return 0, false, false
	}
	return newest, b[len(b)-1] == 1, true
}
