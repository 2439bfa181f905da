package audit

import (
	"regexp"
	"testing"

	"github.com/vigia-observatory/vigia/dashboards"
)

// A column a dashboard fills with a sum of published cells (shown, shownText) or a published
// alert count (protectedText) is a count of persons: the audit must know it, or it would
// neither check what the column shows nor difference it.
func TestCountColumnsKnown(t *testing.T) {
	t.Parallel()
	files, err := dashboards.Render(dashboards.DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	qs, err := dashboards.Queries(files)
	if err != nil {
		t.Fatal(err)
	}
	sums := regexp.MustCompile(`(?:sum\(persons\)|sumIf\(persons, [^)]*\)|toString\((?:observed|peak)\))\)+ AS ("[^"]+"|\w+)`)
	found := 0
	for _, q := range qs {
		for _, m := range sums.FindAllStringSubmatch(q.SQL, -1) {
			col := m[1]
			if col[0] == '"' {
				col = col[1 : len(col)-1]
			}
			found++
			if !isCount(col) {
				t.Errorf("%s / %s: column %q counts persons but the audit does not know it (countColumns)", q.File, q.Panel, col)
			}
		}
	}
	if found < 40 {
		t.Errorf("only %d count columns found: the pattern no longer matches the cells' helpers", found)
	}
}
