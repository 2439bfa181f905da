package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// NewKeyLine returns a ring entry "id:base64key" holding p.Size bytes from crypto/rand.
func NewKeyLine(p Purpose, id string) (string, error) {
	if !keyIDRe.MatchString(id) {
		return "", fmt.Errorf("key id %q: use 1 to 32 letters, digits, '_', '-' or '.'", id)
	}
	key := make([]byte, p.Size)
	for {
		if _, err := rand.Read(key); err != nil {
			return "", fmt.Errorf("cannot read random bytes: %w", err)
		}
		// Never happens in practice (see weakness); drawing again keeps the promise that
		// what this writes is accepted at start.
		if weakness(key) == "" {
			break
		}
	}
	return id + ":" + base64.StdEncoding.EncodeToString(key), nil
}

// DefaultKeyID is the id a new key gets when none is given: the purpose's first letter and
// the date, e.g. p20261201.
func DefaultKeyID(p Purpose, now time.Time) string {
	return p.Name[:1] + now.UTC().Format("20060102")
}

// ErrExists is returned by CreateRingFile when the file is already there.
var ErrExists = errors.New("file exists")

// CreateRingFile writes a new ring file holding one new key of purpose p, readable by its
// owner only (0600). It never replaces a file: a ring in use holds the only copy of its
// keys. id "" is DefaultKeyID. It returns the new key's id.
func CreateRingFile(path string, p Purpose, id string) (string, error) {
	if id == "" {
		id = DefaultKeyID(p, time.Now())
	}
	line, err := NewKeyLine(p, id)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("%s: %w; it may hold the only copy of keys in use (add a key to it with --append)", path, ErrExists)
	}
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(ringHeader(p) + line + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("cannot write %s: %w", path, err)
	}
	return id, nil
}

// AppendRingFile adds a new key of purpose p at the end of the ring in path, where it
// becomes the current key; the older keys stay, to read what they made (a rotation). The
// file must hold a ring of p's key size and be readable by its owner only. It is replaced
// whole (a new file renamed over it), so a failure leaves the old ring as it was. id "" is
// DefaultKeyID, with ".2", ".3"... when the ring already has that id. It returns the new
// key's id.
func AppendRingFile(path string, p Purpose, id string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s can be read by others (mode %04o): run chmod 600 %s first", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(real)
	if err != nil {
		return "", err
	}
	ring, err := ParseKeyRing(string(b), p.Size)
	if err != nil {
		return "", fmt.Errorf("%s is not a ring of %s keys: %w", path, p.Name, err)
	}
	if id == "" {
		base := DefaultKeyID(p, time.Now())
		id = base
		for n := 2; ; n++ {
			if _, taken := ring.Key(id); !taken {
				break
			}
			id = base + "." + strconv.Itoa(n)
		}
	} else if _, taken := ring.Key(id); taken {
		return "", fmt.Errorf("%s already has a key %s: give another --id", path, id)
	}
	line, err := NewKeyLine(p, id)
	if err != nil {
		return "", err
	}
	text := string(b)
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += line + "\n"

	tmp, err := os.CreateTemp(filepath.Dir(real), "."+filepath.Base(real)+".*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing left to remove
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.WriteString(text)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), real)
	}
	if err != nil {
		return "", fmt.Errorf("cannot write %s: %w", path, err)
	}
	return id, nil
}

// ringHeader is the comment a new ring file starts with (no ',': a ring splits on it).
func ringHeader(p Purpose) string {
	return "# " + p.Env + "_FILE: Vigía " + p.Name + " keys written id:base64 one per line. The last is current.\n" +
		"# Rotate with: vigia keys generate --purpose " + p.Name + " --append FILE\n"
}
