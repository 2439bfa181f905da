// Package notify tells ministries about surges: one message per incident change (the alerts
// of one surge at a country's points, the country and its nationalities, with the
// breakdown), in Spanish and English, through webhooks (signed) and e-mail, routed by
// country, role, type and severity, each route on its own so a dead one does not hold up the
// others. An alert change without an incident (written before incidents existed) is a
// message of its own.
package notifier

import (
	"fmt"
	"math"
	"strings"

	"github.com/vigia-observatory/vigia/lib/disclosure"
	"github.com/vigia-observatory/vigia/schemas"
)

// Message is what a ministry receives for one lifecycle change of one alert: the change as
// published on vigia.alerts (schemas.AlertChange, its fields at the top level of the JSON)
// and its text in Spanish and English.
type Message struct {
	schemas.AlertChange
	// ObservedText and PeakText are the counts as the texts show them: "<k" when fewer than
	// k (5; 10 for children's series), else the protected count (Protected).
	ObservedText string `json:"observed_text,omitempty"`
	PeakText     string `json:"peak_text,omitempty"`
	// K is the threshold and rounding base applied to the counts.
	K      int    `json:"k,omitempty"`
	TextES string `json:"text_es"`
	TextEN string `json:"text_en"`
	// Incident, when set, makes this an incident's message (IncidentMessage): the top-level
	// alert fields are its lead change, Incident the breakdown.
	Incident *Incident `json:"incident,omitempty"`
}

// Protected returns the message with every figure as it may be shown outside the pipeline
// (lib/disclosure): observed and peak protected with the same cells as the published alerts
// (so a ministry's message and the dashboard agree), the factor recomputed from them, and
// the model's expected count and threshold in whole persons.
func (m Message) Protected(r disclosure.Rule) Message {
	o := r.Series(disclosure.SeriesCell(m.Series, m.PeriodStart), m.Observed, m.Population)
	p := r.Series(disclosure.PeakCell(m.Series, m.AlertID), m.Peak, m.Population)
	m.Observed, m.Peak = float64(o.Value), float64(p.Value)
	m.ObservedText, m.PeakText, m.K = o.Text(), p.Text(), int(o.K)
	m.Expected, m.Upper, m.Factor = math.Round(m.Expected), math.Round(m.Upper), 0
	if m.Expected > 0 {
		m.Factor = math.Round(10*m.Observed/m.Expected) / 10
	}
	return m
}

// IdempotencyKey is the same for every delivery of one change, so a receiver that sees it
// twice (a retry after a lost answer) acts once.
func (m Message) IdempotencyKey() string {
	if m.Incident != nil {
		return "incident-" + m.Incident.ID + "-" + m.Incident.Change
	}
	return fmt.Sprintf("%s-v%d", m.AlertID, m.Version)
}

var (
	statesES = map[string]string{"opened": "ABIERTA", "updated": "ACTUALIZADA", "resolved": "RESUELTA"}
	statesEN = map[string]string{"opened": "OPENED", "updated": "UPDATED", "resolved": "RESOLVED"}
	sevES    = map[string]string{"watch": "vigilancia", "warning": "advertencia", "alert": "alerta"}
	rolesES  = map[string]string{"origin": "origen", "transit": "tránsito", "destination": "destino"}
	typesES  = map[string]string{"crossing": "cruces", "detention": "detenciones", "return": "retornos"}
	typesEN  = map[string]string{"crossing": "crossings", "detention": "detentions", "return": "returns"}
	popES    = map[string]string{"minors": " de menores", "unaccompanied": " de menores no acompañados"}
	popEN    = map[string]string{"minors": " of minors", "unaccompanied": " of unaccompanied minors"}
)

// WithText fills the Spanish and English texts from the message's figures.
func (m Message) WithText() Message {
	if m.Incident != nil {
		return m.incidentText()
	}
	where := m.PointName
	if where == "" {
		where = m.Country
	} else {
		where += " (" + m.Country + ")"
	}
	period := m.PeriodStart.UTC().Format("2006-01-02 15:04") + " – " + m.PeriodEnd.UTC().Format("2006-01-02 15:04") + " UTC"
	whoES, whoEN := typesES[m.Type]+popES[m.Population], typesEN[m.Type]+popEN[m.Population]
	if m.Nationality != "" {
		whoES += " de nacionalidad " + m.Nationality
		whoEN += " of " + m.Nationality + " nationals"
	}
	observed := m.observedText()
	var es, en strings.Builder
	fmt.Fprintf(&es, "Alerta de flujo migratorio %s, nivel %s: %s en %s, punto de %s. Observado %s frente a %.0f esperado (x%.1f; umbral %.0f), periodo %s.",
		statesES[m.State], sevES[m.Severity], whoES, where, rolesES[m.Role], observed, m.Expected, m.Factor, m.Upper, period)
	fmt.Fprintf(&en, "Migration flow alert %s, level %s: %s at %s, %s point. Observed %s against %.0f expected (x%.1f; threshold %.0f), period %s.",
		statesEN[m.State], m.Severity, whoEN, where, m.Role, observed, m.Expected, m.Factor, m.Upper, period)
	switch {
	case m.Reason == "revised":
		es.WriteString(" Resuelta con datos revisados: los registros tardíos ya no muestran el aumento.")
		en.WriteString(" Resolved on revised data: late records no longer show the surge.")
	case m.DetectedLate:
		es.WriteString(" Detectada con datos revisados: llegaron registros tardíos de un periodo ya evaluado.")
		en.WriteString(" Detected on revised data: late records reached a period already judged.")
	}
	if m.Dashboard != "" {
		fmt.Fprintf(&es, " Tablero: %s", m.Dashboard)
		fmt.Fprintf(&en, " Dashboard: %s", m.Dashboard)
	}
	m.TextES, m.TextEN = es.String(), en.String()
	return m
}
