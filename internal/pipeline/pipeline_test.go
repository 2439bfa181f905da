package pipeline

import (
	"strings"
	"testing"
)

func TestParseStages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []string
		want string
		err  string
	}{
		{nil, "ingest,dedup,window,store,detect,publish,notify", ""},
		{[]string{"ingest,dedup", "dedup"}, "ingest,dedup", ""},
		{[]string{"ingest,surge"}, "", `--stage "surge": must be one of ingest, dedup, window, store, detect, publish, notify`},
	} {
		got, err := ParseStages(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%v: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || strings.Join(got, ",") != tc.want {
			t.Errorf("%v: %v %v, want %s", tc.in, got, err, tc.want)
		}
	}
}
