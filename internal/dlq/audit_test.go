package dlq

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestCheckReason(t *testing.T) {
	t.Parallel()
	if err := CheckReason("  ", "read this record"); err == nil || !strings.Contains(err.Error(), "--reason is required") {
		t.Fatalf("blank reason: %v", err)
	}
	if err := CheckReason("unknown_point", "replay these records"); err == nil || !strings.Contains(err.Error(), "--code unknown_point") {
		t.Fatalf("a bare reason code: %v", err)
	}
	if err := CheckReason(strings.Repeat("x", MaxAuditReason+1), "x"); err == nil {
		t.Fatal("reason too long accepted")
	}
	if err := CheckReason("ticket OBS-112: hn-inm asked why its records fail", "x"); err != nil {
		t.Fatal(err)
	}
}

// The audit record lists positions and agencies once each, and its log line holds no content.
func TestAuditRecord(t *testing.T) {
	t.Parallel()
	a := NewAudit(ActionReplay, "ticket 7", time.Now())
	if a.ID == "" || a.OSUser == "" || a.Action != ActionReplay {
		t.Fatalf("%+v", a)
	}
	a.Add(Record{Agency: "hn-inm", Topic: "vigia.raw.hn-inm", Partition: 0, Offset: 3, Sealed: []byte("Sealedcanary")})
	a.Add(Record{Agency: "gt-igm", Topic: "vigia.raw.gt-igm", Partition: 2, Offset: 9})
	a.Add(Record{Agency: "hn-inm", Topic: "vigia.raw.hn-inm", Partition: 1, Offset: 4})
	if strings.Join(a.Agencies, ",") != "gt-igm,hn-inm" || strings.Join(a.Records, " ") != "vigia.raw.hn-inm/0/3 vigia.raw.gt-igm/2/9 vigia.raw.hn-inm/1/4" {
		t.Fatalf("%v %v", a.Agencies, a.Records)
	}
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	log.Info().EmbedObject(a).Msg("dlq audit")
	if !strings.Contains(buf.String(), `"reason":"ticket 7"`) || !strings.Contains(buf.String(), `"count":3`) || strings.Contains(buf.String(), "Sealedcanary") {
		t.Fatalf("log line %s", buf.String())
	}
	if KafkaPrincipal("scram-sha-512", "vigia-pipeline") != "User:vigia-pipeline" || KafkaPrincipal("none", "") != "User:ANONYMOUS" {
		t.Fatal("principal")
	}
}
