package secrets

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The files of the repository where key values could be shown to readers.
var exampleFiles = []string{".env.example", "README.md", "compose.yaml", "docs/*.md", "docs/config.example.yaml"}

var (
	// A 32-byte key in base64, on its own.
	bareKeyRe = regexp.MustCompile(`(?:^|[^A-Za-z0-9+/=])([A-Za-z0-9+/]{43}=)(?:[^A-Za-z0-9+/=]|$)`)
	// A ring entry id:base64 of any length.
	ringEntryRe = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.-])[A-Za-z0-9_.-]{1,32}:([A-Za-z0-9+/]{16,}={0,2})`)
)

// keyValues returns the key-like values in text (base64 that decodes to 16 bytes or more,
// written as a key or a ring entry), each with its line number.
func keyValues(text string) map[string]int {
	found := map[string]int{}
	for n, line := range strings.Split(text, "\n") {
		for _, re := range []*regexp.Regexp{bareKeyRe, ringEntryRe} {
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				if b, err := base64.StdEncoding.DecodeString(m[1]); err == nil && len(b) >= 16 {
					found[m[1]] = n + 1
				}
			}
		}
	}
	return found
}

// Every key value the repository's examples show is in knownExamples (so it is refused as a
// key), and the scan finds what it looks for: the list cannot go stale.
func TestKnownExamplesCoverTheRepository(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	var files []string
	for _, pattern := range exampleFiles {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil || len(m) == 0 {
			t.Fatalf("%s: no file (%v): the test must read the repository's examples", pattern, err)
		}
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for v, line := range keyValues(string(b)) {
			k, _ := base64.StdEncoding.DecodeString(v)
			if !isKnownExample(k) {
				rel, _ := filepath.Rel(root, f)
				t.Errorf("%s:%d shows the key value %s, which is not in knownExamples: add it to internal/secrets/known_examples.go (it is public now, so it must never be accepted as a key), or better, show no value", rel, line, v)
			}
		}
	}

	// The scan finds keys as they are written in those files.
	k := key(1, 32)
	for _, text := range []string{"VIGIA_DLQ_KEYS=d1:" + k, "  VIGIA_DLQ_KEYS: \"d1:" + k + "\"", "export X=\"old:" + key(2, 32) + ",new:" + k + "\"",
		"echo " + k + " > keys", "`p2026:" + key(3, 16) + "`"} {
		if len(keyValues(text)) == 0 {
			t.Errorf("the scan misses the key in %q", text)
		}
	}
	for _, text := range []string{"/var/lib/grafana/dashboards/vigia/overview.json", "https://ministry.example/hook", "VIGIA_PSEUDONYM_KEYS=id:base64(32 bytes)[,...]"} {
		if got := keyValues(text); len(got) != 0 {
			t.Errorf("the scan takes %v in %q for a key", got, text)
		}
	}
	seen := map[string]bool{}
	for _, ex := range knownExamples {
		if seen[ex] {
			t.Errorf("%s is listed twice", ex)
		}
		seen[ex] = true
		b, _ := base64.StdEncoding.DecodeString(ex)
		if _, err := LoadKeyRing(map[string]string{"V": "x:" + ex}, "V", len(b)); err == nil || !strings.Contains(err.Error(), "example") {
			t.Errorf("known example %s: %v", ex, fmt.Sprint(err))
		}
	}
}
