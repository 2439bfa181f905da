package simulate

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/schemas"
)

// The stream is what the issue asks of it: valid records except the malformed ones sent on
// purpose, repeats, minors, unaccompanied minors and families, synthetic identities, a
// rhythm, and a surge where the scenario says.
func TestStream(t *testing.T) {
	t.Parallel()
	points, _ := schemas.RegionPoints()
	chk := schemas.Checker{Validator: &schemas.Validator{Points: points}}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	g, err := New(Config{Scenario: "darien", SurgeFrom: start.Add(12 * time.Hour), Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var bad, repeats, minors, unacc, families, named, darienBefore, darienAfter, before, after int
	for i := range 20000 {
		at := start.Add(time.Duration(i) * 4 * time.Second) // about 22 hours
		r := g.Next(at)
		var ev schemas.Event
		var errs schemas.Errors
		chk.Check(r.Value, r.Agency, &ev, &errs)
		if r.Malformed != (len(errs) > 0) {
			t.Fatalf("malformed %v but errors %v: %s", r.Malformed, errs, r.Value)
		}
		switch {
		case r.Malformed:
			bad++
			continue
		case r.Repeat:
			repeats++
			continue
		}
		var m struct {
			Point  string         `json:"point_id"`
			Person map[string]any `json:"person"`
		}
		_ = json.Unmarshal(r.Value, &m)
		born, err := time.Parse(time.DateOnly, ev.Person.BirthDate)
		if ev.Person.Age >= 0 && ev.Person.Age < 18 || err == nil && born.After(at.AddDate(-18, 0, 0)) {
			minors++
		}
		if m.Person["unaccompanied"] == true {
			unacc++
		}
		if m.Person["family_group_id"] != nil {
			families++
		}
		if m.Person["given_names"] != nil {
			named++
		}
		if at.Before(g.cfg.SurgeFrom) {
			before++
			if m.Point == "pan-lajas-blancas" {
				darienBefore++
			}
		} else {
			after++
			if m.Point == "pan-lajas-blancas" {
				darienAfter++
			}
		}
	}
	share := func(n int) float64 { return float64(n) / 20000 }
	for _, c := range []struct {
		name   string
		got    float64
		lo, hi float64
	}{{"malformed", share(bad), 0.003, 0.008}, {"repeats", share(repeats), 0.012, 0.03}, {"minors", share(minors), 0.12, 0.26},
		{"unaccompanied", share(unacc), 0.005, 0.05}, {"in families", share(families), 0.2, 0.6}, {"with names", share(named), 0.5, 0.85}} {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.3f of the stream, want %.3f..%.3f", c.name, c.got, c.lo, c.hi)
		}
	}
	if b, a := float64(darienBefore)/float64(before), float64(darienAfter)/float64(after); a < 2*b {
		t.Errorf("the Darién's share went from %.2f to %.2f: no surge", b, a)
	}
	g2, _ := New(Config{Scenario: "darien", SurgeFrom: start.Add(12 * time.Hour), Seed: 3})
	g3, _ := New(Config{Scenario: "darien", SurgeFrom: start.Add(12 * time.Hour), Seed: 3})
	if string(g2.Next(start).Value) != string(g3.Next(start).Value) {
		t.Error("the same seed gave two streams")
	}
	if _, err := New(Config{Scenario: "volcano"}); err == nil {
		t.Error("unknown scenario accepted")
	}
	if Rhythm(start.Add(3*time.Hour)) >= Rhythm(start.Add(12*time.Hour)) || Rhythm(time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)) >= Rhythm(start.Add(12*time.Hour)) {
		t.Error("no daily or weekly rhythm")
	}
}
