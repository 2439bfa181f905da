// Package secrets loads the keys Vigía needs (pseudonyms, event ids, DLQ encryption, alert
// signatures: see Purposes) from the environment or a file, never from flags or config
// files, never logs them, and refuses keys that can be guessed.
package secrets

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// KeyRing holds versioned keys. The current key signs or encrypts new data; older keys stay
// to read what they produced, which is how keys rotate.
type KeyRing struct {
	name    string // the variable it was loaded from, for messages
	current string
	order   []string // ids as written, oldest first
	keys    map[string][]byte
}

var keyIDRe = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// ParseKeyRing reads "id:base64key[,id:base64key...]"; the last key is the current one.
// Every key must be exactly size bytes.
func ParseKeyRing(spec string, size int) (*KeyRing, error) {
	kr := &KeyRing{keys: map[string][]byte{}}
	for _, part := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == '\n' }) {
		part = strings.TrimSpace(part)
		if part == "" || strings.HasPrefix(part, "#") {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || !keyIDRe.MatchString(id) {
			return nil, errors.New("each key must be written id:base64 with an id of letters, digits, '_', '-' or '.'")
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("key %s is not valid base64", id)
		}
		if len(key) != size {
			return nil, fmt.Errorf("key %s has %d bytes, want %d (make one with: vigia keys generate)", id, len(key), size)
		}
		if _, dup := kr.keys[id]; dup {
			return nil, fmt.Errorf("key id %s appears twice", id)
		}
		kr.keys[id] = key
		kr.order = append(kr.order, id)
		kr.current = id
	}
	if kr.current == "" {
		return nil, errors.New("no key given")
	}
	return kr, nil
}

// LoadKeyRing reads the ring from the environment variable name, or from the file named by
// name+"_FILE", and refuses it if any of its keys is weak (see KeyRing.Check): this is how
// every part of Vigía loads its keys, so each refuses them at start. The error names the
// variable and the key id, never a key, and says how to make a good one.
func LoadKeyRing(environ map[string]string, name string, size int) (*KeyRing, error) {
	spec := environ[name]
	if spec == "" && environ[name+"_FILE"] != "" {
		b, err := os.ReadFile(environ[name+"_FILE"])
		if err != nil {
			return nil, fmt.Errorf("cannot read %s_FILE: %w", name, err)
		}
		spec = string(b)
	}
	if spec == "" {
		return nil, fmt.Errorf("no key: set %s=id:base64key or %s_FILE=path (make a key file with: %s --out FILE)", name, name, generateHint(name))
	}
	kr, err := ParseKeyRing(spec, size)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", name, err)
	}
	if err := kr.Check(); err != nil {
		return nil, fmt.Errorf("%s refused: %w; replace it with a new key made with: %s (docs/DESIGN.md, Secrets)", name, err, generateHint(name))
	}
	kr.name = name
	return kr, nil
}

// Current returns the id and bytes of the current key.
func (k *KeyRing) Current() (string, []byte) { return k.current, k.keys[k.current] }

// Key returns the key with that id.
func (k *KeyRing) Key(id string) ([]byte, bool) {
	b, ok := k.keys[id]
	return b, ok
}

// String never shows key material.
func (k *KeyRing) String() string {
	return fmt.Sprintf("KeyRing(current=%s, %d keys)", k.current, len(k.keys))
}
