package anonymize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// NormalizeName folds the ways agencies write the same name: case, accents, punctuation and
// runs of spaces ("  José  PÉREZ-Gómez" and "jose perez gomez" are the same person).
func NormalizeName(s string) string { return string(AppendName(nil, s)) }

// AppendName appends NormalizeName(s) to dst. Names in Latin script (every name the region's
// agencies send) are folded rune by rune with no allocation; any other script goes through
// the full Unicode transform (decompose, drop marks, recompose), which costs about 18 KB a
// call and gives the same result for Latin text (checked by TestAppendNameMatchesTransform).
func AppendName(dst []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x0250 { // beyond Latin and its extensions
			return appendFolded(dst, transformName(s))
		}
	}
	start, space := len(dst), false
	for _, r := range s {
		if r < utf8.RuneSelf {
			dst, space = appendRune(dst, start, r, space)
			continue
		}
		for _, d := range latinBase[r] {
			dst, space = appendRune(dst, start, d, space)
		}
	}
	return dst
}

// latinBase holds, for each rune below U+0250, its canonical decomposition without the
// combining marks ("é" -> "e", "ǅ" -> "Dž" -> "Dz"), computed once from the Unicode tables.
var latinBase = func() (t [0x250]string) {
	for r := rune(0); r < 0x250; r++ {
		var b strings.Builder
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(d)
			}
		}
		t[r] = b.String()
	}
	return t
}()

// appendRune adds a letter or digit lower-cased, a single space before it when separators
// came since the last one, and nothing for a separator.
func appendRune(dst []byte, start int, r rune, space bool) ([]byte, bool) {
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
		return dst, true
	}
	if space && len(dst) > start {
		dst = append(dst, ' ')
	}
	return utf8.AppendRune(dst, unicode.ToLower(r)), false
}

// appendFolded folds an already transformed name: letters and digits lower-cased, every run
// of other runes one space.
func appendFolded(dst []byte, folded string) []byte {
	start, space := len(dst), false
	for _, r := range folded {
		dst, space = appendRune(dst, start, r, space)
	}
	return dst
}

// transformName decomposes, drops the combining marks and recomposes.
func transformName(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return folded
}

// NormalizeDocument keeps the letters and digits of a document number in upper case, so
// "a-123 456" and "A123456" are the same document.
func NormalizeDocument(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		}
	}
	return b.String()
}
