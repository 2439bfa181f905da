package wire

import (
	"strings"
	"testing"
)

func TestParseProgress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key, value string
		null       bool
		want       ProgressRecord
		err        string
	}{
		{key: "window/3", value: `{"watermark":7200,"partitions":6}`, want: ProgressRecord{Kind: WindowProgress, Key: "window/3", Partition: 3, Progress: Progress{7200, 6}}},
		{key: "detect", value: `{"watermark":3600}`, want: ProgressRecord{Kind: DetectProgress, Key: "detect", Progress: Progress{Watermark: 3600}}},
		{key: "revision/2/140", value: `{"spans":[{"point_id":"hnd-corinto","from":0,"to":3600}]}`,
			want: ProgressRecord{Kind: RevisionProgress, Key: "revision/2/140", Revision: Revision{Spans: []Span{{"hnd-corinto", 0, 3600}}}}},
		{key: "revision/2/140", null: true, want: ProgressRecord{Kind: RevisionProgress, Key: "revision/2/140", Done: true}},
		{key: "revision/2", value: `{}`, err: "want revision/<partition>/<offset>"},
		{key: "window/x", value: `{}`, err: "want window/<partition>"},
		{key: "window/1", value: `{`, err: "cannot decode"},
	} {
		var v []byte
		if !tc.null {
			v = []byte(tc.value)
		}
		got, err := ParseProgress([]byte(tc.key), v)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.key, err, tc.err)
			}
			continue
		}
		if err != nil || got.Kind != tc.want.Kind || got.Partition != tc.want.Partition || got.Progress != tc.want.Progress ||
			got.Done != tc.want.Done || len(got.Revision.Spans) != len(tc.want.Revision.Spans) ||
			len(got.Revision.Spans) > 0 && got.Revision.Spans[0] != tc.want.Revision.Spans[0] {
			t.Errorf("%s: got %+v, %v; want %+v", tc.key, got, err, tc.want)
		}
	}
	a := Revision{Spans: []Span{{"hnd-corinto", 0, 3600}}}
	b := Revision{Spans: []Span{{"hnd-corinto", 0, 7200}}}
	if k := RevisionKey(4, 99, a); !strings.HasPrefix(k, "revision/4/99-") || k != RevisionKey(4, 99, a) || k == RevisionKey(4, 99, b) {
		t.Errorf("RevisionKey: %q; the same spans must give the same key, others another", k)
	}
	if r, err := ParseProgress([]byte(RevisionKey(4, 99, a)), []byte(`{"spans":[]}`)); err != nil || r.Kind != RevisionProgress {
		t.Errorf("a key of RevisionKey does not parse: %v", err)
	}
}
