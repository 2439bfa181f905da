package secrets

import "sort"

// IDs lists the ring's key ids, in order: lookups that must find data made under any key
// (before a rotation too) try them all.
func (k *KeyRing) IDs() []string {
	out := make([]string, 0, len(k.keys))
	for id := range k.keys {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Previous returns the key written just before the current one: during a rotation's
// overlap (both in the ring), deduplication fingerprints records under it too, so a repeat
// of a record fingerprinted before the rotation is still caught.
func (k *KeyRing) Previous() (string, []byte, bool) {
	if len(k.order) < 2 {
		return "", nil, false
	}
	id := k.order[len(k.order)-2]
	return id, k.keys[id], true
}
