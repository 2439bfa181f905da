package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Expired is what the row-level tables hold from before a cutoff: the months of events
// (whole partitions) and the DLQ rows received before it.
type Expired struct {
	EventMonths []string // partitions of events, YYYYMM
	EventRows   uint64
	DLQRows     uint64
}

// RowCutoff is the first day kept when row-level tables keep months whole months before now:
// the first of the month, months back.
func RowCutoff(now time.Time, months int) time.Time {
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months, 0)
}

// ExpiredRows lists what the row-level tables of db hold from before cutoff (the first of a
// month). The published figures, windows, alerts and bands are never expired. In cluster mode
// (cluster set) the months are those of the replicated local table on the server asked, which
// holds what its shard holds.
func ExpiredRows(ctx context.Context, conn driver.Conn, db, cluster string, cutoff time.Time) (Expired, error) {
	var out Expired
	table := "events"
	if cluster != "" {
		table += LocalSuffix
	}
	rows, err := conn.Query(ctx, `SELECT partition, sum(rows) FROM system.parts
		WHERE database = ? AND table = ? AND active AND partition < ? GROUP BY partition ORDER BY partition`,
		db, table, cutoff.Format("200601"))
	if err != nil {
		return out, fmt.Errorf("cannot list the months of %s.events: %w", db, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var n uint64
		if err := rows.Scan(&p, &n); err != nil {
			return out, fmt.Errorf("cannot list the months of %s.events: %w", db, err)
		}
		out.EventMonths, out.EventRows = append(out.EventMonths, p), out.EventRows+n
	}
	if err := rows.Err(); err != nil {
		return out, err
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+db+".dlq_records WHERE received_at < ?", cutoff).Scan(&out.DLQRows); err != nil {
		return out, fmt.Errorf("cannot count the expired rows of %s.dlq_records: %w", db, err)
	}
	return out, nil
}

// DropExpired removes them: each month of events as a partition (at once, whatever its
// size), the DLQ rows by a delete mutation. It needs the DDL rights of the migration user. In
// cluster mode both act where the data lies: on the local tables, ON CLUSTER.
func DropExpired(ctx context.Context, conn driver.Conn, db, cluster string, cutoff time.Time, e Expired) error {
	for _, p := range e.EventMonths {
		if err := conn.Exec(ctx, "ALTER TABLE "+whereData(db, "events", cluster)+" DROP PARTITION "+p); err != nil {
			return fmt.Errorf("cannot drop month %s of %s.events: %w", p, db, err)
		}
	}
	if e.DLQRows > 0 {
		q := fmt.Sprintf("ALTER TABLE %s DELETE WHERE received_at < toDateTime(%d)", whereData(db, "dlq_records", cluster), cutoff.Unix())
		if err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("cannot delete the expired rows of %s.dlq_records: %w", db, err)
		}
	}
	return nil
}

// whereData names a table for a statement that acts on its stored rows: the table itself on
// one server, its replicated local tables on every shard in cluster mode.
func whereData(db, table, cluster string) string {
	if cluster == "" {
		return db + "." + table
	}
	return db + "." + table + LocalSuffix + " ON CLUSTER " + cluster
}
