package dlq

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/schemas"
)

// raw is a test key: not one repeated byte, which a key check may refuse.
func raw(b byte) []byte {
	k := sha256.Sum256([]byte{b})
	return k[:]
}

func b64(b byte) string { return base64.StdEncoding.EncodeToString(raw(b)) }

// sealed builds the DLQ record of a bad record of agency from its raw topic.
func sealed(t *testing.T, s *Sealer, agency string, offset int64, body string) Record {
	t.Helper()
	src := kafka.Message{Topic: "vigia.raw." + agency, Partition: 1, Offset: offset, Value: []byte(body)}
	m, err := s.Message("vigia.dlq", "ingest", agency, src, schemas.Errors{{Path: "point_id", Reason: schemas.UnknownPoint, Message: "m"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// preChange seals a record exactly as Vigía did before per-agency keys: AES-256-GCM under the
// ring key itself, no vigia-key-scope header.
func preChange(t *testing.T, ringKey []byte, keyID, agency string, offset int64, body string) Record {
	t.Helper()
	g, err := gcm(ringKey)
	if err != nil {
		t.Fatal(err)
	}
	topic := "vigia.raw." + agency
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	value := g.Seal(nonce, nonce, []byte(body), []byte(topic+"/1/"+strconv.FormatInt(offset, 10)))
	m := kafka.Message{Value: value, Headers: []kafka.Header{
		{Key: HReason, Value: []byte("unknown_point")}, {Key: HAgency, Value: []byte(agency)}, {Key: HTopic, Value: []byte(topic)},
		{Key: HPartition, Value: []byte("1")}, {Key: HOffset, Value: []byte(strconv.FormatInt(offset, 10))},
		{Key: HTime, Value: []byte(time.Now().UTC().Format(time.RFC3339))}, {Key: HKeyID, Value: []byte(keyID)},
	}}
	r, err := Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Each agency's records are sealed with its own derived key under the ring key's id; the
// master ring opens every record, those sealed before the change too; an agency's ring opens
// that agency's records only.
func TestAgencyKeys(t *testing.T) {
	t.Parallel()
	master, _ := secrets.ParseKeyRing("d1:"+b64(1)+",d2:"+b64(2), KeySize)
	s, _ := NewSealer(master)
	hn := sealed(t, s, "hn-inm", 5, `{"person":{"given_names":"Hncanary"}}`)
	gt := sealed(t, s, "gt-igm", 5, `{"person":{"given_names":"Gtcanary"}}`)
	old := preChange(t, raw(1), "d1", "hn-inm", 6, `{"person":{"given_names":"Oldcanary"}}`)
	if hn.KeyID != "d2" || hn.KeyScope != ScopeAgency || old.KeyScope != "" {
		t.Fatalf("key id %q scope %q (old %q): the clear header keeps the ring key's id", hn.KeyID, hn.KeyScope, old.KeyScope)
	}
	// Not the ring key: sealed under the agency's derivation.
	if _, err := open(raw(2), hn); err == nil {
		t.Fatal("an agency's record opened with the ring key itself")
	}
	for _, r := range []Record{hn, gt, old} {
		if _, err := Open(master, r); err != nil {
			t.Fatalf("master ring: %s: %v", r.Agency, err)
		}
	}

	spec, err := AgencyRing("d1:"+b64(1)+",d2:"+b64(2), "hn-inm")
	if err != nil {
		t.Fatal(err)
	}
	if len(spec) != 2 || !strings.HasPrefix(spec[0], "hn-inm:d1:") || !strings.HasPrefix(spec[1], "hn-inm:d2:") {
		t.Fatalf("agency ring %d entries", len(spec))
	}
	for _, e := range spec {
		if strings.Contains(e, b64(1)) || strings.Contains(e, b64(2)) {
			t.Fatal("the agency ring holds a master key")
		}
	}
	keys, err := ParseAgencyKeys("# a comment, with a comma: and colons\n"+strings.Join(spec, "\n")+"\n", "test")
	if err != nil {
		t.Fatal(err)
	}
	if keys.Scope() != "agency:hn-inm" {
		t.Fatalf("scope %q", keys.Scope())
	}
	b, err := keys.Open(hn)
	if err != nil || !bytes.Contains(b, []byte("Hncanary")) {
		t.Fatalf("own agency's record: %q %v", b, err)
	}
	if _, err := keys.Open(gt); !errors.Is(err, ErrOtherAgency) || !strings.Contains(err.Error(), "gt-igm") {
		t.Fatalf("another agency's record: %v", err)
	}
	if _, err := keys.Open(old); !errors.Is(err, ErrMasterOnly) || !strings.Contains(err.Error(), "VIGIA_DLQ_KEYS") {
		t.Fatalf("pre-change record: %v", err)
	}
	// A record whose agency header was rewritten to the key holder's does not open: the
	// agency is bound through the key.
	forged := gt
	forged.Agency = "hn-inm"
	if _, err := keys.Open(forged); err == nil {
		t.Fatal("another agency's record opened under a rewritten agency header")
	}
	// Stripping the scope header does not fall back to a key that opens it.
	stripped := hn
	stripped.KeyScope = ""
	if _, err := Open(master, stripped); err == nil {
		t.Fatal("a record without its scope header opened")
	}
	// A record sealed with a key older than the agency ring's: its id is found there.
	s1, _ := NewSealer(mustRing(t, "d1:"+b64(1)))
	if _, err := keys.Open(sealed(t, s1, "hn-inm", 9, "x")); err != nil {
		t.Fatalf("record under the older ring key: %v", err)
	}
	// A key the agency ring lacks (a rotation after it was derived).
	s3, _ := NewSealer(mustRing(t, "d3:"+b64(3)))
	if _, err := keys.Open(sealed(t, s3, "hn-inm", 9, "x")); err == nil || !strings.Contains(err.Error(), "vigia dlq key --agency hn-inm") {
		t.Fatalf("record under a newer key: %v", err)
	}
}

// A row ClickHouse refused belongs to no agency: sealed with the ring key, no agency opens it.
func TestRowsOfNoAgencyNeedTheMasterRing(t *testing.T) {
	t.Parallel()
	master := mustRing(t, "d1:"+b64(4))
	s, _ := NewSealer(master)
	out := &captured{}
	(&Rejecter{Sealer: s, Producer: out, Topic: "vigia.dlq"}).Reject("windows")(struct{ P string }{"x"}, errors.New("refused"))
	r, err := Parse(out.msgs[0])
	if err != nil || r.KeyScope != "" {
		t.Fatalf("%v scope %q", err, r.KeyScope)
	}
	if _, err := Open(master, r); err != nil {
		t.Fatal(err)
	}
	spec, _ := AgencyRing("d1:"+b64(4), "hn-inm")
	keys, _ := ParseAgencyKeys(strings.Join(spec, ","), "test")
	if err := keys.Check(r); !errors.Is(err, ErrMasterOnly) || !strings.Contains(err.Error(), "no agency") {
		t.Fatalf("%v", err)
	}
}

func mustRing(t *testing.T, spec string) *secrets.KeyRing {
	t.Helper()
	r, err := secrets.ParseKeyRing(spec, KeySize)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAgencyKeyIsPerAgency(t *testing.T) {
	t.Parallel()
	k := raw(5)
	a, b := AgencyKey(k, "hn-inm"), AgencyKey(k, "gt-igm")
	if len(a) != KeySize || bytes.Equal(a, b) || bytes.Equal(a, k) || !bytes.Equal(a, AgencyKey(k, "hn-inm")) {
		t.Fatal("derived keys must be 32 bytes, stable, and differ per agency and from the ring key")
	}
	if bytes.Equal(AgencyKey(raw(6), "hn-inm"), a) {
		t.Fatal("the derivation ignores the ring key")
	}
}

func TestParseAgencyKeys(t *testing.T) {
	t.Parallel()
	two, err := ParseAgencyKeys("hn-inm:d1:"+b64(1)+",gt-igm:d1:"+b64(2), "env")
	if err != nil || two.Scope() != "agency:gt-igm,hn-inm" {
		t.Fatalf("%v %q", err, two.Scope())
	}
	for _, bad := range []string{"", "# only a comment", "d1:" + b64(1), "HN:d1:" + b64(1), "hn-inm:d1:short", "hn-inm:d1:" + b64(1) + ",hn-inm:d1:" + b64(2)} {
		_, err := ParseAgencyKeys(bad, "env")
		if err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), b64(1)) {
			t.Errorf("error shows a key: %v", err)
		}
	}
	if _, err := ParseAgencyKeys("d1:"+b64(1), "env"); err == nil || !strings.Contains(err.Error(), "master ring") {
		t.Fatalf("a master ring given as an agency ring: %v", err)
	}
	if _, err := AgencyRing("d1:"+b64(1), "Not An Agency"); err == nil {
		t.Fatal("bad agency id accepted")
	}
}
