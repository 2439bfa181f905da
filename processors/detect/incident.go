package detect

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"time"

	"github.com/vigia-observatory/vigia/lib/surge"
	"github.com/vigia-observatory/vigia/schemas"
)

// incidents groups the alerts of one surge into incidents. A surge at a point shows in the
// point's series, its country's, and the series of the nationalities and populations moving
// (with a new corridor, maybe): a ministry wants one story with the breakdown, not one
// message per series. An alert joins the open incident of its group (resolution, country,
// type and role) when it opens, or opens one; the incident resolves with its last alert.
// Assignment depends only on the order of the changes, so judging the same periods again
// (a retry, a restart) gives every alert the same incident.
type incidents struct {
	open map[string]*incident // by group
}

type incident struct {
	id       string
	opened   time.Time
	severity string
	members  map[string]schemas.AlertChange // open alerts by id, their latest change
}

func incidentGroup(res, country, typ, role string) string {
	return res + "|" + country + "|" + typ + "|" + role
}

// restoreIncidents rebuilds the open incidents from the open alerts in storage; an alert
// stored before incidents existed starts one of its own group.
func restoreIncidents(open []surge.Alert, toChange func(*surge.Alert) schemas.AlertChange) *incidents {
	in := &incidents{open: map[string]*incident{}}
	slices.SortFunc(open, func(a, b surge.Alert) int { return cmp.Or(a.OpenedAt.Compare(b.OpenedAt), cmp.Compare(a.ID, b.ID)) })
	for i := range open {
		c := toChange(&open[i])
		g := incidentGroup(c.Resolution, c.Country, c.Type, c.Role)
		inc := in.open[g]
		if inc == nil {
			id := c.IncidentID
			if id == "" {
				id = incidentID(g, c.OpenedAt)
			}
			inc = &incident{id: id, opened: c.OpenedAt, members: map[string]schemas.AlertChange{}}
			in.open[g] = inc
		}
		c.IncidentID = inc.id
		inc.members[c.AlertID] = c
		inc.severity = maxSeverity(inc.severity, c.Severity)
	}
	return in
}

func incidentID(group string, opened time.Time) string {
	sum := sha256.Sum256([]byte("incident|" + group + "|" + opened.UTC().Format(time.RFC3339)))
	return hex.EncodeToString(sum[:8])
}

// assign gives each change its incident (in place, in order) and returns what the changes
// did to each incident, in the order incidents were first touched.
func (in *incidents) assign(changes []schemas.AlertChange, now time.Time) []schemas.IncidentChange {
	type touched struct {
		inc     *incident
		opened  bool
		changes []schemas.AlertChange
	}
	var order []*touched
	byID := map[string]*touched{}
	for i := range changes {
		c := &changes[i]
		g := incidentGroup(c.Resolution, c.Country, c.Type, c.Role)
		inc, opened := in.find(g, c)
		c.IncidentID = inc.id
		if c.State == string(surge.Resolved) {
			delete(inc.members, c.AlertID)
		} else {
			inc.members[c.AlertID] = *c
		}
		inc.severity = maxSeverity(inc.severity, c.Severity)
		t := byID[inc.id]
		if t == nil {
			t = &touched{inc: inc}
			byID[inc.id] = t
			order = append(order, t)
		}
		t.opened = t.opened || opened
		t.changes = append(t.changes, *c)
		if len(inc.members) == 0 && in.open[g] == inc {
			delete(in.open, g)
		}
	}
	out := make([]schemas.IncidentChange, 0, len(order))
	for _, t := range order {
		first := t.changes[0]
		ic := schemas.IncidentChange{Schema: schemas.IncidentSchemaName, IncidentID: t.inc.id, State: string(surge.Updated),
			Severity: t.inc.severity, Country: first.Country, Role: first.Role, Type: first.Type, Resolution: first.Resolution,
			OpenedAt: t.inc.opened.UTC(), ChangedAt: now.UTC().Truncate(time.Second), Changes: t.changes, DetectedLate: true}
		switch {
		case t.opened:
			ic.State = string(surge.Opened)
		case len(t.inc.members) == 0:
			ic.State = string(surge.Resolved)
		}
		h := sha256.New()
		h.Write([]byte(ic.IncidentID))
		changed := map[string]bool{}
		for _, c := range t.changes {
			h.Write([]byte("|" + c.AlertID + "-v" + strconv.Itoa(c.Version)))
			changed[c.AlertID] = true
			ic.DetectedLate = ic.DetectedLate && c.DetectedLate
		}
		ic.Change = hex.EncodeToString(h.Sum(nil)[:8])
		for id, c := range t.inc.members {
			if !changed[id] {
				ic.Open = append(ic.Open, c)
			}
		}
		slices.SortFunc(ic.Open, func(a, b schemas.AlertChange) int { return cmp.Compare(a.Series, b.Series) })
		out = append(out, ic)
	}
	return out
}

// find is the incident of change c of group g, and whether c opens it: the open incident
// the alert is in; else the incident stored with the alert (revised data changed an alert of
// an incident already over, which opens again when the alert does and its group has none
// open); else the group's open incident, or a new one.
func (in *incidents) find(g string, c *schemas.AlertChange) (*incident, bool) {
	inc := in.open[g]
	if inc != nil {
		if _, ok := inc.members[c.AlertID]; ok {
			return inc, false
		}
	}
	if c.IncidentID != "" && (inc == nil || inc.id != c.IncidentID) {
		past := &incident{id: c.IncidentID, opened: c.OpenedAt, members: map[string]schemas.AlertChange{}}
		if inc == nil && c.State != string(surge.Resolved) {
			in.open[g] = past
		}
		return past, false
	}
	if inc == nil {
		inc = &incident{id: incidentID(g, c.OpenedAt), opened: c.OpenedAt, members: map[string]schemas.AlertChange{}}
		in.open[g] = inc
		return inc, true
	}
	return inc, false
}

var severityRank = map[string]int{"watch": 1, "warning": 2, "alert": 3}

func maxSeverity(a, b string) string {
	if severityRank[b] > severityRank[a] {
		return b
	}
	return a
}
