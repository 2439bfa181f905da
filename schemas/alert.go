package schemas

import (
	_ "embed"
	"time"
)

// AlertV1Schema is the JSON Schema (draft 2020-12) of a record of <prefix>.alerts.
//
//go:embed alert.v1.schema.json
var AlertV1Schema []byte

// AlertChange is one lifecycle change of a surge alert as published on <prefix>.alerts (JSON,
// key = alert_id, so one alert's changes stay in order) and sent to ministries. Every change
// of one alert has the same AlertID and a Version one higher than the last; the latest version
// is the alert's state. It names places and counts, never a person.
type AlertChange struct {
	Schema      string    `json:"schema"`   // "vigia.alert.v1"
	AlertID     string    `json:"alert_id"` // stable for the life of the surge
	Version     int       `json:"version"`  // 1 when opened
	State       string    `json:"state"`    // opened, updated, resolved
	Severity    string    `json:"severity"` // the highest reached: watch, warning, alert
	Method      string    `json:"method"`   // the detector that judged the series
	Series      string    `json:"series"`   // the series' stable name
	Level       string    `json:"level"`    // point or country
	PointID     string    `json:"point_id,omitempty"`
	PointName   string    `json:"point_name,omitempty"`
	Country     string    `json:"country"`
	Role        string    `json:"role"` // origin, transit, destination
	Type        string    `json:"type"` // crossing, detention, return
	Population  string    `json:"population"`
	Nationality string    `json:"nationality,omitempty"`
	Resolution  string    `json:"resolution"` // hour or day
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	OpenedAt    time.Time `json:"opened_at"`
	ChangedAt   time.Time `json:"changed_at"`
	Observed    float64   `json:"observed"`
	Expected    float64   `json:"expected"`
	Upper       float64   `json:"upper"`
	Factor      float64   `json:"factor"`
	Peak        float64   `json:"peak"`
	Dashboard   string    `json:"dashboard_url,omitempty"`
	// DetectedLate marks a change decided on revised data: late records reached a period the
	// detector had already judged (a retrospective alert: its period_start is in the past).
	DetectedLate bool `json:"detected_late"`
	// Reason of a resolution: "quiet" (periods without any level) or "revised" (revised data
	// no longer show the surge). Empty unless State is resolved.
	Reason string `json:"reason,omitempty"`
	// Kind is "" for a surge of a count series and "corridor" for a new corridor: a
	// nationality that was rare at a point and rises above a share of its flow.
	Kind string `json:"kind,omitempty"`
	// IncidentID groups the alerts of one surge: a country's points, the country and its
	// nationalities, of one type and role, opened while another of them was open.
	IncidentID string `json:"incident_id,omitempty"`
}

// AlertSchemaName is the value of AlertChange.Schema.
const AlertSchemaName = "vigia.alert.v1"

// IncidentV1Schema is the JSON Schema of an incident record of <prefix>.alerts.
//
//go:embed incident.v1.schema.json
var IncidentV1Schema []byte

// IncidentChange is what one judgment changed in an incident: the alerts of one surge at a
// country's points, the country and its nationalities, of one type and role (a new corridor
// joins the incident of its country too). It is published on <prefix>.alerts beside the
// alert changes (key = incident_id) and is what ministries are sent: one message per
// incident and judgment, with the breakdown, instead of one per series.
type IncidentChange struct {
	Schema     string `json:"schema"`      // "vigia.incident.v1"
	IncidentID string `json:"incident_id"` // stable for the life of the incident
	// Change is the same for every delivery of one change (its alerts' ids and versions).
	Change     string    `json:"change"`
	State      string    `json:"state"`    // opened, updated, resolved
	Severity   string    `json:"severity"` // the highest of its alerts
	Country    string    `json:"country"`
	Role       string    `json:"role"`
	Type       string    `json:"type"`
	Resolution string    `json:"resolution"`
	OpenedAt   time.Time `json:"opened_at"`  // the period that opened its first alert
	ChangedAt  time.Time `json:"changed_at"` // wall clock of the judgment
	// Changes are the alert changes of this judgment; Open the latest state of its other
	// alerts still open.
	Changes []AlertChange `json:"changes"`
	Open    []AlertChange `json:"open,omitempty"`
	// DetectedLate is true when every change was decided on revised data.
	DetectedLate bool `json:"detected_late"`
}

// IncidentSchemaName is the value of IncidentChange.Schema.
const IncidentSchemaName = "vigia.incident.v1"
