package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Progress is a record of <prefix>.progress, a compacted one-partition topic that says how
// far event time is settled: the window stage writes, for each vigia.clean partition, the
// watermark up to which its windows are stored in ClickHouse (key "window/<partition>");
// the detect stage writes how far it has judged (key "detect"). Compaction keeps the latest
// of each key, so a new owner reads the whole topic to know where everything stands.
type Progress struct {
	// Watermark is event time in Unix seconds.
	Watermark int64 `json:"watermark"`
	// Partitions is the number of vigia.clean partitions, so a reader knows how many
	// watermarks make a complete picture.
	Partitions int `json:"partitions,omitempty"`
}

// DetectProgressKey is the key of the detect stage's checkpoint.
const DetectProgressKey = "detect"

// WindowProgressKey is the key of one clean partition's window watermark.
func WindowProgressKey(partition int) string { return "window/" + strconv.Itoa(partition) }

// ParseProgress reads a progress record: partition is -1 for the detect checkpoint.
func ParseProgress(key, value []byte) (partition int, p Progress, err error) {
	if err := json.Unmarshal(value, &p); err != nil {
		return 0, p, fmt.Errorf("cannot decode progress record %q: %w", key, err)
	}
	k := string(key)
	if k == DetectProgressKey {
		return -1, p, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(k, "window/"))
	if !strings.HasPrefix(k, "window/") || err != nil || n < 0 {
		return 0, p, fmt.Errorf("progress record key %q: want window/<partition> or detect", k)
	}
	return n, p, nil
}
