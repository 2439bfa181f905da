// build.mjs regenerates region.geojson from the npm package world-atlas (Natural Earth
// 1:50m admin-0 countries as TopoJSON). It is a maintainer's tool: nothing in the Go build
// or the tests runs it, and the repository needs no Node to build. See SOURCES.md.
//
// Re-run (Node >= 18), from a scratch directory so no node_modules lands in the repository:
//
//	tmp=$(mktemp -d) && cd "$tmp" && npm init -y >/dev/null &&
//	  npm install --no-save world-atlas@2.0.2 topojson-client@3.1.0 &&
//	  node /path/to/vigia/lib/bulletin/outlines/build.mjs /path/to/vigia/lib/bulletin/outlines/region.geojson
//
// The packages are resolved from the current directory (not from this file's), which is why
// the script is run from the scratch directory.

import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const require = createRequire(pathToFileURL(process.cwd() + "/"));
const WORLD_ATLAS_VERSION = "2.0.2";

const atlasVersion = require("world-atlas/package.json").version;
if (atlasVersion !== WORLD_ATLAS_VERSION) {
  // A different release may change geometry or ids: update SOURCES.md and this pin together.
  throw new Error(`world-atlas ${atlasVersion} installed, this script is pinned to ${WORLD_ATLAS_VERSION}`);
}
const { feature } = require("topojson-client");
const topology = require("world-atlas/countries-50m.json");

// ISO 3166-1 numeric (world-atlas feature id, zero-padded to three digits) to alpha-3, and
// the name written to the output (Natural Earth abbreviates some, e.g. "Dominican Rep.").
// Order is the output order.
const REGION = [
  [484, "MEX", "Mexico"],
  [320, "GTM", "Guatemala"],
  [84, "BLZ", "Belize"],
  [222, "SLV", "El Salvador"],
  [340, "HND", "Honduras"],
  [558, "NIC", "Nicaragua"],
  [188, "CRI", "Costa Rica"],
  [591, "PAN", "Panama"],
  [170, "COL", "Colombia"],
  [862, "VEN", "Venezuela"],
  [218, "ECU", "Ecuador"],
  [192, "CUB", "Cuba"],
  [332, "HTI", "Haiti"],
  [214, "DOM", "Dominican Republic"],
  [388, "JAM", "Jamaica"],
  [840, "USA", "United States"],
];

// Only the United States is clipped, to the part of it near the region: longitude > -120
// (drops Hawaii and the West Coast north of Baja) and latitude < 37 (drops Alaska and
// everything north of the southern tier of states). The cut leaves straight edges on
// 37°N and 120°W.
const CLIP = { USA: { minLon: -120, maxLat: 37 } };

// Rings whose absolute planar area, in square degrees after rounding, is below this are
// dropped. 0 keeps every island that survives rounding: the file is far under its ~300 KB
// budget without dropping any (see SOURCES.md).
const MIN_RING_AREA = 0;

const round2 = (v) => Math.round(v * 100) / 100;

// Shoelace signed area: > 0 for counter-clockwise in lon/lat treated as planar x/y.
function signedArea(ring) {
  let a = 0;
  for (let i = 0, n = ring.length; i + 1 < n; i++) {
    a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return a / 2;
}

// Sutherland–Hodgman clip of a closed ring against one half-plane; inside(p) tells the kept
// side and cross(a, b) the point where segment a-b meets the boundary. Returns an open ring.
function clipHalfPlane(points, inside, cross) {
  const out = [];
  for (let i = 0; i < points.length; i++) {
    const cur = points[i];
    const prev = points[(i + points.length - 1) % points.length];
    if (inside(cur)) {
      if (!inside(prev)) out.push(cross(prev, cur));
      out.push(cur);
    } else if (inside(prev)) {
      out.push(cross(prev, cur));
    }
  }
  return out;
}

function clipRing(ring, box) {
  let pts = ring.slice(0, -1); // open the ring
  if (box.minLon !== undefined) {
    const x = box.minLon;
    pts = clipHalfPlane(pts, (p) => p[0] > x, (a, b) => [x, a[1] + ((x - a[0]) * (b[1] - a[1])) / (b[0] - a[0])]);
  }
  if (box.maxLat !== undefined) {
    const y = box.maxLat;
    pts = clipHalfPlane(pts, (p) => p[1] < y, (a, b) => [a[0] + ((y - a[1]) * (b[0] - a[0])) / (b[1] - a[1]), y]);
  }
  if (pts.length === 0) return null;
  return [...pts, pts[0]];
}

// Rounds to 2 decimals, drops consecutive duplicates, closes the ring; null when fewer
// than 3 distinct vertices or no area are left.
function roundRing(ring) {
  const out = [];
  for (const [lon, lat] of ring) {
    const p = [round2(lon), round2(lat)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  if (out.length > 1 && out[0][0] === out[out.length - 1][0] && out[0][1] === out[out.length - 1][1]) out.pop();
  if (out.length < 3) return null;
  out.push(out[0]);
  if (signedArea(out) === 0) return null;
  return out;
}

const stats = [];
const features = [];
const all = feature(topology, topology.objects.countries).features;
for (const [num, iso3, name] of REGION) {
  const id = String(num).padStart(3, "0");
  const src = all.filter((f) => f.id === id);
  if (src.length !== 1) throw new Error(`world-atlas has ${src.length} features with id ${id} (${iso3})`);
  const g = src[0].geometry;
  const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
  const box = CLIP[iso3];
  const s = { iso3, srcPolygons: polygons.length, clippedAway: 0, degenerate: 0, tooSmall: 0, holes: 0 };
  const kept = [];
  for (const polygon of polygons) {
    const rings = [];
    for (let i = 0; i < polygon.length; i++) {
      let ring = polygon[i];
      if (box) ring = clipRing(ring, box);
      if (!ring) {
        if (i === 0) s.clippedAway++;
        if (i === 0) break;
        continue;
      }
      ring = roundRing(ring);
      if (!ring) {
        if (i === 0) {
          s.degenerate++;
          break;
        }
        continue;
      }
      if (i === 0 && Math.abs(signedArea(ring)) < MIN_RING_AREA) {
        s.tooSmall++;
        break;
      }
      // RFC 7946 winding: exterior counter-clockwise, holes clockwise (planar lon/lat).
      const ccw = signedArea(ring) > 0;
      if ((i === 0) !== ccw) ring.reverse();
      if (i > 0) s.holes++;
      rings.push(ring);
    }
    if (rings.length > 0) kept.push(rings);
  }
  if (kept.length === 0) throw new Error(`${iso3}: nothing left after clipping and rounding`);
  s.polygons = kept.length;
  s.points = kept.flat(2).length;
  stats.push(s);
  features.push({
    type: "Feature",
    properties: { iso3, name, iso_n3: id },
    geometry: kept.length === 1 ? { type: "Polygon", coordinates: kept[0] } : { type: "MultiPolygon", coordinates: kept },
  });
}

// One feature per line, so a regeneration diffs country by country.
const text =
  '{"type":"FeatureCollection","features":[\n' + features.map((f) => JSON.stringify(f)).join(",\n") + "\n]}\n";

const outPath = process.argv[2];
if (outPath) writeFileSync(outPath, text);
else process.stdout.write(text);

console.error(`world-atlas ${atlasVersion}, countries-50m.json, ${features.length} countries, ${text.length} bytes`);
for (const s of stats) {
  console.error(
    `${s.iso3}: ${s.srcPolygons} source polygons -> ${s.polygons} kept (${s.clippedAway} clipped away, ` +
      `${s.degenerate} degenerate after rounding, ${s.tooSmall} below ${MIN_RING_AREA} deg²), ${s.holes} holes, ${s.points} points`,
  );
}
