package detect

import (
	"fmt"

	"github.com/vigia-observatory/vigia/lib/surge"
)

// Class chooses the detector of the series it matches; empty fields match everything. The
// first class that matches a series wins; a series no class matches gets the default.
type Class struct {
	Name       string
	Level      string // point or country (nationality series are country level)
	Population string // all, minors, unaccompanied
	Role       string
	Type       string
	Detector   surge.Detector
}

func (c Class) matches(k surge.SeriesKey) bool {
	level := "country"
	if k.PointID != "" {
		level = "point"
	}
	eq := func(want, got string) bool { return want == "" || want == got }
	return eq(c.Level, level) && eq(c.Population, k.Population) && eq(c.Role, k.Role) && eq(c.Type, k.Type)
}

// Validate checks the class's fields and detector.
func (c Class) Validate() error {
	in := func(v string, ok ...string) bool {
		if v == "" {
			return true
		}
		for _, o := range ok {
			if v == o {
				return true
			}
		}
		return false
	}
	switch {
	case !in(c.Level, "point", "country"):
		return fmt.Errorf("class %s: level %q must be point or country", c.Name, c.Level)
	case !in(c.Population, "all", "minors", "unaccompanied"):
		return fmt.Errorf("class %s: population %q must be all, minors or unaccompanied", c.Name, c.Population)
	case !in(c.Role, "origin", "transit", "destination"):
		return fmt.Errorf("class %s: role %q must be origin, transit or destination", c.Name, c.Role)
	case !in(c.Type, "crossing", "detention", "return", "assistance", "referral"):
		return fmt.Errorf("class %s: type %q must be crossing, detention, return, assistance or referral", c.Name, c.Type)
	}
	if _, err := c.Detector.First(); err != nil {
		return fmt.Errorf("class %s: %w", c.Name, err)
	}
	return nil
}
