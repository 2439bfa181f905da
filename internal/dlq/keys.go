package dlq

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/vigia-observatory/vigia/internal/secrets"
)

// agencyLabel separates the derivation of agency keys from any other use of the ring keys.
const agencyLabel = "vigia dlq agency\x00"

// AgencyKey derives an agency's DLQ key from a ring key: HMAC-SHA256(ring key,
// "vigia dlq agency\x00" + agency). HMAC-SHA256 keyed with a uniformly random 32-byte key is
// a pseudo-random function, so each agency gets an independent AES-256 key, and holding one
// agency's key tells nothing of the ring key or of another agency's.
func AgencyKey(ringKey []byte, agency string) []byte {
	m := hmac.New(sha256.New, ringKey)
	m.Write([]byte(agencyLabel + agency))
	return m.Sum(nil)
}

// agencyRe is the contract's rule for agency ids (schemas): no ':' or ',' can occur in one,
// so "agency:id:base64" entries parse without ambiguity.
var agencyRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{1,31}$`)

// CheckAgency refuses what cannot be an agency id.
func CheckAgency(agency string) error {
	if !agencyRe.MatchString(agency) {
		return fmt.Errorf("%q is not an agency id (lower-case letters, digits, '-' or '_', 2 to 32 characters)", agency)
	}
	return nil
}

// Errors Keys.Check wraps when the keys given are not the ones a record needs.
var (
	// ErrOtherAgency: the record is another agency's than the agency keys given.
	ErrOtherAgency = errors.New("refused: another agency's record")
	// ErrMasterOnly: the record was sealed with the ring key itself (before per-agency keys,
	// or a row ClickHouse refused, which belongs to no agency); only the master ring opens it.
	ErrMasterOnly = errors.New("refused: a record for the master DLQ ring only")
)

// Keys are what an operator opens DLQ records with: the master ring (VIGIA_DLQ_KEYS: every
// record, including those sealed before per-agency keys) or agency rings (their agencies'
// records only). One of Master and Agencies is set.
type Keys struct {
	Master   *secrets.KeyRing
	Agencies map[string]*secrets.KeyRing // agency -> its derived ring (same key ids)
	// Source says where the keys came from ("VIGIA_DLQ_KEYS", "--keys-file path"), for messages.
	Source string
}

// Scope says what the keys open, for the audit trail: "master", or "agency:" and the
// agencies, e.g. "agency:gt-igm,hn-inm".
func (k Keys) Scope() string {
	if k.Master != nil {
		return "master"
	}
	return "agency:" + strings.Join(k.agencyList(), ",")
}

func (k Keys) agencyList() []string {
	out := make([]string, 0, len(k.Agencies))
	for a := range k.Agencies {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Check says, without decrypting anything, whether these keys open r; the error says why not
// (wrapping ErrOtherAgency or ErrMasterOnly when other keys are needed).
func (k Keys) Check(r Record) error {
	_, err := k.key(r)
	return err
}

// Open decrypts the original bytes of r, if these keys may.
func (k Keys) Open(r Record) ([]byte, error) {
	key, err := k.key(r)
	if err != nil {
		return nil, err
	}
	return open(key, r)
}

// key is the key that sealed r, derived from the keys given.
func (k Keys) key(r Record) ([]byte, error) {
	if r.KeyScope != "" && r.KeyScope != ScopeAgency {
		return nil, fmt.Errorf("cannot decrypt: unknown key scope %q (header %s)", r.KeyScope, HKeyScope)
	}
	if r.KeyScope == ScopeAgency && r.Agency == "" {
		return nil, errors.New("cannot decrypt: a record sealed with its agency's key names no agency")
	}
	if k.Master != nil {
		key, ok := k.Master.Key(r.KeyID)
		if !ok {
			return nil, fmt.Errorf("cannot decrypt: key %q is not in the DLQ key ring", r.KeyID)
		}
		if r.KeyScope == ScopeAgency {
			key = AgencyKey(key, r.Agency)
		}
		return key, nil
	}
	mine := strings.Join(k.agencyList(), ", ")
	if len(k.Agencies) == 0 {
		return nil, errors.New("cannot decrypt: no DLQ key given")
	}
	if r.KeyScope != ScopeAgency {
		what := "it was sealed before per-agency keys"
		if r.Agency == "" {
			what = "it is a row ClickHouse refused, which belongs to no agency"
		}
		return nil, fmt.Errorf("%w: %s, so only the master ring (VIGIA_DLQ_KEYS) opens it; the keys given (%s) are agency %s's", ErrMasterOnly, what, k.Source, mine)
	}
	ring, ok := k.Agencies[r.Agency]
	if !ok {
		return nil, fmt.Errorf("%w: it is agency %s's, and the keys given (%s) open only agency %s's records", ErrOtherAgency, r.Agency, k.Source, mine)
	}
	key, ok := ring.Key(r.KeyID)
	if !ok {
		return nil, fmt.Errorf("cannot decrypt: key %q is not in agency %s's ring (%s); after a DLQ key rotation ask for the agency's key again (vigia dlq key --agency %s)", r.KeyID, r.Agency, k.Source, r.Agency)
	}
	return key, nil
}

// ringEntries splits a ring written as ParseKeyRing reads it into its entries, in order.
func ringEntries(spec string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' }) {
		if part = strings.TrimSpace(part); part != "" && !strings.HasPrefix(part, "#") {
			out = append(out, part)
		}
	}
	return out
}

// AgencyRing derives an agency's ring from the master ring spec ("id:base64[,...]", as in
// VIGIA_DLQ_KEYS): one entry "agency:id:base64" per ring key, same ids, same order (the last
// is the current one), which ParseAgencyKeys reads back. The errors never hold key material.
func AgencyRing(masterSpec, agency string) ([]string, error) {
	if err := CheckAgency(agency); err != nil {
		return nil, err
	}
	if _, err := secrets.ParseKeyRing(masterSpec, KeySize); err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ringEntries(masterSpec) {
		one, err := secrets.ParseKeyRing(e, KeySize)
		if err != nil {
			return nil, err
		}
		id, key := one.Current()
		out = append(out, agency+":"+id+":"+base64.StdEncoding.EncodeToString(AgencyKey(key, agency)))
	}
	return out, nil
}

// ParseAgencyKeys reads agency rings: entries "agency:id:base64key" separated by ',' or new
// lines ('#' starts a comment line), as `vigia dlq key` writes them; one agency's entries
// form its ring, the last one current. Entries of several agencies may be given together.
func ParseAgencyKeys(spec, source string) (Keys, error) {
	byAgency := map[string][]string{}
	var order []string
	var kept []string // whole comment lines go first, whatever they hold
	for _, line := range strings.Split(spec, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			kept = append(kept, line)
		}
	}
	for _, e := range ringEntries(strings.Join(kept, "\n")) {
		agency, rest, _ := strings.Cut(e, ":")
		if !strings.Contains(rest, ":") {
			return Keys{}, fmt.Errorf("%s: each entry must be written agency:id:base64, as `vigia dlq key --agency` writes it (an id:base64 entry is the master ring: give that as VIGIA_DLQ_KEYS)", source)
		}
		if err := CheckAgency(agency); err != nil {
			return Keys{}, fmt.Errorf("%s: %w", source, err)
		}
		if _, seen := byAgency[agency]; !seen {
			order = append(order, agency)
		}
		byAgency[agency] = append(byAgency[agency], rest)
	}
	if len(order) == 0 {
		return Keys{}, fmt.Errorf("%s: no key given", source)
	}
	k := Keys{Agencies: map[string]*secrets.KeyRing{}, Source: source}
	for _, a := range order {
		ring, err := secrets.ParseKeyRing(strings.Join(byAgency[a], ","), KeySize)
		if err != nil {
			return Keys{}, fmt.Errorf("%s: agency %s: %w", source, a, err)
		}
		k.Agencies[a] = ring
	}
	return k, nil
}
