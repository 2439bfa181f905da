package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Progress is a record of <prefix>.progress, a compacted one-partition topic that says how
// far event time is settled and which settled windows changed since: the window stage writes,
// for each vigia.clean partition, the watermark up to which its windows are stored in
// ClickHouse (key "window/<partition>"); the store stage writes a Revision for the windows it
// recounted from storage (key "revision/<partition>/<offset>-<digest>"); the detect stage writes how
// far it has judged (key "detect") and a tombstone for each revision it has judged again.
// Compaction keeps the latest of each key, so a new owner reads the whole topic to know where
// everything stands and which revisions are still to judge.
type Progress struct {
	// Watermark is event time in Unix seconds.
	Watermark int64 `json:"watermark"`
	// Partitions is the number of vigia.clean partitions, so a reader knows how many
	// watermarks make a complete picture.
	Partitions int `json:"partitions,omitempty"`
}

// Revision names the windows whose counts changed after their period may have been judged:
// per point, the span of hourly window starts recounted. It names places and times only.
type Revision struct {
	Spans []Span `json:"spans"`
}

// Span is [From, To) in Unix seconds at one point.
type Span struct {
	PointID string `json:"point_id"`
	From    int64  `json:"from"`
	To      int64  `json:"to"`
}

// DetectProgressKey is the key of the detect stage's checkpoint.
const DetectProgressKey = "detect"

// WindowProgressKey is the key of one clean partition's window watermark.
func WindowProgressKey(partition int) string { return "window/" + strconv.Itoa(partition) }

// RevisionKey is the key of revision r, written for the batch of a clean partition that
// starts at offset: a retried batch with the same spans writes the same key again, and a
// batch cut differently after a restart another one, so the detector's tombstone for the
// first never deletes the second before it is judged.
func RevisionKey(partition int, offset int64, r Revision) string {
	h := sha256.New()
	for _, s := range r.Spans {
		fmt.Fprintf(h, "%s|%d|%d\n", s.PointID, s.From, s.To)
	}
	return "revision/" + strconv.Itoa(partition) + "/" + strconv.FormatInt(offset, 10) + "-" + hex.EncodeToString(h.Sum(nil)[:8])
}

// ProgressKind tells the records of the progress topic apart.
type ProgressKind int

const (
	WindowProgress ProgressKind = iota
	DetectProgress
	RevisionProgress
)

// ProgressRecord is one parsed record of the progress topic.
type ProgressRecord struct {
	Kind      ProgressKind
	Key       string
	Partition int      // of a window watermark
	Progress  Progress // of a window watermark or the detect checkpoint
	Revision  Revision // of a revision
	Done      bool     // a revision's tombstone: judged again
}

// ParseProgress reads a record of the progress topic.
func ParseProgress(key, value []byte) (ProgressRecord, error) {
	r := ProgressRecord{Key: string(key)}
	if rest, ok := strings.CutPrefix(r.Key, "revision/"); ok {
		r.Kind = RevisionProgress
		part, off, ok := strings.Cut(rest, "/")
		if _, err := strconv.Atoi(part); !ok || err != nil {
			return r, fmt.Errorf("progress record key %q: want revision/<partition>/<offset>", r.Key)
		}
		off, _, _ = strings.Cut(off, "-") // <offset>-<digest of the spans>
		if _, err := strconv.ParseInt(off, 10, 64); err != nil {
			return r, fmt.Errorf("progress record key %q: want revision/<partition>/<offset>", r.Key)
		}
		if len(value) == 0 { // a tombstone (some clients read one as empty, not null)
			r.Done = true
			return r, nil
		}
		if err := json.Unmarshal(value, &r.Revision); err != nil {
			return r, fmt.Errorf("cannot decode progress record %q: %w", key, err)
		}
		return r, nil
	}
	if err := json.Unmarshal(value, &r.Progress); err != nil {
		return r, fmt.Errorf("cannot decode progress record %q: %w", key, err)
	}
	if r.Key == DetectProgressKey {
		r.Kind = DetectProgress
		return r, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(r.Key, "window/"))
	if !strings.HasPrefix(r.Key, "window/") || err != nil || n < 0 {
		return r, fmt.Errorf("progress record key %q: want window/<partition>, revision/<partition>/<offset> or detect", r.Key)
	}
	r.Kind, r.Partition = WindowProgress, n
	return r, nil
}
