package secrets

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keyBytes are n bytes (n <= 32) that look random, the same for the same b.
func keyBytes(b byte, n int) []byte {
	sum := sha256.Sum256([]byte{b})
	return sum[:n]
}

func key(b byte, n int) string { return base64.StdEncoding.EncodeToString(keyBytes(b, n)) }

func TestParseKeyRing(t *testing.T) {
	t.Parallel()
	kr, err := ParseKeyRing("k1:"+key('a', 32)+", k2:"+key('b', 32), 32)
	if err != nil {
		t.Fatal(err)
	}
	if id, k := kr.Current(); id != "k2" || !bytes.Equal(k, keyBytes('b', 32)) {
		t.Fatalf("current = %s", id)
	}
	if _, ok := kr.Key("k1"); !ok {
		t.Fatal("old key lost")
	}
	if strings.Contains(kr.String(), key('a', 32)) {
		t.Fatal("String leaks a key")
	}
	for _, bad := range []string{"", "k1", "k1:***", "k1:" + key('a', 16), "bad id:" + key('a', 32), "k:" + key('a', 32) + ",k:" + key('b', 32)} {
		if _, err := ParseKeyRing(bad, 32); err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), key('a', 32)) {
			t.Errorf("error leaks the key: %v", err)
		}
	}
}

func TestLoadKeyRingFromFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(p, []byte("# rotated 2026-11\nold:"+key('a', 32)+"\nnew:"+key('c', 32)+"\n"), 0o600)
	kr, err := LoadKeyRing(map[string]string{"X_FILE": p}, "X", 32)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := kr.Current(); id != "new" {
		t.Fatalf("current %s", id)
	}
	if _, err := LoadKeyRing(map[string]string{}, "X", 32); err == nil || !strings.Contains(err.Error(), "X_FILE") {
		t.Fatalf("missing key error should name the variables: %v", err)
	}
}
