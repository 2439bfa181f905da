package secrets

import (
	"fmt"
	"strings"
)

// Purpose is one use of a key ring. Each purpose has its own ring, read from its own
// variable, so that a key given out or leaked for one use opens nothing of another.
type Purpose struct {
	// Name is what `vigia keys generate --purpose` takes.
	Name string
	// Env is the variable the ring is read from (or Env+"_FILE", a file holding it).
	Env string
	// Size is the length of each key in bytes.
	Size int
	// Use says what the keys do, for help texts.
	Use string
}

// Purposes are the rings Vigía reads. The sizes are the ones the users of the rings check:
// lib/anonymize (32, HMAC-SHA256), internal/dlq (dlq.KeySize, AES-256) and RecordMACKeySize.
var Purposes = []Purpose{
	{Name: "pseudonym", Env: "VIGIA_PSEUDONYM_KEYS", Size: 32, Use: "person and family pseudonyms and the dedup keys (ingest, dedup)"},
	{Name: "event", Env: "VIGIA_EVENT_KEYS", Size: 32, Use: "keyed hashes of the agencies' event ids (ingest)"},
	{Name: "dlq", Env: "VIGIA_DLQ_KEYS", Size: 32, Use: "DLQ encryption, and the per-agency DLQ keys derived from it"},
	{Name: "alert", Env: "VIGIA_ALERT_KEYS", Size: RecordMACKeySize, Use: "the signature of the alerts detect writes and notify checks"},
}

// PurposeNamed returns the purpose called name ("pseudonym", "event", "dlq", "alert").
func PurposeNamed(name string) (Purpose, error) {
	names := make([]string, 0, len(Purposes))
	for _, p := range Purposes {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Purpose{}, fmt.Errorf("no key purpose %q: one of %s", name, strings.Join(names, ", "))
}

// purposeOfEnv returns the purpose read from the variable env.
func purposeOfEnv(env string) (Purpose, bool) {
	for _, p := range Purposes {
		if p.Env == env {
			return p, true
		}
	}
	return Purpose{}, false
}

// generateHint says how to make a key for the variable env.
func generateHint(env string) string {
	if p, ok := purposeOfEnv(env); ok {
		return "vigia keys generate --purpose " + p.Name
	}
	return "vigia keys generate"
}
