// Package anonymize turns a validated agency event into a clean event: names, document
// numbers and birth dates become keyed pseudonyms (HMAC-SHA256 with a rotating secret) and
// an age band; minors get no stored pseudonym by default; the role at the point and the
// demographic category are derived. Nothing personal survives it.
package anonymize

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"strconv"
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/cespare/xxhash/v2"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/schemas"
)

// Config of the anonymizer.
type Config struct {
	// Keys are the pseudonymization keys (32 bytes each); the current one is used. Required.
	Keys *secrets.KeyRing
	// EventKeys key the reference that replaces an agency's event_id (32 bytes each); the
	// current one is used. Required.
	EventKeys *secrets.KeyRing
	// PseudonymizeMinors stores a person pseudonym for minors too. Default false: a minor's
	// record keeps no pseudonym, only the age band and flags.
	PseudonymizeMinors bool
	// UnknownAgeAsMinor treats a person of unknown age as a possible minor: no stored
	// pseudonym either. Default true (Config.Known lets a caller say false).
	UnknownAgeAsMinor *bool
	// Precision truncates occurred_at: the analyses need the minute, a second singles out.
	// Default 1m.
	Precision time.Duration
	// Scope is the period a stored pseudonym links a person over: the pseudonym is keyed by
	// agency and the scope's period of the event, so the stored rows cannot follow a person
	// from one agency to another or over a longer time (in-stream deduplication keeps its
	// cross-agency fingerprints, which are never stored). Default 168h (the dedup horizon).
	Scope time.Duration
	// Destinations are the countries presumed to be destinations when a record declares
	// none (role rule 4). Default [USA, CAN].
	Destinations []string
	// Now returns the ingest time in Unix seconds. Default: the wall clock.
	Now func() int64
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Keys == nil || c.EventKeys == nil {
		return errors.New("anonymize: the pseudonymization and event-id key rings are required")
	}
	return nil
}

// Anonymizer holds the hash state of one goroutine: create one per worker with New.
type Anonymizer struct {
	cfg   Config
	keyID string
	mac   hash.Hash
	prev  hash.Hash // the previous pseudonymization key during a rotation's overlap, or nil
	emac  hash.Hash // event ids
	buf   []byte
	alt   []byte
	scr   []byte
	sum   [sha256.Size]byte
}

// New builds an anonymizer for one goroutine.
func New(cfg Config) (*Anonymizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Destinations == nil {
		cfg.Destinations = []string{"USA", "CAN"}
	}
	if cfg.Now == nil {
		cfg.Now = wallClock
	}
	if cfg.UnknownAgeAsMinor == nil {
		t := true
		cfg.UnknownAgeAsMinor = &t
	}
	if cfg.Precision <= 0 {
		cfg.Precision = time.Minute
	}
	if cfg.Scope <= 0 {
		cfg.Scope = 168 * time.Hour
	}
	id, key := cfg.Keys.Current()
	_, ekey := cfg.EventKeys.Current()
	a := &Anonymizer{cfg: cfg, keyID: id, mac: hmac.New(sha256.New, key), emac: hmac.New(sha256.New, ekey),
		buf: make([]byte, 0, 256), alt: make([]byte, 0, 256)}
	if _, prev, ok := cfg.Keys.Previous(); ok {
		a.prev = hmac.New(sha256.New, prev)
	}
	return a, nil
}

// Apply fills out from ev, which must have passed validation, at point pt.
func (a *Anonymizer) Apply(ev *schemas.Event, pt *schemas.Point, out *wire.CleanEvent) {
	age, ageKnown := schemas.PersonAge(ev)
	minor := (ageKnown && age < 18) || ev.Person.Unaccompanied.Bool()
	// Who keeps a stored pseudonym: adults, and people of unknown age only when told to.
	pseudonymized := !minor && (ageKnown || !*a.cfg.UnknownAgeAsMinor) || a.cfg.PseudonymizeMinors
	ref := a.eventRef(ev.Agency, ev.EventID)
	occurred := ev.OccurredAt.Truncate(a.cfg.Precision).Unix()
	*out = wire.CleanEvent{
		Agency: ev.Agency, EventID: ref, SchemaVersion: uint8(ev.SchemaVersion),
		Type: ev.Type, OccurredAt: occurred, PointID: pt.ID, PointCountry: pt.Country,
		Role: Role(ev, pt.Country, a.cfg.Destinations), Direction: ev.Direction, Count: uint32(ev.Count),
		Nationality: ev.Person.Nationality, Sex: ev.Person.Sex, AgeBand: wire.AgeUnknown,
		Minor: minor, Unaccompanied: minor && ev.Person.Unaccompanied.Bool(),
		Category:           Category(ev, age, ageKnown),
		DestinationCountry: ev.DestinationCountry, ReturningCountry: ev.ReturningCountry, Mode: ev.Mode,
		OriginSubdivision: ev.OriginSubdivision, ReceptionPointID: ev.ReceptionPointID, AssistanceCountry: ev.AssistanceCountry,
		CaseType: ev.CaseType, CaseStatus: ev.CaseStatus, Service: ev.Service, Outcome: ev.Outcome,
		Protection: ev.Person.Protection,
		KeyID:      a.keyID, IngestedAt: a.cfg.Now(),
		ExactKey: ExactKey(ev.Agency, ref),
	}
	if ageKnown {
		out.AgeBand = wire.BandOf(age)
	}
	if ev.Type == schemas.Assistance && out.AssistanceCountry == "" {
		out.AssistanceCountry = pt.Country
	}
	if id, alt := a.identity(ev); len(id) > 0 {
		d := detail(ev)
		out.SemanticKey = a.semanticKey(a.mac, id, ev.Type, d, pt.ID)
		if len(alt) > 0 {
			out.AltKey = a.semanticKey(a.mac, alt, ev.Type, d, pt.ID)
		}
		if a.prev != nil { // a rotation's overlap: the fingerprints under the old key too
			out.PrevKey = a.semanticKey(a.prev, id, ev.Type, d, pt.ID)
			if len(alt) > 0 {
				out.PrevAlt = a.semanticKey(a.prev, alt, ev.Type, d, pt.ID)
			}
		}
		if pseudonymized {
			out.PersonPseudonym = a.pseudonym("person", ev.Agency, occurred, id)
		}
	}
	if ev.Person.FamilyGroupID != "" && pseudonymized {
		a.buf = append(a.buf[:0], ev.Person.FamilyGroupID...)
		out.FamilyPseudonym = a.pseudonym("family", ev.Agency, occurred, a.buf)
	}
}

// identity returns the normalized identity forms of the record's person: id is the document
// (issuing country and number) when there is one, else full names with the birth date; alt is
// the names with the birth date when the record also has a document. Either may be empty.
// Each form matches a repeat told with that form, so one person is one person however each
// agency identifies them.
func (a *Anonymizer) identity(ev *schemas.Event) (id, alt []byte) {
	p := &ev.Person
	names := a.alt[:0]
	if p.GivenNames != "" && p.FamilyNames != "" && p.BirthDate != "" {
		names = append(names, "name\x00"...)
		names = AppendName(names, p.GivenNames)
		names = append(names, 0)
		names = AppendName(names, p.FamilyNames)
		names = append(names, 0)
		names = append(names, p.BirthDate...)
	}
	a.alt = names
	if p.Document.Number == "" {
		return names, nil
	}
	b := a.buf[:0]
	b = append(b, "doc\x00"...)
	b = append(b, p.Document.Country...)
	b = append(b, 0)
	b = append(b, NormalizeDocument(p.Document.Number)...)
	a.buf = b
	return b, names
}

// pseudonym is a stored pseudonym of input: keyed by its kind, the agency and the scope's
// period of the event, so one person's pseudonyms differ between agencies and periods.
func (a *Anonymizer) pseudonym(kind, agency string, occurred int64, input []byte) string {
	// One write from a reused buffer: the MAC is an interface, so each small []byte written
	// to it would be allocated.
	period := occurred / int64(a.cfg.Scope/time.Second)
	a.scr = append(append(append(append(a.scr[:0], kind...), 0), agency...), 0)
	a.scr = strconv.AppendInt(a.scr, period, 10)
	a.scr = append(append(a.scr, 0), input...)
	a.mac.Reset()
	a.mac.Write(a.scr)
	sum := a.mac.Sum(a.sum[:0])
	return hex.EncodeToString(sum[:16])
}

// EventRef is what is kept of an agency's event_id: a keyed hash of (agency, event_id), so
// a case number, a flight and seat, or a document an agency put in it does not survive
// ingest, while the same record sent again gets the same reference (exact repeats still
// drop, and an operator holding the key can find a record an agency names).
func EventRef(mac hash.Hash, agency, eventID string) string {
	return eventRef(mac, append(append(append([]byte(nil), agency...), 0), eventID...), nil)
}

func (a *Anonymizer) eventRef(agency, eventID string) string {
	a.scr = append(append(append(a.scr[:0], agency...), 0), eventID...)
	return eventRef(a.emac, a.scr, a.sum[:0])
}

func eventRef(mac hash.Hash, in, sum []byte) string {
	mac.Reset()
	mac.Write(in)
	var b [31]byte
	b[0] = 'e'
	hex.Encode(b[1:], mac.Sum(sum)[:15])
	return string(b[:])
}

// EventRefs are the references of (agency, event_id) under every key of ring, for lookups
// that must also find records stored before a rotation.
func EventRefs(ring *secrets.KeyRing, agency, eventID string) []string {
	var out []string
	for _, id := range ring.IDs() {
		key, _ := ring.Key(id)
		out = append(out, EventRef(hmac.New(sha256.New, key), agency, eventID))
	}
	return out
}

// detail is what else makes two records of one person at one point and hour two events: a
// consular case's type and status (opening and closing are two records), a referral's
// service (one returnee referred to health and to a reintegration programme). Zero for the
// other types, whose keys stay what they were before the brief's types existed. Protection
// needs are never part of it.
func detail(ev *schemas.Event) byte {
	switch ev.Type {
	case schemas.Assistance:
		return byte(ev.CaseType)<<2 | byte(ev.CaseStatus)
	case schemas.Referral:
		return byte(ev.Service)
	}
	return 0
}

// semanticKey fingerprints (person, type, point) with the secret key: it can only match the
// same person at the same point for the same kind of event, so it links nothing else.
func (a *Anonymizer) semanticKey(mac hash.Hash, identity []byte, t schemas.EventType, detail byte, point string) uint64 {
	a.scr = append(append(a.scr[:0], "semantic\x00"...), identity...)
	a.scr = append(append(a.scr, 0, byte(t), 0), point...)
	if detail != 0 {
		a.scr = append(a.scr, 0, detail)
	}
	mac.Reset()
	mac.Write(a.scr)
	sum := mac.Sum(a.sum[:0])
	k := binary.LittleEndian.Uint64(sum[:8])
	if k == 0 {
		k = 1 // zero means "no person"
	}
	return k
}

// ExactKey hashes (agency, event_id), the identity of a record.
func ExactKey(agency, eventID string) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.WriteString(agency)
	d.Write([]byte{0})
	d.WriteString(eventID)
	return d.Sum64()
}

func wallClock() int64 { return time.Now().Unix() }
