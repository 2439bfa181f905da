package schemas

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Subdivision is one ISO 3166-2 code of the shipped list (schemas/subdivisions).
type Subdivision struct {
	Code      string // e.g. HN-CR
	Country   string // ISO 3166-1 alpha-3
	Name      string
	Type      string
	Parent    string
	Latitude  float64
	Longitude float64
}

// Subdivisions is the list origin_subdivision is checked against; read-only once built.
type Subdivisions struct {
	byCode map[string]*Subdivision
	order  []*Subdivision
}

//go:embed subdivisions/subdivisions.csv
var subdivisionsCSV string

// RegionSubdivisions returns the list shipped with Vigía, parsed once.
var RegionSubdivisions = sync.OnceValues(func() (*Subdivisions, error) {
	return ReadSubdivisions(strings.NewReader(subdivisionsCSV))
})

var subdivisionRe = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)

// ReadSubdivisions parses a list with the header code,country,name,type,parent,latitude,longitude.
func ReadSubdivisions(r io.Reader) (*Subdivisions, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("cannot read subdivisions header: %w", err)
	}
	if want := "code,country,name,type,parent,latitude,longitude"; strings.Join(header, ",") != want {
		return nil, fmt.Errorf("cannot read subdivisions: header must be %q", want)
	}
	s := &Subdivisions{byCode: map[string]*Subdivision{}}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read subdivisions line %d: %w", line, err)
		}
		d := &Subdivision{Code: rec[0], Country: rec[1], Name: rec[2], Type: rec[3], Parent: rec[4]}
		lat, err1 := strconv.ParseFloat(rec[5], 64)
		lon, err2 := strconv.ParseFloat(rec[6], 64)
		switch {
		case !subdivisionRe.MatchString(d.Code):
			return nil, fmt.Errorf("subdivisions line %d: code %q is not ISO 3166-2", line, d.Code)
		case !IsCountry(d.Country):
			return nil, fmt.Errorf("subdivisions line %d: country %q is not ISO 3166-1 alpha-3", line, d.Country)
		case err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180:
			return nil, fmt.Errorf("subdivisions line %d: latitude and longitude must be degrees", line)
		case s.byCode[d.Code] != nil:
			return nil, fmt.Errorf("subdivisions line %d: duplicate code %q", line, d.Code)
		}
		d.Latitude, d.Longitude = lat, lon
		s.byCode[d.Code] = d
		s.order = append(s.order, d)
	}
}

// Lookup returns the subdivision with that code.
func (s *Subdivisions) Lookup(code string) (*Subdivision, bool) {
	d, ok := s.byCode[code]
	return d, ok
}

// All returns the subdivisions in file order.
func (s *Subdivisions) All() []*Subdivision { return s.order }
