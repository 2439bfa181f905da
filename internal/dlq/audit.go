package dlq

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/vigia-observatory/vigia/schemas"
)

// Actions of the audit trail.
const (
	ActionShow   = "show"
	ActionReplay = "replay"
)

// MaxAuditReason bounds the --reason text.
const MaxAuditReason = 1000

// Audit is the trace one `vigia dlq show` or `vigia dlq replay` leaves (ClickHouse
// dlq_audit and the log) before any record is decrypted: who, when, which records, why. It
// holds positions and clear headers, never a record's content.
type Audit struct {
	ID     string    // random, also in the log line
	At     time.Time // when the command wrote it
	Action string    // ActionShow or ActionReplay
	OSUser string    // the operating-system account that ran the command
	Host   string
	// KafkaPrincipal is who read the DLQ topic; KafkaWriter who wrote to the raw topics
	// (replay only), both as the broker names them ("User:vigia-pipeline").
	KafkaPrincipal, KafkaWriter string
	Reason                      string   // the operator's --reason
	KeyScope                    string   // Keys.Scope of the keys used
	Agencies                    []string // agencies of the selected records, sorted
	Selection                   string   // the selection as given: a DLQ position or the filters
	Records                     []string // source position (topic/partition/offset) of each selected record
	Refused                     string   // why the command went no further, "" when it went on
}

// NewAudit starts the audit record of one invocation.
func NewAudit(action, reason string, now time.Time) Audit {
	var id [8]byte
	_, _ = rand.Read(id[:])
	host, _ := os.Hostname()
	return Audit{ID: hex.EncodeToString(id[:]), At: now.UTC(), Action: action, OSUser: OSUser(), Host: host, Reason: reason}
}

// OSUser names the account running the process: its user name, or "uid:N" where the system
// has no name for it (a container without a passwd entry).
func OSUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid:" + strconv.Itoa(os.Getuid())
}

// KafkaPrincipal is the principal the broker gives a client authenticating with mechanism
// and username: User:<name>, or User:ANONYMOUS without SASL.
func KafkaPrincipal(mechanism, username string) string {
	if mechanism == "" || mechanism == "none" || username == "" {
		return "User:ANONYMOUS"
	}
	return "User:" + username
}

// Position is a record's source position, topic/partition/offset: its identity in
// dlq_records and what its sealed bytes are bound to.
func Position(r Record) string {
	return string(aad(r.Topic, r.Partition, r.Offset))
}

// Add lists r among the selected records.
func (a *Audit) Add(r Record) {
	a.Records = append(a.Records, Position(r))
	if i, found := slices.BinarySearch(a.Agencies, r.Agency); !found {
		a.Agencies = slices.Insert(a.Agencies, i, r.Agency)
	}
}

// CheckReason refuses an audit reason that says nothing: blank, too long, or a bare reason
// code (`--reason unknown_point` was the reason-code filter before it became the why; taken
// as a why it would select every record).
func CheckReason(reason, why string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return fmt.Errorf("--reason is required: say why you %s, in words (it goes to the audit trail, dlq_audit, with who you are and which records; no personal data)", why)
	case len(reason) > MaxAuditReason:
		return fmt.Errorf("--reason has %d bytes; at most %d", len(reason), MaxAuditReason)
	}
	if _, ok := schemas.ParseReason(reason); ok {
		return fmt.Errorf("--reason %q is a reason code: --reason now says why you %s, in words, for the audit trail; select records by reason code with --code %s", reason, why, reason)
	}
	return nil
}

// maxLoggedRecords bounds the positions a log line lists; the table has them all.
const maxLoggedRecords = 100

// MarshalZerologObject writes the audit record to a log line (positions, not content).
func (a Audit) MarshalZerologObject(e *zerolog.Event) {
	e.Str("audit_id", a.ID).Time("at", a.At).Str("action", a.Action).Str("os_user", a.OSUser).Str("host", a.Host).
		Str("kafka_principal", a.KafkaPrincipal)
	if a.KafkaWriter != "" {
		e.Str("kafka_writer", a.KafkaWriter)
	}
	e.Str("reason", a.Reason).Str("key_scope", a.KeyScope).Strs("agencies", a.Agencies).Str("selection", a.Selection).
		Int("count", len(a.Records))
	recs := a.Records
	if len(recs) > maxLoggedRecords {
		e.Int("records_not_logged", len(recs)-maxLoggedRecords)
		recs = recs[:maxLoggedRecords]
	}
	e.Strs("records", recs)
	if a.Refused != "" {
		e.Str("refused", a.Refused)
	}
}

// ErrAudit marks a failure to write the audit record: the command then shows and replays
// nothing.
var ErrAudit = errors.New("cannot write the DLQ audit record")
