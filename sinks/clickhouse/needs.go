package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/lib/windowing"
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

// NeedsResume is the offset after the last record of partition part that stored protection
// counts hold (0 when none): where a new owner of the partition resumes counting.
func NeedsResume(ctx context.Context, conn driver.Conn, db string, part int) (int64, error) {
	var v uint64
	if err := conn.QueryRow(ctx, "SELECT max(version) FROM "+db+".protection_counts WHERE part = ?", uint16(part)).Scan(&v); err != nil {
		return 0, fmt.Errorf("cannot read where partition %d's protection counts resume: %w", part, err)
	}
	return int64(v), nil
}
