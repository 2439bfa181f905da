package schemas

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestEachRecord(t *testing.T) {
	t.Parallel()
	long := `{"x":"` + strings.Repeat("a", DefaultMaxRecordBytes+10) + `"}`
	for _, tc := range []struct {
		name, file, in string
		want           []string // "line:size-or-text"
	}{
		{"ndjson with blank lines", "a.ndjson", "{\"a\":1}\n\n  {\"b\":2}  \n", []string{"1:{\"a\":1}", "3:{\"b\":2}"}},
		{"no final newline", "a.ndjson", "{\"a\":1}", []string{"1:{\"a\":1}"}},
		{"a line over the limit is too large, the next is read", "a.ndjson", "{}\n" + long + "\n{\"c\":3}\n",
			[]string{"1:{}", fmt.Sprintf("2:%d bytes", DefaultMaxRecordBytes+1), "3:{\"c\":3}"}},
		{"a json array", "a.JSON", "[{\"a\":1},\n {\"b\":2}]", []string{"1:{\"a\":1}", "2:{\"b\":2}"}},
		{"a json object", "a.json", " {\"a\":\n 1}\n", []string{"1:{\"a\":\n 1}"}},
		{"broken json goes to the checker whole", "a.json", "[{\"a\":", []string{"1:[{\"a\":"}},
	} {
		var got []string
		err := EachRecord(strings.NewReader(tc.in), tc.file, func(line int, rec []byte) error {
			if len(rec) > 100 {
				got = append(got, fmt.Sprintf("%d:%d bytes", line, len(rec)))
			} else {
				got = append(got, fmt.Sprintf("%d:%s", line, rec))
			}
			return nil
		})
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := EachRecord(strings.NewReader("{}\n{}\n{}\n"), "a.ndjson", func(int, []byte) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn's error: %v after %d records", err, n)
	}
}
