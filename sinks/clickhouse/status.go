package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// AgencyStatus is how far an agency's feed has come and how late its records arrive.
type AgencyStatus struct {
	Agency  string
	Newest  time.Time // the newest event time stored
	Records uint64
	// Late counts records that arrived more than lateAfter after their event (their windows
	// were recounted from storage); LateMedian and LateMax say how late those were.
	Late                uint64
	LateMedian, LateMax time.Duration
}

// PointStatus says up to when every agency that reports at a point has sent its events.
type PointStatus struct {
	PointID  string
	Agencies []string
	// CompleteUpTo is the least of those agencies' newest event times: before it, no agency
	// that reports here is known to be behind.
	CompleteUpTo time.Time
}

// Status reads the completeness of the feeds from the events table.
func Status(ctx context.Context, conn driver.Conn, db string, lateAfter time.Duration) ([]AgencyStatus, []PointStatus, error) {
	late := int64(lateAfter / time.Second)
	rows, err := conn.Query(ctx, `SELECT agency, max(occurred_at), count(),
		countIf(toInt64(toUInt32(ingested_at)) - toInt64(toUInt32(occurred_at)) > ?),
		quantileIf(0.5)(toInt64(toUInt32(ingested_at)) - toInt64(toUInt32(occurred_at)), toInt64(toUInt32(ingested_at)) - toInt64(toUInt32(occurred_at)) > ?),
		maxIf(toInt64(toUInt32(ingested_at)) - toInt64(toUInt32(occurred_at)), toInt64(toUInt32(ingested_at)) - toInt64(toUInt32(occurred_at)) > ?)
		FROM `+db+`.events FINAL GROUP BY agency ORDER BY agency`, late, late, late)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the agencies' completeness: %w", err)
	}
	var agencies []AgencyStatus
	newest := map[string]time.Time{}
	for rows.Next() {
		var a AgencyStatus
		var median float64
		var maxLate int64
		if err := rows.Scan(&a.Agency, &a.Newest, &a.Records, &a.Late, &median, &maxLate); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("cannot read the agencies' completeness: %w", err)
		}
		if a.Late > 0 {
			a.LateMedian, a.LateMax = time.Duration(median)*time.Second, time.Duration(maxLate)*time.Second
		}
		agencies = append(agencies, a)
		newest[a.Agency] = a.Newest
	}
	rows.Close()
	rows, err = conn.Query(ctx, `SELECT point_id, groupUniqArray(agency) FROM `+db+`.events GROUP BY point_id ORDER BY point_id`)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the points' agencies: %w", err)
	}
	defer rows.Close()
	var points []PointStatus
	for rows.Next() {
		var p PointStatus
		if err := rows.Scan(&p.PointID, &p.Agencies); err != nil {
			return nil, nil, fmt.Errorf("cannot read the points' agencies: %w", err)
		}
		for i, a := range p.Agencies {
			if t := newest[a]; i == 0 || t.Before(p.CompleteUpTo) {
				p.CompleteUpTo = t
			}
		}
		points = append(points, p)
	}
	return agencies, points, rows.Err()
}
