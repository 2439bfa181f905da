// Package dlq builds and reads dead-letter records. The original bytes are sealed with
// AES-256-GCM (they may hold personal data) and bound to their source position; the reason,
// field path, message and position travel in clear headers so operators and agencies can
// triage without the key. Each agency's records are sealed with a key derived from the ring's
// key for that agency (keys.go), so one agency's key can be handed out without the others'.
package dlq

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/schemas"
)

// Header names of a DLQ record.
const (
	HReason    = "vigia-reason"
	HPath      = "vigia-path"
	HMessage   = "vigia-message"
	HErrors    = "vigia-errors" // every problem as reason@path, separated by ';'
	HAgency    = "vigia-agency"
	HStage     = "vigia-stage"
	HTopic     = "vigia-source-topic"
	HPartition = "vigia-source-partition"
	HOffset    = "vigia-source-offset"
	HTime      = "vigia-time"
	HKeyID     = "vigia-key-id"
	HTruncated = "vigia-truncated" // original size, when only the first MaxSealed bytes are sealed
	// HKeyScope says which key sealed the record: ScopeAgency, the key derived from the
	// ring key vigia-key-id for the agency vigia-agency names; absent, that ring key itself
	// (records sealed before per-agency keys, and rows ClickHouse refused, which belong to no
	// agency).
	HKeyScope = "vigia-key-scope"
)

// ScopeAgency is the value of HKeyScope on records sealed with their agency's key.
const ScopeAgency = "agency"

// MaxSealed is the most of an original record a DLQ record carries. A larger record (already
// rejected as too_large) keeps its first MaxSealed bytes, so the DLQ record always fits a
// Kafka batch; the whole original stays in its source topic at the recorded position.
const MaxSealed = 128 << 10

// KeySize is the AES-256 key size.
const KeySize = 32

// Record is a DLQ record in clear, as built or as read back.
type Record struct {
	Reason    schemas.Reason
	Path      string
	Message   string
	Errors    string
	Agency    string
	Stage     string
	Topic     string
	Partition int
	Offset    int64
	Time      time.Time
	KeyID     string
	KeyScope  string // HKeyScope: ScopeAgency, or "" for the ring key itself
	Truncated int    // original size when only its first MaxSealed bytes are sealed, else 0
	Sealed    []byte // nonce || ciphertext of the original bytes
}

// Sealer encrypts original records with the current key of a ring: an agency's records with
// that key's derivation for the agency (AgencyKey), a record of no agency with the key itself.
type Sealer struct {
	keyID    string
	key      []byte
	aead     cipher.AEAD // the ring key's; safe for concurrent use
	agencies sync.Map    // agency -> cipher.AEAD of its derived key
}

// NewSealer prepares the ring's current key, which must be an AES-256 key.
func NewSealer(keys *secrets.KeyRing) (*Sealer, error) {
	if keys == nil {
		return nil, errors.New("dlq: a key ring is required")
	}
	id, key := keys.Current()
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	return &Sealer{keyID: id, key: key, aead: g}, nil
}

// aeadFor is the cipher that seals the agency's records, and the HKeyScope it writes.
func (s *Sealer) aeadFor(agency string) (cipher.AEAD, string, error) {
	if agency == "" {
		return s.aead, "", nil
	}
	if g, ok := s.agencies.Load(agency); ok {
		return g.(cipher.AEAD), ScopeAgency, nil
	}
	g, err := gcm(AgencyKey(s.key, agency))
	if err != nil {
		return nil, "", err
	}
	actual, _ := s.agencies.LoadOrStore(agency, g)
	return actual.(cipher.AEAD), ScopeAgency, nil
}

func aad(topic string, partition int, offset int64) []byte {
	return []byte(topic + "/" + strconv.Itoa(partition) + "/" + strconv.FormatInt(offset, 10))
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("cannot use DLQ key: %w", err)
	}
	return cipher.NewGCM(block)
}

// Message builds the DLQ message for a rejected source record. errs must not be empty. The
// record is sealed with the agency's key (agency is the one whose topic it came from), or
// with the ring key when agency is "" (a row ClickHouse refused).
func (s *Sealer) Message(dlqTopic, stage, agency string, src kafka.Message, errs schemas.Errors, now time.Time) (kafka.Message, error) {
	g, scope, err := s.aeadFor(agency)
	if err != nil {
		return kafka.Message{}, err
	}
	orig := src.Value
	if len(orig) > MaxSealed {
		orig = orig[:MaxSealed]
	}
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(orig)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return kafka.Message{}, fmt.Errorf("cannot draw a nonce: %w", err)
	}
	sealed := g.Seal(nonce, nonce, orig, aad(src.Topic, src.Partition, src.Offset))
	all := make([]string, len(errs))
	for i, e := range errs {
		all[i] = e.Reason.String() + "@" + e.Path
	}
	first := errs[0]
	m := kafka.Message{
		Topic: dlqTopic,
		Key:   aad(src.Topic, src.Partition, src.Offset),
		Value: sealed,
		Headers: []kafka.Header{
			{Key: HReason, Value: []byte(first.Reason.String())},
			{Key: HPath, Value: []byte(first.Path)},
			{Key: HMessage, Value: []byte(first.Message)},
			{Key: HErrors, Value: []byte(strings.Join(all, ";"))},
			{Key: HAgency, Value: []byte(agency)},
			{Key: HStage, Value: []byte(stage)},
			{Key: HTopic, Value: []byte(src.Topic)},
			{Key: HPartition, Value: []byte(strconv.Itoa(src.Partition))},
			{Key: HOffset, Value: []byte(strconv.FormatInt(src.Offset, 10))},
			{Key: HTime, Value: []byte(now.UTC().Format(time.RFC3339))},
			{Key: HKeyID, Value: []byte(s.keyID)},
		},
	}
	if scope != "" {
		m.Headers = append(m.Headers, kafka.Header{Key: HKeyScope, Value: []byte(scope)})
	}
	if len(orig) < len(src.Value) {
		m.Headers = append(m.Headers, kafka.Header{Key: HTruncated, Value: []byte(strconv.Itoa(len(src.Value)))})
	}
	return m, nil
}

// Parse reads the clear part of a DLQ message.
func Parse(m kafka.Message) (Record, error) {
	h := map[string]string{}
	for _, x := range m.Headers {
		h[x.Key] = string(x.Value)
	}
	r := Record{Path: h[HPath], Message: h[HMessage], Errors: h[HErrors], Agency: h[HAgency],
		Stage: h[HStage], Topic: h[HTopic], KeyID: h[HKeyID], KeyScope: h[HKeyScope], Sealed: m.Value}
	var ok bool
	if r.Reason, ok = schemas.ParseReason(h[HReason]); !ok {
		return r, fmt.Errorf("DLQ record at offset %d has no known reason header", m.Offset)
	}
	var err1, err2, err3 error
	r.Partition, err1 = strconv.Atoi(h[HPartition])
	r.Offset, err2 = strconv.ParseInt(h[HOffset], 10, 64)
	r.Time, err3 = time.Parse(time.RFC3339, h[HTime])
	if t := h[HTruncated]; t != "" {
		r.Truncated, _ = strconv.Atoi(t)
	}
	if err := errors.Join(err1, err2, err3); err != nil {
		return r, fmt.Errorf("DLQ record at offset %d has malformed headers: %w", m.Offset, err)
	}
	return r, nil
}

// Open decrypts the original bytes of a record with the master ring holding its key: a
// record sealed with its agency's key opens with that key's derivation for the record's
// agency, an older one (no vigia-key-scope) with the ring key itself. See Keys for opening
// with an agency's ring.
func Open(keys *secrets.KeyRing, r Record) ([]byte, error) {
	return Keys{Master: keys}.Open(r)
}

// open decrypts r with the key that sealed it.
func open(key []byte, r Record) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(r.Sealed) < g.NonceSize() {
		return nil, errors.New("cannot decrypt: record too short")
	}
	nonce, ct := r.Sealed[:g.NonceSize()], r.Sealed[g.NonceSize():]
	b, err := g.Open(nil, nonce, ct, aad(r.Topic, r.Partition, r.Offset))
	if err != nil {
		return nil, errors.New("cannot decrypt: wrong key or tampered record")
	}
	return b, nil
}
