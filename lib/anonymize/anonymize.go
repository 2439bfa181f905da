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
	// PseudonymizeMinors stores a person pseudonym for minors too. Default false: a minor's
	// record keeps no pseudonym, only the age band and flags.
	PseudonymizeMinors bool
	// Destinations are the countries presumed to be destinations when a record declares
	// none (role rule 4). Default [USA, CAN].
	Destinations []string
	// Now returns the ingest time in Unix seconds. Default: the wall clock.
	Now func() int64
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Keys == nil {
		return errors.New("anonymize: a pseudonymization key ring is required")
	}
	return nil
}

// Anonymizer holds the hash state of one goroutine: create one per worker with New.
type Anonymizer struct {
	cfg   Config
	keyID string
	mac   hash.Hash
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
	id, key := cfg.Keys.Current()
	return &Anonymizer{cfg: cfg, keyID: id, mac: hmac.New(sha256.New, key), buf: make([]byte, 0, 256), alt: make([]byte, 0, 256)}, nil
}

// Apply fills out from ev, which must have passed validation, at point pt.
func (a *Anonymizer) Apply(ev *schemas.Event, pt *schemas.Point, out *wire.CleanEvent) {
	age, ageKnown := schemas.PersonAge(ev)
	minor := (ageKnown && age < 18) || ev.Person.Unaccompanied.Bool()
	*out = wire.CleanEvent{
		Agency: ev.Agency, EventID: ev.EventID, SchemaVersion: uint8(ev.SchemaVersion),
		Type: ev.Type, OccurredAt: ev.OccurredAt.Unix(), PointID: pt.ID, PointCountry: pt.Country,
		Role: Role(ev, pt.Country, a.cfg.Destinations), Direction: ev.Direction, Count: uint32(ev.Count),
		Nationality: ev.Person.Nationality, Sex: ev.Person.Sex, AgeBand: wire.AgeUnknown,
		Minor: minor, Unaccompanied: minor && ev.Person.Unaccompanied.Bool(),
		Category:           Category(ev, age, ageKnown),
		DestinationCountry: ev.DestinationCountry, ReturningCountry: ev.ReturningCountry, Mode: ev.Mode,
		KeyID: a.keyID, IngestedAt: a.cfg.Now(),
		ExactKey: ExactKey(ev.Agency, ev.EventID),
	}
	if ageKnown {
		out.AgeBand = wire.BandOf(age)
	}
	if id, alt := a.identity(ev); len(id) > 0 {
		out.SemanticKey = a.semanticKey(id, ev.Type, pt.ID)
		if len(alt) > 0 {
			out.AltKey = a.semanticKey(alt, ev.Type, pt.ID)
		}
		if !minor || a.cfg.PseudonymizeMinors {
			out.PersonPseudonym = a.pseudonym("person", id)
		}
	}
	if ev.Person.FamilyGroupID != "" && (!minor || a.cfg.PseudonymizeMinors) {
		a.buf = append(append(append(a.buf[:0], ev.Agency...), 0), ev.Person.FamilyGroupID...)
		out.FamilyPseudonym = a.pseudonym("family", a.buf)
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

func (a *Anonymizer) pseudonym(domain string, input []byte) string {
	// One write from a reused buffer: the MAC is an interface, so each small []byte written
	// to it would be allocated.
	a.scr = append(append(append(a.scr[:0], domain...), 0), input...)
	a.mac.Reset()
	a.mac.Write(a.scr)
	sum := a.mac.Sum(a.sum[:0])
	return hex.EncodeToString(sum[:16])
}

// semanticKey fingerprints (person, type, point) with the secret key: it can only match the
// same person at the same point for the same kind of event, so it links nothing else.
func (a *Anonymizer) semanticKey(identity []byte, t schemas.EventType, point string) uint64 {
	a.scr = append(append(a.scr[:0], "semantic\x00"...), identity...)
	a.scr = append(append(a.scr, 0, byte(t), 0), point...)
	a.mac.Reset()
	a.mac.Write(a.scr)
	sum := a.mac.Sum(a.sum[:0])
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
