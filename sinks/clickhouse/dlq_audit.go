package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/vigia-observatory/vigia/internal/dlq"
)

const dlqAuditColumns = "at, audit_id, action, os_user, host, kafka_principal, kafka_writer, reason, key_scope, agencies, selection, records, count, refused"

// InsertDLQAudit writes one audit record to <db>.dlq_audit (migration 010) and returns once
// the server has acknowledged it: the DLQ commands decrypt nothing before that. The table is
// append-only; nothing in Vigía updates or deletes its rows.
func InsertDLQAudit(ctx context.Context, conn driver.Conn, db string, a dlq.Audit) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".dlq_audit ("+dlqAuditColumns+")")
	if err != nil {
		return fmt.Errorf("%w to %s.dlq_audit: %w", dlq.ErrAudit, db, err)
	}
	agencies, records := a.Agencies, a.Records
	if agencies == nil {
		agencies = []string{}
	}
	if records == nil {
		records = []string{}
	}
	if err := b.Append(a.At.UTC(), a.ID, a.Action, a.OSUser, a.Host, a.KafkaPrincipal, a.KafkaWriter, a.Reason, a.KeyScope,
		agencies, a.Selection, records, uint32(len(records)), a.Refused); err != nil {
		_ = b.Abort()
		return fmt.Errorf("%w to %s.dlq_audit: %w", dlq.ErrAudit, db, err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("%w to %s.dlq_audit: %w", dlq.ErrAudit, db, err)
	}
	return nil
}

// DLQAudits reads the audit trail from since on, oldest first.
func DLQAudits(ctx context.Context, conn driver.Conn, db string, since time.Time) ([]dlq.Audit, error) {
	rows, err := conn.Query(ctx, "SELECT at, audit_id, toString(action), os_user, host, kafka_principal, kafka_writer, reason, toString(key_scope), agencies, selection, records, refused FROM "+
		db+".dlq_audit WHERE at >= ? ORDER BY at, audit_id", since.UTC())
	if err != nil {
		return nil, fmt.Errorf("cannot read %s.dlq_audit: %w", db, err)
	}
	defer rows.Close()
	var out []dlq.Audit
	for rows.Next() {
		var a dlq.Audit
		if err := rows.Scan(&a.At, &a.ID, &a.Action, &a.OSUser, &a.Host, &a.KafkaPrincipal, &a.KafkaWriter, &a.Reason, &a.KeyScope,
			&a.Agencies, &a.Selection, &a.Records, &a.Refused); err != nil {
			return nil, fmt.Errorf("cannot read %s.dlq_audit: %w", db, err)
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}
