package schemas

import (
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // point time zones resolve in static builds without the OS database
)

// Point is one place of the registry: a border post, an airport that receives return
// flights, a reception centre, a migrant station, a Darién reception station, a detention
// site, a US Border Patrol sector, a consulate of Honduras, Guatemala or El Salvador in
// Mexico or the US (Country is the host country), or a reception centre for returned
// children and families.
type Point struct {
	ID        string
	Name      string
	Country   string // ISO 3166-1 alpha-3
	Kind      string
	Latitude  float64
	Longitude float64
	TimeZone  string // IANA
	Source    string
	// Location is TimeZone loaded once (LoadLocation parses tzdata on every call).
	Location *time.Location
}

// PointKinds lists the allowed values of Point.Kind.
var PointKinds = []string{"border_post", "airport", "reception_centre", "migrant_station",
	"darien_station", "detention_site", "bp_sector", "consulate", "child_reception_centre"}

// Points is the registry, read-only once built.
type Points struct {
	byID  map[string]*Point
	order []*Point
}

//go:embed points/points.csv
var pointsCSV string

// RegionPoints returns the registry shipped with Vigía (schemas/points/points.csv).
func RegionPoints() (*Points, error) {
	return ReadPoints(strings.NewReader(pointsCSV))
}

var pointIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{2,47}$`)

// ReadPoints parses a registry CSV with the header
// id,name,country,kind,latitude,longitude,timezone,source and checks every row.
func ReadPoints(r io.Reader) (*Points, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot read points header: %w", err)
	}
	want := "id,name,country,kind,latitude,longitude,timezone,source"
	if strings.Join(header, ",") != want {
		return nil, fmt.Errorf("cannot read points: header must be %q, got %q", want, strings.Join(header, ","))
	}
	ps := &Points{byID: map[string]*Point{}}
	zones := map[string]*time.Location{} // one Location per zone: CountryZones compares them
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read points line %d: %w", line, err)
		}
		p, err := parsePoint(rec)
		if err != nil {
			return nil, fmt.Errorf("points line %d: %w", line, err)
		}
		if _, dup := ps.byID[p.ID]; dup {
			return nil, fmt.Errorf("points line %d: duplicate id %q", line, p.ID)
		}
		if l, ok := zones[p.TimeZone]; ok {
			p.Location = l
		}
		zones[p.TimeZone] = p.Location
		ps.byID[p.ID] = p
		ps.order = append(ps.order, p)
	}
	return ps, nil
}

func parsePoint(rec []string) (*Point, error) {
	p := &Point{ID: rec[0], Name: rec[1], Country: rec[2], Kind: rec[3], TimeZone: rec[6], Source: rec[7]}
	if !pointIDRe.MatchString(p.ID) {
		return nil, fmt.Errorf("id %q must match %s", p.ID, pointIDRe)
	}
	if p.Name == "" {
		return nil, fmt.Errorf("point %s has no name", p.ID)
	}
	if !IsCountry(p.Country) {
		return nil, fmt.Errorf("point %s: country %q is not ISO 3166-1 alpha-3", p.ID, p.Country)
	}
	if !slices.Contains(PointKinds, p.Kind) {
		return nil, fmt.Errorf("point %s: kind %q must be one of %s", p.ID, p.Kind, strings.Join(PointKinds, ", "))
	}
	var err error
	if p.Latitude, err = strconv.ParseFloat(rec[4], 64); err != nil || p.Latitude < -90 || p.Latitude > 90 {
		return nil, fmt.Errorf("point %s: latitude %q is not a number in -90..90", p.ID, rec[4])
	}
	if p.Longitude, err = strconv.ParseFloat(rec[5], 64); err != nil || p.Longitude < -180 || p.Longitude > 180 {
		return nil, fmt.Errorf("point %s: longitude %q is not a number in -180..180", p.ID, rec[5])
	}
	if p.Location, err = time.LoadLocation(p.TimeZone); err != nil {
		return nil, fmt.Errorf("point %s: time zone %q: %w", p.ID, p.TimeZone, err)
	}
	return p, nil
}

// Lookup returns the point with that id. Looking up string(b) for a []byte b does not
// allocate, which keeps validation cheap.
func (ps *Points) Lookup(id string) (*Point, bool) {
	p, ok := ps.byID[id]
	return p, ok
}

// Zone is the time zone of a point (its daily windows are its local days); UTC for an id
// the registry does not hold.
func (ps *Points) Zone(id string) *time.Location {
	if p, ok := ps.byID[id]; ok {
		return p.Location
	}
	return time.UTC
}

// CountryZones are the distinct time zones of a country's points, in file order.
func (ps *Points) CountryZones(country string) []*time.Location {
	var out []*time.Location
	for _, p := range ps.order {
		if p.Country == country && !slices.Contains(out, p.Location) {
			out = append(out, p.Location)
		}
	}
	return out
}

// Name is a point's name, or its id when the registry does not hold it.
func (ps *Points) Name(id string) string {
	if p, ok := ps.byID[id]; ok {
		return p.Name
	}
	return id
}

// All returns the points in file order.
func (ps *Points) All() []*Point { return ps.order }

// Len is the number of points.
func (ps *Points) Len() int { return len(ps.order) }

// Checksum identifies the registry's content, so storage can tell whether it changed.
func (ps *Points) Checksum() string {
	h := sha256.New()
	for _, p := range ps.order {
		fmt.Fprintf(h, "%s\x1f%s\x1f%s\x1f%s\x1f%.6f\x1f%.6f\x1f%s\x1f%s\n",
			p.ID, p.Name, p.Country, p.Kind, p.Latitude, p.Longitude, p.TimeZone, p.Source)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
