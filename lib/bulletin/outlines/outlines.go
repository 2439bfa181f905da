// Package outlines ships the country outlines of the observatory's region, for the map in
// the bulletin: Natural Earth 1:50m admin-0 boundaries (public domain) as redistributed by
// the npm package world-atlas 2.0.2 (ISC), cut down to 16 countries and embedded as
// region.geojson. SOURCES.md says how the file was made; build.mjs remakes it and is never
// run by the build or the tests.
//
// The countries are Mexico, Central America, Colombia, Venezuela, Ecuador, the Greater
// Antilles (Cuba, Haiti, the Dominican Republic, Jamaica) and the United States clipped to
// longitude > -120 and latitude < 37, so the map stays on the region. The clip leaves the
// United States with straight edges on 120°W and 37°N: a map whose frame is inside that box
// never shows them.
package outlines

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sync"
)

//go:embed region.geojson
var regionGeoJSON []byte

// Country is one country's outline.
type Country struct {
	ISO3 string // ISO 3166-1 alpha-3, e.g. "HND"
	Name string // English short name, e.g. "Honduras"
	// Rings are the outlines, each a closed ring (first point == last point) of [lon, lat]
	// points in degrees (WGS 84), exterior rings counter-clockwise (RFC 7946). A
	// MultiPolygon's polygons are flattened into one list: an island is one ring. Holes
	// (interior rings) are left out, which is fine for drawing filled shapes; none of the
	// 16 countries has one in the source data anyway.
	Rings [][][2]float64
}

// Region returns the 16 countries of the region in the file's order (Mexico, Central
// America north to south, Colombia, Venezuela, Ecuador, Cuba, Haiti, the Dominican
// Republic, Jamaica, the United States). The file is parsed once; every call returns the
// same slice, which callers must not modify.
func Region() ([]Country, error) {
	return region()
}

var region = sync.OnceValues(func() ([]Country, error) { return load(regionGeoJSON) })

func load(data []byte) ([]Country, error) {
	cs, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("cannot read the region's outlines: %w", err)
	}
	return cs, nil
}

type featureCollection struct {
	Type     string `json:"type"`
	Features []struct {
		Properties struct {
			ISO3 string `json:"iso3"`
			Name string `json:"name"`
		} `json:"properties"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// parse reads a GeoJSON FeatureCollection of Polygon and MultiPolygon features, each with
// the properties "iso3" and "name", keeping the exterior ring of every polygon.
func parse(data []byte) ([]Country, error) {
	var fc featureCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, err
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("type %q, want FeatureCollection", fc.Type)
	}
	cs := make([]Country, 0, len(fc.Features))
	for i, f := range fc.Features {
		c := Country{ISO3: f.Properties.ISO3, Name: f.Properties.Name}
		if c.ISO3 == "" {
			return nil, fmt.Errorf("feature %d has no iso3", i)
		}
		var polygons [][][][2]float64
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, fmt.Errorf("%s: %w", c.ISO3, err)
			}
			polygons = [][][][2]float64{p}
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &polygons); err != nil {
				return nil, fmt.Errorf("%s: %w", c.ISO3, err)
			}
		default:
			return nil, fmt.Errorf("%s: geometry %q, want Polygon or MultiPolygon", c.ISO3, f.Geometry.Type)
		}
		for _, p := range polygons {
			if len(p) == 0 {
				continue
			}
			ring := p[0] // the exterior; holes, p[1:], are dropped (see Country.Rings)
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				return nil, fmt.Errorf("%s: a ring of %d points that is not closed", c.ISO3, len(ring))
			}
			c.Rings = append(c.Rings, ring)
		}
		if len(c.Rings) == 0 {
			return nil, fmt.Errorf("%s: no rings", c.ISO3)
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// Bounds returns the bounding box of every point of cs, in degrees. With no points it
// returns NaN for all four.
func Bounds(cs []Country) (minLon, minLat, maxLon, maxLat float64) {
	minLon, minLat = math.Inf(1), math.Inf(1)
	maxLon, maxLat = math.Inf(-1), math.Inf(-1)
	for _, c := range cs {
		for _, r := range c.Rings {
			for _, p := range r {
				minLon, maxLon = math.Min(minLon, p[0]), math.Max(maxLon, p[0])
				minLat, maxLat = math.Min(minLat, p[1]), math.Max(maxLat, p[1])
			}
		}
	}
	if math.IsInf(minLon, 1) {
		nan := math.NaN()
		return nan, nan, nan, nan
	}
	return minLon, minLat, maxLon, maxLat
}
