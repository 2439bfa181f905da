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
