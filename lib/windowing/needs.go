package windowing

import (
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/schemas"
)

// NeedKey is one protection-needs count: persons with a need at a point on its local day,
// by type and minor, within one block of a partition's offsets.
type NeedKey struct {
	Day          int64 // the point's local day, Unix seconds of its start
	PointID      string
	PointCountry string
	Type         schemas.EventType
	Minor        bool
	Need         schemas.Need
	Block        int64 // the offset the block's counting began at
}

// NeedRow is a block's running count of a key; Version is the offset after the last record
// the block has counted, so a later row of the same key replaces an earlier one.
type NeedRow struct {
	NeedKey
	Persons uint64
	Version int64
}

// NeedBlockOffsets bounds a block, so its keys (held until it ends) stay few.
const NeedBlockOffsets = 1 << 16

// Needs counts protection needs, which are never stored per row, so they cannot be recounted
// from storage as too-late windows are: every record is counted once whatever its lateness,
// in blocks of the partition's offsets. A block's rows hold its running counts; a new owner
// resumes after the last offset any stored row counted (Resume), so no record is counted
// twice, and the records between that offset and the crash, whose rows were never
// acknowledged, are counted again into a new block. Not safe for concurrent use.
type Needs struct {
	cfg    Config
	resume int64 // records before it are counted in stored rows
	block  int64 // -1: no block open
	next   int64 // offset after the last record seen
	counts map[NeedKey]uint64
	dirty  map[NeedKey]bool
}

// NewNeeds counts from resume, the offset after the last record counted in stored rows (0
// when none).
func NewNeeds(cfg Config, resume int64) *Needs {
	cfg.Defaults()
	return &Needs{cfg: cfg, resume: resume, block: -1, counts: map[NeedKey]uint64{}, dirty: map[NeedKey]bool{}}
}

// Add counts e's needs, read at offset (markers too pass through here: they start blocks).
func (n *Needs) Add(e *wire.CleanEvent, offset int64) {
	if offset < n.resume {
		return
	}
	if n.block < 0 {
		n.block = offset
	}
	n.next = offset + 1
	if e == nil || e.Protection == 0 {
		return
	}
	day := n.cfg.Windows(e.PointID, e.OccurredAt)[1].Start
	for _, need := range schemas.AllNeeds() {
		if !e.Protection.Has(need) {
			continue
		}
		k := NeedKey{Day: day, PointID: e.PointID, PointCountry: e.PointCountry, Type: e.Type, Minor: e.Minor, Need: need, Block: n.block}
		n.counts[k] += uint64(e.Count)
		n.dirty[k] = true
	}
}

// Flush emits the keys changed since the last flush with their block's running counts, then
// ends the block once it spans NeedBlockOffsets (its rows are final: the next records start
// another).
func (n *Needs) Flush(emit func(NeedRow)) {
	for k := range n.dirty {
		emit(NeedRow{NeedKey: k, Persons: n.counts[k], Version: n.next})
	}
	clear(n.dirty)
	if n.block >= 0 && n.next-n.block >= NeedBlockOffsets {
		clear(n.counts)
		n.block = -1
	}
}
