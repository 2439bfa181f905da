package outlines

import (
	"math"
	"os"
	"strings"
	"testing"
)

var want = []struct{ iso3, name string }{
	{"MEX", "Mexico"}, {"GTM", "Guatemala"}, {"BLZ", "Belize"}, {"SLV", "El Salvador"},
	{"HND", "Honduras"}, {"NIC", "Nicaragua"}, {"CRI", "Costa Rica"}, {"PAN", "Panama"},
	{"COL", "Colombia"}, {"VEN", "Venezuela"}, {"ECU", "Ecuador"}, {"CUB", "Cuba"},
	{"HTI", "Haiti"}, {"DOM", "Dominican Republic"}, {"JAM", "Jamaica"}, {"USA", "United States"},
}

func byISO3(t *testing.T) map[string]Country {
	t.Helper()
	cs, err := Region()
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Country{}
	for _, c := range cs {
		if _, dup := by[c.ISO3]; dup {
			t.Errorf("%s twice", c.ISO3)
		}
		by[c.ISO3] = c
	}
	return by
}

func TestRegionHasTheSixteenCountries(t *testing.T) {
	cs, err := Region()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != len(want) {
		t.Errorf("%d countries, want %d", len(cs), len(want))
	}
	for i, w := range want {
		if i >= len(cs) {
			break
		}
		if c := cs[i]; c.ISO3 != w.iso3 || c.Name != w.name {
			t.Errorf("country %d is %s %q, want %s %q", i, c.ISO3, c.Name, w.iso3, w.name)
		}
	}
	for _, c := range cs {
		if len(c.Rings) == 0 {
			t.Errorf("%s has no rings", c.ISO3)
		}
		for j, r := range c.Rings {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Errorf("%s ring %d: %d points, closed %v", c.ISO3, j, len(r), len(r) > 0 && r[0] == r[len(r)-1])
			}
			if a := area(r); a <= 0 {
				t.Errorf("%s ring %d: signed area %g, want > 0 (counter-clockwise exterior)", c.ISO3, j, a)
			}
			for _, p := range r {
				if !(p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90) {
					t.Fatalf("%s ring %d: point %v outside [-180,180]x[-90,90]", c.ISO3, j, p)
				}
			}
		}
	}
}

func area(r [][2]float64) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// Each country's bounding box lies inside a generous box around where it is, and reaches
// into a small box it must touch: a shifted, swapped (lat/lon) or truncated outline fails.
func TestCountriesAreWhereTheyBelong(t *testing.T) {
	by := byISO3(t)
	for _, tc := range []struct {
		iso3                           string
		minLon, minLat, maxLon, maxLat float64 // the bounding box lies inside this
		atLon, atLat                   float64 // and contains this point
	}{
		{"HND", -90, 12, -83, 17, -87.2, 14.1}, // Tegucigalpa
		{"GTM", -93, 13, -88, 18.5, -90.5, 14.6},
		{"BLZ", -90, 15.5, -87.5, 18.7, -88.8, 17.2},
		{"SLV", -90.5, 13, -87.5, 14.6, -89.2, 13.7},
		{"NIC", -88, 10.5, -82.5, 15.5, -86.3, 12.1},
		{"CRI", -86.5, 7.5, -82.5, 11.5, -84.1, 9.9},
		{"PAN", -83.5, 7, -77, 9.8, -79.5, 9},
		{"MEX", -119, 14, -86, 33, -99.1, 19.4},
		{"COL", -82, -4.5, -66.5, 13.5, -74.1, 4.7},
		{"VEN", -74, 0.5, -59.5, 16, -66.9, 10.5},
		{"ECU", -92.5, -5.5, -75, 2, -78.5, -0.2},
		{"CUB", -85.5, 19.5, -74, 23.5, -82.4, 23.1},
		{"JAM", -78.5, 17.5, -76, 18.6, -76.8, 18},
	} {
		c, ok := by[tc.iso3]
		if !ok {
			t.Errorf("%s missing", tc.iso3)
			continue
		}
		minLon, minLat, maxLon, maxLat := Bounds([]Country{c})
		if minLon < tc.minLon || minLat < tc.minLat || maxLon > tc.maxLon || maxLat > tc.maxLat {
			t.Errorf("%s spans lon %g..%g lat %g..%g, want within lon %g..%g lat %g..%g",
				tc.iso3, minLon, maxLon, minLat, maxLat, tc.minLon, tc.maxLon, tc.minLat, tc.maxLat)
		}
		if tc.atLon < minLon || tc.atLon > maxLon || tc.atLat < minLat || tc.atLat > maxLat {
			t.Errorf("%s spans lon %g..%g lat %g..%g, which misses (%g, %g)",
				tc.iso3, minLon, maxLon, minLat, maxLat, tc.atLon, tc.atLat)
		}
	}
}

// The United States is clipped to the region (longitude > -120, latitude < 37), and what
// is left still reaches Florida and Texas.
func TestUnitedStatesIsClipped(t *testing.T) {
	usa := byISO3(t)["USA"]
	minLon, minLat, maxLon, maxLat := Bounds([]Country{usa})
	if minLon < -120 || maxLat > 37 {
		t.Errorf("USA spans lon %g..%g lat %g..%g, want lon >= -120 and lat <= 37", minLon, maxLon, minLat, maxLat)
	}
	if minLat > 25 || maxLon < -80.5 || minLon > -117 {
		t.Errorf("USA spans lon %g..%g lat %g..%g: Florida Keys, the Atlantic coast or southern California is missing",
			minLon, maxLon, minLat, maxLat)
	}
}

func TestBounds(t *testing.T) {
	cs, err := Region()
	if err != nil {
		t.Fatal(err)
	}
	minLon, minLat, maxLon, maxLat := Bounds(cs)
	// Mexico's Pacific islands to Venezuela's east, Ecuador's south to the US clip.
	if minLon != -120 || maxLat != 37 || minLon > maxLon || minLat > maxLat ||
		maxLon < -61 || maxLon > -59 || minLat < -5.5 || minLat > -4.5 {
		t.Errorf("Bounds = lon %g..%g lat %g..%g", minLon, maxLon, minLat, maxLat)
	}
	if a, b, c, d := Bounds(nil); !math.IsNaN(a) || !math.IsNaN(b) || !math.IsNaN(c) || !math.IsNaN(d) {
		t.Errorf("Bounds(nil) = %g %g %g %g, want NaN", a, b, c, d)
	}
}

func TestRegionParsesOnce(t *testing.T) {
	a, _ := Region()
	b, _ := Region()
	if len(a) == 0 || &a[0] != &b[0] {
		t.Error("Region parsed the file twice")
	}
}

func TestLoadErrors(t *testing.T) {
	for _, bad := range []string{
		`{`,
		`{"type":"Feature"}`,
		`{"type":"FeatureCollection","features":[{"properties":{"name":"X"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"properties":{"iso3":"XXX"},"geometry":{"type":"Point","coordinates":[0,0]}}]}`,
		`{"type":"FeatureCollection","features":[{"properties":{"iso3":"XXX"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"properties":{"iso3":"XXX"},"geometry":{"type":"MultiPolygon","coordinates":[]}}]}`,
	} {
		_, err := load([]byte(bad))
		if err == nil || !strings.HasPrefix(err.Error(), "cannot read the region's outlines: ") {
			t.Errorf("load(%s) = %v, want a \"cannot read the region's outlines\" error", bad, err)
		}
	}
	// A MultiPolygon flattens into one ring per polygon, holes dropped.
	cs, err := load([]byte(`{"type":"FeatureCollection","features":[{"properties":{"iso3":"XXX","name":"X"},"geometry":{"type":"MultiPolygon","coordinates":[
		[[[0,0],[4,0],[4,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]],
		[[[10,0],[11,0],[11,1],[10,0]]]]}}]}`))
	if err != nil || len(cs) != 1 || len(cs[0].Rings) != 2 || cs[0].Rings[1][0] != [2]float64{10, 0} {
		t.Errorf("load(MultiPolygon) = %+v, %v", cs, err)
	}
}

// The embedded file stays small, and the licence and the account of its source ship beside it.
func TestFilesShipped(t *testing.T) {
	if n := len(regionGeoJSON); n == 0 || n >= 400_000 {
		t.Errorf("region.geojson is %d bytes, want under 400 KB", n)
	}
	for file, must := range map[string]string{
		"LICENSE-world-atlas": "Copyright 2013-2019 Michael Bostock",
		"SOURCES.md":          "Natural Earth",
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(string(b), must) {
			t.Errorf("%s does not say %q", file, must)
		}
	}
}
