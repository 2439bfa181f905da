package notifier

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/schemas"
)

// Incident is the part of a message that makes it an incident's: one message per incident
// and judgment, with the breakdown by series, instead of one per alert (a surge at a point
// shows in the point's series, its country's and those of the nationalities moving).
type Incident struct {
	ID       string    `json:"incident_id"`
	Change   string    `json:"change"`
	State    string    `json:"state"`    // opened, updated, resolved
	Severity string    `json:"severity"` // the highest of its alerts
	OpenedAt time.Time `json:"opened_at"`
	// Changes are the alert changes of this judgment and Open the incident's other open
	// alerts, every figure protected as the published alerts are.
	Changes []Message `json:"changes"`
	Open    []Message `json:"open,omitempty"`
}

// IncidentMessage is the message of an incident change: its lead (the change of the highest
// severity, which routes match on, its figures at the top level) and the breakdown, every
// count protected by r.
func IncidentMessage(ic schemas.IncidentChange, r disclosure.Rule) Message {
	lead := ic.Changes[0]
	for _, c := range ic.Changes[1:] {
		if severityRank[c.Severity] > severityRank[lead.Severity] {
			lead = c
		}
	}
	lead.DetectedLate = ic.DetectedLate
	m := Message{AlertChange: lead}.Protected(r)
	inc := &Incident{ID: ic.IncidentID, Change: ic.Change, State: ic.State, Severity: ic.Severity, OpenedAt: ic.OpenedAt}
	for _, c := range ic.Changes {
		inc.Changes = append(inc.Changes, Message{AlertChange: c}.Protected(r))
	}
	for _, c := range ic.Open {
		inc.Open = append(inc.Open, Message{AlertChange: c}.Protected(r))
	}
	m.Incident = inc
	return m
}

// Live is m without the changes decided on revised data, for a route that asked not to hear
// retrospective alerts; ok is false when nothing is left to send.
func (m Message) Live() (Message, bool) {
	if m.Incident == nil {
		return m, !m.DetectedLate
	}
	inc := *m.Incident
	inc.Changes = nil
	for _, c := range m.Incident.Changes {
		if !c.DetectedLate {
			inc.Changes = append(inc.Changes, c)
		}
	}
	if len(inc.Changes) == 0 {
		return m, false
	}
	if len(inc.Changes) < len(m.Incident.Changes) {
		inc.Change += "-live" // another message than the whole change's, for a receiver's idempotency
	}
	m.Incident, m.DetectedLate = &inc, false
	return m, true
}

// incidentText writes the texts of an incident message.
func (m Message) incidentText() Message {
	inc := m.Incident
	var es, en strings.Builder
	fmt.Fprintf(&es, "Incidente de flujo migratorio %s, nivel %s: %s en %s, %s, desde %s. ", incidentES[inc.State], sevES[inc.Severity],
		typesES[m.Type], m.Country, rolesES[m.Role], inc.OpenedAt.UTC().Format(time.DateOnly))
	fmt.Fprintf(&en, "Migration flow incident %s, level %s: %s in %s, %s, since %s. ", statesEN[inc.State], inc.Severity,
		typesEN[m.Type], m.Country, m.Role, inc.OpenedAt.UTC().Format(time.DateOnly))
	fmt.Fprintf(&es, "Cambios (%d):", len(inc.Changes))
	fmt.Fprintf(&en, "Changes (%d):", len(inc.Changes))
	for _, c := range inc.Changes {
		es.WriteString("\n- " + c.lineES())
		en.WriteString("\n- " + c.lineEN())
	}
	if len(inc.Open) > 0 {
		fmt.Fprintf(&es, "\nSiguen abiertas (%d):", len(inc.Open))
		fmt.Fprintf(&en, "\nStill open (%d):", len(inc.Open))
		for _, c := range inc.Open {
			es.WriteString("\n- " + c.lineES())
			en.WriteString("\n- " + c.lineEN())
		}
	}
	if m.DetectedLate {
		es.WriteString("\nDecidido con datos revisados: llegaron registros tardíos de periodos ya evaluados.")
		en.WriteString("\nDecided on revised data: late records reached periods already judged.")
	}
	if m.Dashboard != "" {
		fmt.Fprintf(&es, "\nTablero: %s", m.Dashboard)
		fmt.Fprintf(&en, "\nDashboard: %s", m.Dashboard)
	}
	m.TextES, m.TextEN = es.String(), en.String()
	return m
}

var incidentES = map[string]string{"opened": "ABIERTO", "updated": "ACTUALIZADO", "resolved": "RESUELTO"}

// lineES and lineEN are one alert of an incident's breakdown.
func (m Message) lineES() string {
	who := "personas" + popES[m.Population]
	if m.Nationality != "" {
		who += " de nacionalidad " + m.Nationality
	}
	if m.Kind == kindCorridor {
		who = "nuevo corredor: " + who
	}
	return fmt.Sprintf("%s, %s: %s (%s), observado %s frente a %.0f antes del aumento (x%.1f), pico %s; periodo %s",
		m.where(), who, statesES[m.State], sevES[m.Severity], m.observedText(), m.Expected, m.Factor, m.peakText(), m.PeriodStart.UTC().Format(time.DateOnly))
}

func (m Message) lineEN() string {
	who := "persons" + popEN[m.Population]
	if m.Nationality != "" {
		who += " of " + m.Nationality + " nationals"
	}
	if m.Kind == kindCorridor {
		who = "new corridor: " + who
	}
	return fmt.Sprintf("%s, %s: %s (%s), observed %s against %.0f before the surge (x%.1f), peak %s; period %s",
		m.where(), who, statesEN[m.State], m.Severity, m.observedText(), m.Expected, m.Factor, m.peakText(), m.PeriodStart.UTC().Format(time.DateOnly))
}

// kindCorridor is the Kind of a new-corridor alert (surge.KindCorridor).
const kindCorridor = "corridor"

func (m Message) where() string {
	if m.PointName != "" {
		return m.PointName
	}
	if m.PointID != "" {
		return m.PointID
	}
	return m.Country
}

func (m Message) observedText() string {
	if m.ObservedText != "" {
		return m.ObservedText
	}
	return fmt.Sprintf("%.0f", m.Observed)
}

func (m Message) peakText() string {
	if m.PeakText != "" {
		return m.PeakText
	}
	return fmt.Sprintf("%.0f", m.Peak)
}
