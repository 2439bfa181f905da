package stream

import (
	"bytes"
	"context"
	"hash/fnv"
	"slices"
	"strconv"

	"github.com/segmentio/kafka-go"
)

// Producer is the part of kafka.Writer the stages need; WriteMessages must return only once
// every message is acknowledged.
type Producer interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// PointBalancer partitions by the part of the key before the first '/', the point id: the
// dedup key "<point>/<fingerprint>" of vigia.anon and the key "<point>" of vigia.clean land on
// the same partition number, so one dedup owner sees every record of a point and can rebuild
// its state from the clean partition it writes.
type PointBalancer struct{}

// Balance implements kafka.Balancer. A key made by PartitionKey goes to its partition.
func (PointBalancer) Balance(msg kafka.Message, partitions ...int) int {
	if n, ok := partitionOfKey(msg.Key); ok && slices.Contains(partitions, n) {
		return n
	}
	return partitions[PartitionOf(msg.Key, len(partitions))]
}

// PartitionKey is a key that PointBalancer sends to partition n, for records that belong to a
// partition rather than to a point (watermark markers).
func PartitionKey(n int) []byte { return strconv.AppendInt([]byte("\x00partition/"), int64(n), 10) }

func partitionOfKey(key []byte) (int, bool) {
	const prefix = "\x00partition/"
	if !bytes.HasPrefix(key, []byte(prefix)) {
		return 0, false
	}
	n, err := strconv.Atoi(string(key[len(prefix):]))
	return n, err == nil
}

// PartitionOf is the partition index of a key among n partitions.
func PartitionOf(key []byte, n int) int {
	if i := bytes.IndexByte(key, '/'); i >= 0 {
		key = key[:i]
	}
	h := fnv.New32a()
	h.Write(key)
	return int(h.Sum32() % uint32(n))
}

// SourceHeader names, on a vigia.anon record, the raw topic partition it came from (set by
// the ingest stage): dedup holds each partition's watermark to its slowest source.
const SourceHeader = "vigia-src"
