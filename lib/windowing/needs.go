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
	Block        int64 // the block's first offset, a multiple of NeedBlockOffsets
}

// NeedRow is a block's count of a key over a prefix of the block: the records from the
// block's first offset up to Version (exclusive). Every row of one flush of a block has the
// same Version, and a later prefix replaces an earlier one.
type NeedRow struct {
	NeedKey
	Persons uint64
	Version int64
}

// NeedBlockOffsets is the size of a block: blocks are aligned on multiples of it, so every
// owner of a partition cuts the same blocks.
const NeedBlockOffsets = 1 << 16

// BlockOf is the block an offset belongs to.
func BlockOf(offset int64) int64 { return offset &^ (NeedBlockOffsets - 1) }

// Needs counts protection needs, which are never stored per row and so cannot be recounted
// from storage as too-late windows are: every record is counted once, whatever its lateness.
//
// Why this is exact across crashes and handovers: a block's rows are always the counts of a
// prefix of the block (every key of the block written at each flush that changed it, with the
// prefix's end as version), so whichever prefix is stored last or highest, it is a true count,
// and a later one supersedes it. A new owner that starts inside a block (its committed offset
// is past the block's first offset) cannot see the block's beginning again: it loads the
// stored prefix (Resume) and counts only records after it. Records the window stage has
// committed are inside an acknowledged flush's prefix, so the stored prefix reaches at least
// the committed offset. Not safe for concurrent use.
type Needs struct {
	cfg    Config
	start  int64 // the owner's first offset
	blocks map[int64]*needBlock
	next   int64 // offset after the last record seen
	cur    *needBlock
	curB   int64 // cur's block: most records fall in it, looked up once
}

type needBlock struct {
	counts map[NeedKey]uint64
	next   int64 // offset after the last record of the block seen: the prefix's end
	dirty  bool
	done   bool // a later block has begun: emitted once more, then forgotten
}

// NewNeeds counts from start, the first offset this owner reads. resumed is the stored prefix
// of start's block when start is inside it: each key's row of highest version (none when
// nothing of it was stored); counting resumes after the highest version.
func NewNeeds(cfg Config, start int64, resumed []NeedRow) *Needs {
	cfg.Defaults()
	n := &Needs{cfg: cfg, start: start, next: start, blocks: map[int64]*needBlock{}}
	if b := BlockOf(start); b != start {
		nb := &needBlock{counts: map[NeedKey]uint64{}, next: start}
		for _, r := range resumed {
			nb.counts[r.NeedKey] = r.Persons
			nb.next = max(nb.next, r.Version)
		}
		n.blocks[b] = nb
	}
	return n
}

// Add counts e's needs, read at offset (a marker passes with e nil: it moves the prefix).
func (n *Needs) Add(e *wire.CleanEvent, offset int64) {
	if offset < n.next { // a record seen already (a repeated delivery)
		return
	}
	n.next = offset + 1
	b := BlockOf(offset)
	nb := n.cur
	if nb == nil || b != n.curB {
		nb = n.blocks[b]
	}
	if nb == nil {
		nb = &needBlock{counts: map[NeedKey]uint64{}, next: b}
		n.blocks[b] = nb
		for ob, old := range n.blocks {
			if ob < b {
				old.done = true
			}
		}
	}
	n.cur, n.curB = nb, b
	if offset < nb.next { // inside the resumed prefix
		return
	}
	nb.next = offset + 1
	if e == nil || e.Protection == 0 {
		return
	}
	day := n.cfg.Windows(e.PointID, e.OccurredAt)[1].Start
	for _, need := range schemas.AllNeeds() {
		if !e.Protection.Has(need) {
			continue
		}
		k := NeedKey{Day: day, PointID: e.PointID, PointCountry: e.PointCountry, Type: e.Type, Minor: e.Minor, Need: need, Block: b}
		nb.counts[k] += uint64(e.Count)
		nb.dirty = true
	}
}

// Flush emits every key of each block changed since the last flush, with the block's prefix
// end as version, and forgets the blocks that have ended.
func (n *Needs) Flush(emit func(NeedRow)) {
	for b, nb := range n.blocks {
		if nb.dirty {
			for k, c := range nb.counts {
				emit(NeedRow{NeedKey: k, Persons: c, Version: nb.next})
			}
			nb.dirty = false
		}
		if nb.done {
			delete(n.blocks, b)
			if nb == n.cur {
				n.cur = nil
			}
		}
	}
}
