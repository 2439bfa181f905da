package detect

import (
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

func alertChange(id string, version int, state, point, nat string, day int) schemas.AlertChange {
	at := day0.AddDate(0, 0, day).UTC()
	return schemas.AlertChange{Schema: schemas.AlertSchemaName, AlertID: id, Version: version, State: state, Severity: "warning",
		PointID: point, Country: "PAN", Type: "crossing", Role: "transit", Population: "all", Nationality: nat, Resolution: "day",
		PeriodStart: at, OpenedAt: day0.AddDate(0, 0, day-version+1).UTC()}
}

// The alerts of one surge at a point, its country and a nationality are one incident: one
// incident change per judgment, with the breakdown; it resolves with its last alert; a surge
// after it is a new incident; a restart restores it with the same id; another country or
// type is another incident.
func TestIncidents(t *testing.T) {
	t.Parallel()
	in := restoreIncidents(nil, nil)
	now := time.Now()
	day1 := []schemas.AlertChange{alertChange("p1", 1, "opened", "pan-lajas-blancas", "", 10), alertChange("c1", 1, "opened", "", "", 10),
		alertChange("x1", 1, "opened", "cri-paso-canoas", "", 10)}
	day1[2].Country = "CRI"
	ics := in.assign(day1, now)
	if len(ics) != 2 || ics[0].State != "opened" || len(ics[0].Changes) != 2 || ics[1].Country != "CRI" || ics[1].State != "opened" {
		t.Fatalf("day 1: %+v", ics)
	}
	pan := ics[0].IncidentID
	if day1[0].IncidentID != pan || day1[1].IncidentID != pan || day1[2].IncidentID == pan {
		t.Fatalf("incident ids not set on the alert changes: %+v", day1)
	}
	day2 := []schemas.AlertChange{alertChange("n1", 1, "opened", "", "VEN", 11)}
	ics = in.assign(day2, now)
	if len(ics) != 1 || ics[0].IncidentID != pan || ics[0].State != "updated" || len(ics[0].Open) != 2 {
		t.Fatalf("a nationality joining: %+v", ics)
	}
	// A restart: the open alerts, as storage holds them, rebuild the same incident.
	restored := restoreIncidents([]surge.Alert{
		{ID: "p1", Version: 1, State: surge.Opened, OpenedAt: day0.AddDate(0, 0, 10).UTC(), Incident: pan,
			Series: surge.SeriesKey{Resolution: surge.Daily, PointID: "pan-lajas-blancas", Country: "PAN", Type: "crossing", Role: "transit", Population: "all"}},
		{ID: "c1", Version: 1, State: surge.Opened, OpenedAt: day0.AddDate(0, 0, 10).UTC(), Incident: pan,
			Series: surge.SeriesKey{Resolution: surge.Daily, Country: "PAN", Type: "crossing", Role: "transit", Population: "all"}},
		{ID: "n1", Version: 1, State: surge.Opened, OpenedAt: day0.AddDate(0, 0, 11).UTC(), Incident: pan,
			Series: surge.SeriesKey{Resolution: surge.Daily, Country: "PAN", Type: "crossing", Role: "transit", Population: "all", Nationality: "VEN"}},
	}, func(a *surge.Alert) schemas.AlertChange {
		return schemas.AlertChange{AlertID: a.ID, Version: a.Version, State: string(a.State), Country: a.Series.Country, Type: a.Series.Type,
			Role: a.Series.Role, Resolution: string(a.Series.Resolution), OpenedAt: a.OpenedAt, IncidentID: a.Incident}
	})
	for _, set := range []*incidents{in, restored} {
		end := []schemas.AlertChange{alertChange("p1", 2, "resolved", "pan-lajas-blancas", "", 20), alertChange("c1", 2, "resolved", "", "", 20)}
		ics = set.assign(end, now)
		if len(ics) != 1 || ics[0].IncidentID != pan || ics[0].State != "updated" || len(ics[0].Open) != 1 {
			t.Fatalf("two of three resolved: %+v", ics)
		}
		ics = set.assign([]schemas.AlertChange{alertChange("n1", 2, "resolved", "", "VEN", 21)}, now)
		if len(ics) != 1 || ics[0].IncidentID != pan || ics[0].State != "resolved" {
			t.Fatalf("the last resolved: %+v", ics)
		}
		ics = set.assign([]schemas.AlertChange{alertChange("p2", 1, "opened", "pan-lajas-blancas", "", 40)}, now)
		if len(ics) != 1 || ics[0].IncidentID == pan || ics[0].State != "opened" {
			t.Fatalf("a later surge: %+v", ics)
		}
	}
	// The same judgment again (a retry) gives the same ids and change keys.
	a, b := restoreIncidents(nil, nil), restoreIncidents(nil, nil)
	x, y := []schemas.AlertChange{alertChange("p1", 1, "opened", "pan-lajas-blancas", "", 10)}, []schemas.AlertChange{alertChange("p1", 1, "opened", "pan-lajas-blancas", "", 10)}
	if ia, ib := a.assign(x, now), b.assign(y, now.Add(time.Hour)); ia[0].IncidentID != ib[0].IncidentID || ia[0].Change != ib[0].Change {
		t.Errorf("a retry: %+v vs %+v", ia[0], ib[0])
	}
}
