package disclosure

import "testing"

// The keyless description is the one a keyed rule gives: the key draws roundings, it does
// not change the rule.
func TestDescribe(t *testing.T) {
	if got, want := Describe(), rule(t).Description(); got != want {
		t.Errorf("Describe() = %q\nwant the rule's own %q", got, want)
	}
}
