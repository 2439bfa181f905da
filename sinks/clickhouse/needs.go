package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/lib/windowing"
	"github.com/vigia-observatory/vigia/schemas"
)

// NeedsTable writes protection-needs counts to <db>.protection_counts: running counts per
// block of a vigia.clean partition, version = the offset after the last record counted.
// Protection needs reach storage only here, as counts.
type NeedsTable struct{}

func (NeedsTable) Name() string { return "protection_counts" }

func (NeedsTable) Columns() []string {
	return []string{"day", "point_id", "point_country", "type", "minor", "need", "part", "block", "persons", "version", "computed_at"}
}

// NeedsRow is a NeedRow with the partition it was counted on.
type NeedsRow struct {
	windowing.NeedRow
	Partition int
}

func (NeedsTable) AppendColumns(b driver.Batch, rows []NeedsRow) error {
	n := len(rows)
	day, computed := make([]time.Time, n), make([]time.Time, n)
	point, pc, need := make([]string, n), make([]string, n), make([]string, n)
	typ, minor := make([]int8, n), make([]uint8, n)
	part := make([]uint16, n)
	block, persons, version := make([]uint64, n), make([]uint64, n), make([]uint64, n)
	now := time.Now().UTC()
	for i := range rows {
		r := &rows[i]
		day[i], computed[i] = time.Unix(r.Day, 0).UTC(), now
		point[i], pc[i], need[i] = r.PointID, r.PointCountry, r.Need.String()
		typ[i], minor[i], part[i] = int8(r.Type), b2u(r.Minor), uint16(r.Partition)
		block[i], persons[i], version[i] = uint64(r.Block), r.Persons, uint64(r.Version)
	}
	for i, col := range []any{day, point, pc, typ, minor, need, part, block, persons, version, computed} {
		if err := b.Column(i).Append(col); err != nil {
			return err
		}
	}
	return nil
}

// NeedsResume reads the stored prefix of a partition's block: each key's row of highest
// version (a new owner starting inside the block counts on from there).
func NeedsResume(ctx context.Context, conn driver.Conn, db string, part int, block int64) ([]windowing.NeedRow, error) {
	rows, err := conn.Query(ctx, `SELECT day, point_id, point_country, CAST(type AS Int8), minor, need, argMax(persons, version), max(version)
		FROM `+db+`.protection_counts WHERE part = ? AND block = ?
		GROUP BY day, point_id, point_country, type, minor, need`, uint16(part), uint64(block))
	if err != nil {
		return nil, fmt.Errorf("cannot read partition %d's protection counts of block %d: %w", part, block, err)
	}
	defer rows.Close()
	var out []windowing.NeedRow
	for rows.Next() {
		var r windowing.NeedRow
		var day time.Time
		var typ int8
		var minor uint8
		var need string
		var version uint64
		if err := rows.Scan(&day, &r.PointID, &r.PointCountry, &typ, &minor, &need, &r.Persons, &version); err != nil {
			return nil, fmt.Errorf("cannot read partition %d's protection counts of block %d: %w", part, block, err)
		}
		n, ok := schemas.ParseNeed(need)
		if !ok {
			return nil, fmt.Errorf("cannot read partition %d's protection counts of block %d: unknown need %q", part, block, need)
		}
		r.Day, r.Type, r.Minor, r.Need, r.Block, r.Version = day.Unix(), schemas.EventType(typ), minor == 1, n, block, int64(version)
		out = append(out, r)
	}
	return out, rows.Err()
}
