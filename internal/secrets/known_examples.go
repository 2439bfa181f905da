package secrets

import (
	"crypto/subtle"
	"encoding/base64"
)

// knownExamples are the key values that have appeared in the repository's examples
// (.env.example, README.md, compose.yaml, docs/*.md, docs/config.example.yaml), base64 as
// written there. They are public, so they are refused as keys even where they would pass
// every other test. A value leaves the examples, never this list: copies of an old
// .env.example live on. TestKnownExamplesCoverTheRepository re-scans those files.
var knownExamples = []string{
	// .env.example until `vigia keys generate`: k1, d1 and a1 (32 zero bytes).
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
}

// knownExampleKeys are knownExamples decoded.
var knownExampleKeys = func() [][]byte {
	out := make([][]byte, 0, len(knownExamples))
	for _, s := range knownExamples {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			panic("secrets: known example " + s + " is not base64")
		}
		out = append(out, b)
	}
	return out
}()

// isKnownExample tells whether key is one of the published example values.
func isKnownExample(key []byte) bool {
	for _, ex := range knownExampleKeys {
		if len(ex) == len(key) && subtle.ConstantTimeCompare(ex, key) == 1 {
			return true
		}
	}
	return false
}
