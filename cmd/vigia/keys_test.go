package main

import (
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/dlq"
	"github.com/vigia-observatory/vigia/internal/secrets"
)

// The purposes' sizes are the ones the users of the rings check.
func TestKeysPurposeSizes(t *testing.T) {
	for name, size := range map[string]int{"pseudonym": 32, "event": 32, "dlq": dlq.KeySize, "alert": secrets.RecordMACKeySize} {
		if p, err := secrets.PurposeNamed(name); err != nil || p.Size != size {
			t.Errorf("%s: %+v %v, want %d bytes", name, p, err, size)
		}
	}
}

// vigia keys generate prints a ring entry of the purpose's size that the pipeline accepts,
// with the default or the given id; bad invocations say what is wrong.
func TestKeysGenerate(t *testing.T) {
	today := time.Now().UTC().Format("20060102")
	for _, tc := range []struct {
		args   []string
		env    string
		wantID string
	}{
		{[]string{"--purpose", "pseudonym"}, "VIGIA_PSEUDONYM_KEYS", "p" + today},
		{[]string{"--purpose", "event"}, "VIGIA_EVENT_KEYS", "e" + today},
		{[]string{"--purpose", "dlq", "--id", "d2027-01"}, "VIGIA_DLQ_KEYS", "d2027-01"},
		{[]string{"--purpose", "alert"}, "VIGIA_ALERT_KEYS", "a" + today},
	} {
		out, errs, code := run(t, append([]string{"keys", "generate"}, tc.args...)...)
		line := strings.TrimSpace(out)
		if code != 0 || !regexp.MustCompile(`^`+regexp.QuoteMeta(tc.wantID)+`:[A-Za-z0-9+/]{43}=$`).MatchString(line) {
			t.Errorf("%v: exit %d, %q %s", tc.args, code, out, errs)
			continue
		}
		ring, err := secrets.LoadKeyRing(map[string]string{tc.env: line}, tc.env, 32)
		if err != nil {
			t.Errorf("%v: the pipeline refuses what generate printed: %v", tc.args, err)
		} else if id, _ := ring.Current(); id != tc.wantID {
			t.Errorf("%v: id %s", tc.args, id)
		}
	}
	a, _, _ := run(t, "keys", "generate", "--purpose", "dlq")
	b, _, _ := run(t, "keys", "generate", "--purpose", "dlq")
	if a == b {
		t.Error("two keys are the same")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--purpose is required"},
		{[]string{"--purpose", "webhook"}, `no key purpose "webhook"`},
		{[]string{"--purpose", "pseudonym,dlq"}, "several purposes need --dir"},
		{[]string{"--purpose", "dlq", "--id", "bad id"}, "key id"},
		{[]string{"--purpose", "dlq", "--out", filepath.Join(dir, "a"), "--append", filepath.Join(dir, "b")}, "one of --out, --append and --dir"},
		{[]string{"--purpose", "dlq", "--if-absent"}, "--if-absent goes with --out or --dir"},
		{[]string{"--purpose", "dlq", "--append", filepath.Join(dir, "missing")}, "no such file"},
	} {
		out, errs, code := run(t, append([]string{"keys", "generate"}, tc.args...)...)
		if code == 0 || out != "" || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want %q", tc.args, code, out, errs, tc.want)
		}
	}
}

// --out writes a new 0600 ring file and never replaces one; --append adds a new current key
// and keeps the old ones; --dir --if-absent makes the missing files of several purposes and
// keeps the good ones there (compose's first start), but not a weak one.
func TestKeysGenerateFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pseudonym.keys")
	if _, errs, code := run(t, "keys", "generate", "--purpose", "pseudonym", "--id", "p1", "--out", path); code != 0 || !strings.Contains(errs, "VIGIA_PSEUDONYM_KEYS_FILE="+path) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600", st.Mode(), err)
	}
	first, _ := os.ReadFile(path)
	if _, errs, code := run(t, "keys", "generate", "--purpose", "pseudonym", "--out", path); code == 0 || !strings.Contains(errs, "file exists") {
		t.Fatalf("an existing ring was not refused: exit %d %s", code, errs)
	}
	if now, _ := os.ReadFile(path); string(now) != string(first) {
		t.Fatal("the refused --out changed the file")
	}
	load := func() *secrets.KeyRing {
		t.Helper()
		ring, err := secrets.LoadKeyRing(map[string]string{"VIGIA_PSEUDONYM_KEYS_FILE": path}, "VIGIA_PSEUDONYM_KEYS", 32)
		if err != nil {
			t.Fatal(err)
		}
		return ring
	}
	old, _ := load().Key("p1")

	// Rotation: twice on the same day without --id, the ids stay apart.
	today := "p" + time.Now().UTC().Format("20060102")
	for _, want := range []string{today, today + ".2"} {
		if out, errs, code := run(t, "keys", "generate", "--purpose", "pseudonym", "--append", path); code != 0 || out != "" || !strings.Contains(errs, "added pseudonym key "+want) {
			t.Fatalf("append: exit %d %q %s", code, out, errs)
		}
		ring := load()
		if id, _ := ring.Current(); id != want {
			t.Errorf("current key %s, want the appended %s", id, want)
		}
		if k, ok := ring.Key("p1"); !ok || string(k) != string(old) {
			t.Error("the old key is lost or changed")
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode after append %v", st.Mode())
	}
	if _, errs, code := run(t, "keys", "generate", "--purpose", "pseudonym", "--id", "p1", "--append", path); code == 0 || !strings.Contains(errs, "already has a key p1") {
		t.Errorf("a taken id: exit %d %s", code, errs)
	}
	if _, errs, code := run(t, "keys", "generate", "--purpose", "alert", "--append", filepath.Join(dir, "x")); code == 0 {
		t.Errorf("append to a missing file: %s", errs)
	}
	os.Chmod(path, 0o644)
	if _, errs, code := run(t, "keys", "generate", "--purpose", "pseudonym", "--append", path); code == 0 || !strings.Contains(errs, "chmod 600") {
		t.Errorf("append to a file others can read: exit %d %s", code, errs)
	}
	os.Chmod(path, 0o600)
	before, _ := os.ReadFile(path)

	// First start: the pseudonym ring is there and kept, the others are made.
	args := []string{"keys", "generate", "--purpose", "pseudonym,event,dlq,alert", "--dir", dir, "--if-absent"}
	if _, errs, code := run(t, args...); code != 0 || !strings.Contains(errs, "kept "+path) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if now, _ := os.ReadFile(path); string(now) != string(before) {
		t.Error("--if-absent replaced a ring")
	}
	rings := map[string]string{}
	for _, p := range secrets.Purposes {
		f := filepath.Join(dir, p.Name+".keys")
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v", f, err)
		}
		rings[p.Env+"_FILE"] = f
	}
	if err := secrets.DistinctEnv(rings); err != nil {
		t.Error(err)
	}
	// A second start changes nothing.
	snapshot := func() string {
		var s strings.Builder
		for _, p := range secrets.Purposes {
			b, _ := os.ReadFile(filepath.Join(dir, p.Name+".keys"))
			s.Write(b)
		}
		return s.String()
	}
	s1 := snapshot()
	if _, errs, code := run(t, args...); code != 0 || snapshot() != s1 {
		t.Errorf("second start: exit %d %s", code, errs)
	}
	// A weak ring found there stops the start, naming the variable.
	os.WriteFile(filepath.Join(dir, "alert.keys"), []byte("a1:"+strings.Repeat("A", 43)+"=\n"), 0o600)
	if _, errs, code := run(t, args...); code == 0 || !containsAll(errs, "alert.keys", "VIGIA_ALERT_KEYS", "a1", "weak") {
		t.Errorf("weak ring kept: exit %d %s", code, errs)
	}
}

// testKey is a key for tests that the pipeline accepts (random-looking bytes, fixed by seed,
// so child processes and reruns get the same one): base64 of SHA-256(seed).
func testKey(seed byte) string {
	sum := sha256.Sum256([]byte{seed})
	return base64.StdEncoding.EncodeToString(sum[:])
}
