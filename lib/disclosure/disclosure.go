// Package disclosure is the one place where a count of persons becomes a figure someone may
// see. Every published cell, alert figure and exported value passes through Rule.Protect.
//
// The rule (docs/DESIGN.md, "Disclosure control"):
//   - primary suppression: a count from 1 to k-1 is not shown ("<k"); k is 5, and 10 for any
//     cell that counts children;
//   - controlled rounding: every other count is rounded to a multiple of the same k, down or
//     up by a draw that is keyed (a secret) and fixed per cell (its key and count), with
//     P(up) = remainder/k so that sums stay unbiased; asking again gives the same figure,
//     so repeating a query cannot average the rounding away.
//
// Why both: suppression alone is read around by differencing (a total minus the shown cells
// gives the hidden one, days 1-8 minus days 1-7 give day 8). With every shown figure a
// multiple of k, any sum or difference of published figures is a multiple of k as well, so
// no arithmetic on them yields a count from 1 to k-1; and each figure is only known to within
// k-1 of the truth, so no hidden cell is pinned down by the totals around it.
package disclosure

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Defaults of the observatory's rule.
const (
	// K is the least count shown of adults and of people of unknown age.
	K = 5
	// KMinors is the least count shown wherever children are counted.
	KMinors = 10
)

// Rule protects counts. The zero value is not usable: build it with New or Off.
type Rule struct {
	k, kMinors uint64
	key        []byte
	off        bool
}

// New returns the observatory's rule (k 5, children 10) drawing its roundings with key,
// which must be secret and stable (a new key draws every cell anew).
func New(key []byte) (Rule, error) {
	if len(key) < 16 {
		return Rule{}, fmt.Errorf("cannot build the disclosure rule: its key has %d bytes, want at least 16", len(key))
	}
	return Rule{k: K, kMinors: KMinors, key: append([]byte(nil), key...)}, nil
}

// Off shows every count as it is. Only for proving that the audit finds what the rule
// prevents; nothing that publishes uses it.
func Off() Rule { return Rule{k: 1, kMinors: 1, off: true} }

// K is the threshold of a cell: KMinors when it counts children.
func (r Rule) K(minors bool) uint64 {
	if minors {
		return r.kMinors
	}
	return r.k
}

// Figure is a protected count.
type Figure struct {
	// Value is what is shown: a multiple of K, 0 when suppressed.
	Value uint64
	// Suppressed is true when the count was 1 to K-1.
	Suppressed bool
	// K is the threshold and rounding base applied.
	K uint64
}

// Text is the figure as a message or table shows it: "<k" when suppressed.
func (f Figure) Text() string {
	if f.Suppressed {
		return "<" + strconv.FormatUint(f.K, 10)
	}
	return strconv.FormatUint(f.Value, 10)
}

// Protect returns the figure shown for count n of the cell named by cell (any stable bytes
// that identify it: grain, period, place, breakdown), counting children when minors.
func (r Rule) Protect(cell []byte, n uint64, minors bool) Figure {
	k := r.K(minors)
	switch {
	case r.off || n == 0:
		return Figure{Value: n, K: k}
	case n < k:
		return Figure{Suppressed: true, K: k}
	}
	down, rem := n-n%k, n%k
	if rem != 0 && r.draw(cell, n) < float64(rem)/float64(k) {
		down += k
	}
	return Figure{Value: down, K: k}
}

// draw is uniform in [0, 1), fixed by the key, the cell and its count.
func (r Rule) draw(cell []byte, n uint64) float64 {
	m := hmac.New(sha256.New, r.key)
	m.Write(cell)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	m.Write(b[:])
	return float64(binary.BigEndian.Uint64(m.Sum(nil))>>11) / (1 << 53)
}

// Description is the rule in a sentence, for exports' metadata and the dashboards.
func (r Rule) Description() string {
	if r.off {
		return "no disclosure control (audit check only)"
	}
	return fmt.Sprintf("counts of 1 to %d persons suppressed (1 to %d where children are counted); every other count rounded to a multiple of %d (%d for children), up or down by a keyed random draw fixed per cell, unbiased", r.k-1, r.kMinors-1, r.k, r.kMinors)
}

// FromSecret derives the rule's key from a secret the pipeline already holds (the current
// pseudonymization key), under a label of its own, so no key is used for two purposes and
// no new secret has to be distributed. A new secret draws the roundings of cells published
// from then on anew.
func FromSecret(secret []byte) (Rule, error) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("vigia disclosure rounding v1"))
	return New(m.Sum(nil))
}

// A surge series' counts are cells too. The published alerts and bands and the ministries'
// messages name them the same way, so a dashboard and a message show one figure.

// SeriesCell names a series' count for one period.
func SeriesCell(series string, period time.Time) []byte {
	return []byte(series + "|" + period.UTC().Format(time.RFC3339))
}

// PeakCell names an alert's peak count.
func PeakCell(series, alertID string) []byte { return []byte(series + "|peak|" + alertID) }

// Series protects a detector's count (a float) of a series of population ("all",
// "minors", "unaccompanied"): children's series have the children's k.
func (r Rule) Series(cell []byte, n float64, population string) Figure {
	return r.Protect(cell, uint64(math.Round(max(n, 0))), population != "" && population != "all")
}
