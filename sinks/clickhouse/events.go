package clickhouse

import (
	"time"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EventsTable writes clean events to <db>.events. The row's version is its ingest time, so a
// replay of the same event replaces rather than adds (read with FINAL).
type EventsTable struct{}

func (EventsTable) Name() string { return "events" }

func (EventsTable) Columns() []string {
	return []string{"agency", "event_id", "schema_version", "type", "occurred_at", "point_id", "point_country",
		"role", "direction", "count", "nationality", "sex", "age_band", "minor", "unaccompanied", "category",
		"destination_country", "returning_country", "mode", "person_pseudonym", "family_pseudonym", "key_id",
		"ingested_at", "version", "origin_subdivision", "reception_point_id", "assistance_country", "case_type",
		"case_status", "service", "outcome"}
}

func (EventsTable) AppendColumns(b driver.Batch, rows []wire.CleanEvent) error {
	n := len(rows)
	agency, id, point, pc, nat, band := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	dest, ret, person, family, key := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ver, typ, role, dir, sex, cat, mode := make([]uint8, n), make([]int8, n), make([]int8, n), make([]int8, n), make([]int8, n), make([]int8, n), make([]int8, n)
	occ, ing := make([]time.Time, n), make([]time.Time, n)
	count := make([]uint32, n)
	minor, unacc := make([]uint8, n), make([]uint8, n)
	version := make([]uint64, n)
	sub, recv, asst := make([]string, n), make([]string, n), make([]string, n)
	ct, cs, svc, out := make([]int8, n), make([]int8, n), make([]int8, n), make([]int8, n)
	for i := range rows {
		e := &rows[i]
		agency[i], id[i], point[i], pc[i], nat[i], band[i] = e.Agency, e.EventID, e.PointID, e.PointCountry, e.Nationality, e.AgeBand.String()
		dest[i], ret[i], person[i], family[i], key[i] = e.DestinationCountry, e.ReturningCountry, e.PersonPseudonym, e.FamilyPseudonym, e.KeyID
		ver[i], typ[i], role[i], dir[i], sex[i], cat[i], mode[i] = e.SchemaVersion, int8(e.Type), int8(e.Role), int8(e.Direction), int8(e.Sex), int8(e.Category), int8(e.Mode)
		occ[i], ing[i] = time.Unix(e.OccurredAt, 0).UTC(), time.Unix(e.IngestedAt, 0).UTC()
		count[i], minor[i], unacc[i], version[i] = e.Count, b2u(e.Minor), b2u(e.Unaccompanied), uint64(e.IngestedAt)
		// Protection needs are never written to a row: the window stage counts them.
		sub[i], recv[i], asst[i] = e.OriginSubdivision, e.ReceptionPointID, e.AssistanceCountry
		ct[i], cs[i], svc[i], out[i] = int8(e.CaseType), int8(e.CaseStatus), int8(e.Service), int8(e.Outcome)
	}
	for i, col := range []any{agency, id, ver, typ, occ, point, pc, role, dir, count, nat, sex, band, minor, unacc, cat,
		dest, ret, mode, person, family, key, ing, version, sub, recv, asst, ct, cs, svc, out} {
		if err := b.Column(i).Append(col); err != nil {
			return err
		}
	}
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
