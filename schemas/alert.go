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
}

// AlertSchemaName is the value of AlertChange.Schema.
const AlertSchemaName = "vigia.alert.v1"
