package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/schemas"
)

// LoadPoints writes the points registry into <db>.points unless the same content is already
// there; loaded says whether it wrote. ReplacingMergeTree on id makes a reload overwrite.
func LoadPoints(ctx context.Context, conn driver.Conn, db string, ps *schemas.Points) (loaded bool, err error) {
	sum := ps.Checksum()
	var have string
	err = conn.QueryRow(ctx, "SELECT argMax(checksum, loaded_at) FROM "+db+".reference_data WHERE name = 'points'").Scan(&have)
	if err != nil {
		return false, fmt.Errorf("cannot read loaded points version: %w", err)
	}
	if have == sum {
		return false, nil
	}
	now := time.Now().UTC()
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".points (id, name, country, kind, latitude, longitude, timezone, source, loaded_at)")
	if err != nil {
		return false, fmt.Errorf("cannot load points: %w", err)
	}
	for _, p := range ps.All() {
		if err := batch.Append(p.ID, p.Name, p.Country, p.Kind, p.Latitude, p.Longitude, p.TimeZone, p.Source, now); err != nil {
			return false, fmt.Errorf("cannot load point %s: %w", p.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return false, fmt.Errorf("cannot load points: %w", err)
	}
	ref, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".reference_data (name, checksum, rows, loaded_at)")
	if err != nil {
		return false, fmt.Errorf("cannot record points version: %w", err)
	}
	if err := ref.Append("points", sum, uint32(ps.Len()), now); err != nil {
		return false, fmt.Errorf("cannot record points version: %w", err)
	}
	if err := ref.Send(); err != nil {
		return false, fmt.Errorf("cannot record points version: %w", err)
	}
	return true, nil
}
