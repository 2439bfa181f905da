package secrets

import (
	"crypto/subtle"
	"fmt"
)

// minDistinct is the fewest distinct byte values a key of 16 bytes or more may have. 32
// random bytes have about 30; fewer than 8 happens by chance with a probability far below
// 2^-100, so a key refused by it was made by hand ("aaaa…", "abab…", a short word repeated).
const minDistinct = 8

// WeakKeyError says why a key was refused: its id and the reason, never the key.
type WeakKeyError struct {
	ID     string
	Reason string
}

func (e *WeakKeyError) Error() string { return fmt.Sprintf("key %s is weak: %s", e.ID, e.Reason) }

// weakness says why key cannot be a secret, or "" when it looks like random bytes. The
// tests are the ways hand-made keys have been seen to look; each one is so unlikely for
// random bytes that no generated key is ever refused.
func weakness(key []byte) string {
	if isKnownExample(key) {
		return "it is an example value published in Vigía's repository, known to anyone"
	}
	if len(key) < 2 {
		return ""
	}
	seen := map[byte]bool{}
	for _, b := range key {
		seen[b] = true
	}
	switch {
	case len(seen) == 1:
		return "all its bytes are the same"
	case len(key) >= 16 && len(seen) < minDistinct:
		return fmt.Sprintf("it has only %d distinct byte values (random %d-byte keys have about %d)", len(seen), len(key), expectedDistinct(len(key)))
	}
	step, counting := key[1]-key[0], true
	for i := 2; i < len(key) && counting; i++ {
		counting = key[i]-key[i-1] == step
	}
	if counting {
		return "its bytes count up or down by a fixed step"
	}
	for period := 1; period <= len(key)/2; period++ {
		repeats := true
		for i := period; i < len(key) && repeats; i++ {
			repeats = key[i] == key[i-period]
		}
		if repeats {
			return fmt.Sprintf("it repeats a %d-byte pattern", period)
		}
	}
	return ""
}

// expectedDistinct is about how many distinct values n random bytes have.
func expectedDistinct(n int) int {
	miss := 1.0
	for range n {
		miss *= 255.0 / 256
	}
	return int(256*(1-miss) + 0.5)
}

// Check refuses a ring holding a weak key (see weakness), old keys included: an old key
// still verifies and decrypts, so a guessable one is as bad as a current one.
func (k *KeyRing) Check() error {
	for _, id := range k.order {
		if reason := weakness(k.keys[id]); reason != "" {
			return &WeakKeyError{ID: id, Reason: reason}
		}
	}
	return nil
}

// Distinct refuses the same key bytes in two rings: a key used for two purposes lets
// whoever holds it for one (an operator reading the DLQ) do the other (compute pseudonyms,
// sign alerts). Rings loaded with LoadKeyRing are named by their variable in the error.
func Distinct(rings ...*KeyRing) error {
	for i, a := range rings {
		for _, b := range rings[i+1:] {
			for _, ida := range a.order {
				for _, idb := range b.order {
					ka, kb := a.keys[ida], b.keys[idb]
					if len(ka) == len(kb) && subtle.ConstantTimeCompare(ka, kb) == 1 {
						return fmt.Errorf("%s key %s and %s key %s are the same key: each purpose needs its own (make one with: %s)",
							a.label(), ida, b.label(), idb, generateHint(b.name))
					}
				}
			}
		}
	}
	return nil
}

// DistinctEnv loads every purpose's ring that environ sets and refuses one key used for two
// purposes (see Distinct). A ring that does not load is left to the part that needs it,
// which reports why.
func DistinctEnv(environ map[string]string) error {
	var rings []*KeyRing
	for _, p := range Purposes {
		if environ[p.Env] == "" && environ[p.Env+"_FILE"] == "" {
			continue
		}
		if r, err := LoadKeyRing(environ, p.Env, p.Size); err == nil {
			rings = append(rings, r)
		}
	}
	return Distinct(rings...)
}

func (k *KeyRing) label() string {
	if k.name == "" {
		return "ring"
	}
	return k.name
}
