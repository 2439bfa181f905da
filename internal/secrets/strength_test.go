package secrets

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// Keys made by hand are refused at start, each with a message that names the variable, the
// key id and how to make a good key, and never shows the key.
func TestWeakKeysRefused(t *testing.T) {
	t.Parallel()
	seven := bytes.Repeat([]byte("abcdefg"), 5)[:32]
	counting := make([]byte, 32)
	stepping := make([]byte, 32)
	for i := range counting {
		counting[i], stepping[i] = byte(i), byte(200-7*i)
	}
	pattern := append(keyBytes(1, 16), keyBytes(1, 16)...)
	for _, tc := range []struct {
		name, reason string
		key          []byte
	}{
		{"all zero", "example value", make([]byte, 32)}, // the old .env.example's
		{"all one value", "all its bytes are the same", bytes.Repeat([]byte{0x41}, 32)},
		{"few distinct values", "only 7 distinct byte values", seven},
		{"counting up", "count up or down", counting},
		{"counting down by 7", "count up or down", stepping},
		{"a repeated half", "repeats a 16-byte pattern", pattern},
		{"a repeated word", "distinct byte values", []byte(strings.Repeat("vigia", 7)[:32])},
	} {
		b64 := base64.StdEncoding.EncodeToString(tc.key)
		for _, p := range Purposes {
			env := map[string]string{p.Env: "old1:" + key(7, p.Size) + ",weak-" + p.Name + ":" + b64}
			_, err := LoadKeyRing(env, p.Env, p.Size)
			var weak *WeakKeyError
			if !errors.As(err, &weak) || weak.ID != "weak-"+p.Name {
				t.Errorf("%s as %s: %v, want a WeakKeyError for its id", tc.name, p.Env, err)
				continue
			}
			msg := err.Error()
			for _, want := range []string{p.Env, "weak-" + p.Name, tc.reason, "vigia keys generate --purpose " + p.Name} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s as %s: %q does not say %q", tc.name, p.Env, msg, want)
				}
			}
			if strings.Contains(msg, b64) || strings.Contains(msg, key(7, p.Size)) {
				t.Errorf("%s: the message shows a key: %s", tc.name, msg)
			}
		}
	}
	// An old weak key is refused too: it still verifies and decrypts.
	if _, err := LoadKeyRing(map[string]string{"VIGIA_ALERT_KEYS": "old:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)) + ",new:" + key(8, 32)}, "VIGIA_ALERT_KEYS", 32); err == nil {
		t.Error("a ring with a weak old key loads")
	}
	// A key shorter than its purpose's size, with the same advice.
	if _, err := LoadKeyRing(map[string]string{"VIGIA_EVENT_KEYS": "e1:" + key(9, 16)}, "VIGIA_EVENT_KEYS", 32); err == nil ||
		!strings.Contains(err.Error(), "VIGIA_EVENT_KEYS") || !strings.Contains(err.Error(), "e1 has 16 bytes, want 32") || !strings.Contains(err.Error(), "vigia keys generate") {
		t.Errorf("short key: %v", err)
	}
	if _, err := LoadKeyRing(map[string]string{}, "VIGIA_EVENT_KEYS", 32); err == nil || !strings.Contains(err.Error(), "vigia keys generate --purpose event") {
		t.Errorf("missing key: %v", err)
	}
}

// Random keys are never refused: every test is astronomically unlikely for random bytes.
func TestRandomKeysAccepted(t *testing.T) {
	t.Parallel()
	k := make([]byte, 32)
	for range 20000 {
		rand.Read(k)
		if r := weakness(k); r != "" {
			t.Fatalf("random key refused: %s", r)
		}
	}
	for _, p := range Purposes {
		line, err := NewKeyLine(p, "x1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyRing(map[string]string{p.Env: line}, p.Env, p.Size); err != nil {
			t.Errorf("%s: a generated key is refused: %v", p.Name, err)
		}
	}
	if got := expectedDistinct(32); got < 29 || got > 31 {
		t.Errorf("expected distinct values of 32 random bytes: %d", got)
	}
}

// One key given for two purposes is refused, naming both variables and ids.
func TestDistinctPurposes(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"VIGIA_PSEUDONYM_KEYS": "p1:" + key(1, 32) + ",p2:" + key(2, 32),
		"VIGIA_EVENT_KEYS":     "e1:" + key(3, 32),
		"VIGIA_DLQ_KEYS":       "d1:" + key(4, 32),
	}
	if err := DistinctEnv(env); err != nil {
		t.Fatalf("distinct rings refused: %v", err)
	}
	env["VIGIA_ALERT_KEYS"] = "a1:" + key(5, 32) + ",a2:" + key(1, 32)
	err := DistinctEnv(env)
	if err == nil {
		t.Fatal("a pseudonym key reused to sign alerts is accepted")
	}
	for _, want := range []string{"VIGIA_PSEUDONYM_KEYS key p1", "VIGIA_ALERT_KEYS key a2", "vigia keys generate --purpose alert"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), key(1, 32)) {
		t.Error("the message shows the key")
	}
	// Rings that do not load are left to the stage that needs them.
	if err := DistinctEnv(map[string]string{"VIGIA_DLQ_KEYS": "bad", "VIGIA_EVENT_KEYS": "e1:" + key(3, 32)}); err != nil {
		t.Errorf("%v", err)
	}
}
