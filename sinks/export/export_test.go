package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/lib/disclosure"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// figure is a row of the figures table as the test wrote it, and as read back from a file
// (persons 0 where the file holds null).
type figure struct {
	grain                               string
	start                               time.Time
	point, country, typ, role, cat, nat string
	minor, supp                         bool
	persons                             uint64
	k                                   uint8
}

func (f figure) key() string {
	return fmt.Sprint(f.grain, f.start.Unix(), f.point, f.country, f.typ, f.role, f.cat, f.minor, f.nat)
}

var (
	points     = [][2]string{{"hnd-corinto", "HND"}, {"gtm-tecun-uman", "GTM"}, {"pan-bajo-chiquito", "PAN"}}
	types      = []string{"crossing", "detention", "return"}
	roles      = []string{"origin", "transit", "destination"}
	categories = []string{"unknown", "single_adult", "family_unit", "unaccompanied_minor", "accompanied_minor"}
	nations    = []string{"HND", "VEN", "HTI", ""}
)

// protected makes n cells of grain with periods from start, step apart, each with a random
// count (a fifth of them under k) protected by the observatory's rule under a test key.
func protected(t testing.TB, rng *rand.Rand, grain string, start time.Time, step func(time.Time) time.Time, periods, perPeriod int) []figure {
	t.Helper()
	rule, err := disclosure.New([]byte("test key of the export, 32 bytes"))
	if err != nil {
		t.Fatal(err)
	}
	var out []figure
	seen := map[string]bool{}
	for p, at := 0, start; p < periods; p, at = p+1, step(at) {
		for len(seen) < (p+1)*perPeriod {
			pt := points[rng.IntN(len(points))]
			f := figure{grain: grain, start: at, country: pt[1], typ: types[rng.IntN(3)], role: roles[rng.IntN(3)], cat: categories[rng.IntN(5)]}
			if strings.HasPrefix(grain, "point") {
				f.point = pt[0]
			} else {
				f.nat = nations[rng.IntN(len(nations))]
			}
			f.minor = strings.HasSuffix(f.cat, "minor")
			if seen[f.key()] {
				continue
			}
			seen[f.key()] = true
			n := uint64(1 + rng.IntN(400))
			if rng.IntN(5) == 0 {
				n = uint64(1 + rng.IntN(9))
			}
			fig := rule.Protect([]byte(f.key()), n, f.minor)
			f.persons, f.supp, f.k = fig.Value, fig.Suppressed, uint8(fig.K)
			out = append(out, f)
		}
	}
	return out
}

func days(n int) func(time.Time) time.Time {
	return func(t time.Time) time.Time { return t.AddDate(0, 0, n) }
}
func months(n int) func(time.Time) time.Time {
	return func(t time.Time) time.Time { return t.AddDate(0, n, 0) }
}

// insert writes figures into the test database's published layer with version v.
func insert(t testing.TB, conn driver.Conn, db string, fs []figure, v uint64) {
	t.Helper()
	ctx := context.Background()
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+chsink.PublicDatabase(db)+
		".figures (grain, period_start, point_id, country, type, role, category, minor, nationality, persons, suppressed, k, version, published_at)")
	if err != nil {
		t.Fatal(err)
	}
	b := func(x bool) uint8 {
		if x {
			return 1
		}
		return 0
	}
	for _, f := range fs {
		if err := batch.Append(f.grain, f.start, f.point, f.country, f.typ, f.role, f.cat, b(f.minor), f.nat, f.persons, b(f.supp), f.k, v, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
}

// insertEvents stores one event per agency at each time, for the sources of the package.
func insertEvents(t testing.TB, conn driver.Conn, db string, at map[string]time.Time) {
	t.Helper()
	batch, err := conn.PrepareBatch(context.Background(), "INSERT INTO "+db+".events (agency, event_id, type, occurred_at, point_id, count, version)")
	if err != nil {
		t.Fatal(err)
	}
	for agency, when := range at {
		if err := batch.Append(agency, "e-"+agency, "crossing", when, "hnd-corinto", uint32(1), uint64(1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
}

// seeded is a test database whose published figures hold cells of every grain in January
// and February 2026 and around them, some of them stored twice (an older version with other
// figures, which FINAL must leave out).
type seeded struct {
	conn driver.Conn
	db   string
	all  []figure // the latest version of every cell
}

func seed(t *testing.T) seeded {
	cfg := testenv.Config(t)
	conn := testenv.ClickHouse(t, cfg)
	rng := rand.New(rand.NewPCG(13, 5))
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var all []figure
	all = append(all, protected(t, rng, "point_day", jan.AddDate(0, 0, -3), days(1), 65, 20)...)
	all = append(all, protected(t, rng, "country_day", jan.AddDate(0, 0, -3), days(1), 65, 20)...)
	all = append(all, protected(t, rng, "country_week", time.Date(2025, 12, 22, 0, 0, 0, 0, time.UTC), days(7), 12, 30)...)
	all = append(all, protected(t, rng, "country_month", jan.AddDate(0, -2, 0), months(1), 6, 40)...)
	all = append(all, protected(t, rng, "point_hour", jan, func(t time.Time) time.Time { return t.Add(time.Hour) }, 48, 10)...)
	stale := make([]figure, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		f := all[i]
		f.persons, f.supp = f.persons+uint64(f.k)*7, false
		stale = append(stale, f)
	}
	insert(t, conn, cfg.ClickHouse.Database, stale, 1)
	insert(t, conn, cfg.ClickHouse.Database, all, 2)
	insertEvents(t, conn, cfg.ClickHouse.Database, map[string]time.Time{
		"hn-inm": jan.Add(36 * time.Hour), "gt-igm": time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC), "mx-inm": time.Date(2025, 10, 5, 0, 0, 0, 0, time.UTC)})
	return seeded{conn: conn, db: cfg.ClickHouse.Database, all: all}
}

// want is the cells of grain whose period starts in [from, to), by key.
func (s seeded) want(grain string, from, to time.Time) map[string]figure {
	out := map[string]figure{}
	for _, f := range s.all {
		if f.grain == grain && !f.start.Before(from) && f.start.Before(to) {
			out[f.key()] = f
		}
	}
	return out
}

// readBack reads an exported file as record batches, with the library's own readers.
func readBack(t *testing.T, format, path string, grain string) (recs []arrow.RecordBatch, groups int) {
	t.Helper()
	mem := memory.NewGoAllocator()
	switch format {
	case "parquet":
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			t.Fatal(err)
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, mem)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rr.Release()
		for rr.Next() {
			rec := rr.RecordBatch()
			rec.Retain()
			recs = append(recs, rec)
		}
		if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		return recs, pf.NumRowGroups()
	case "arrow":
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for i := 0; i < r.NumRecords(); i++ {
			rec, err := r.RecordBatchAt(i)
			if err != nil {
				t.Fatal(err)
			}
			rec.Retain()
			recs = append(recs, rec)
		}
		return recs, r.NumRecords()
	case "csv":
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f, schema(grain), csv.WithHeader(true), csv.WithNullReader(false, ""), csv.WithChunk(1000))
		defer r.Release()
		for r.Next() {
			rec := r.RecordBatch()
			rec.Retain()
			recs = append(recs, rec)
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		return recs, len(recs)
	}
	t.Fatalf("format %s", format)
	return nil, 0
}

// figures turns record batches of a grain's file into figures, checking the schema.
func figures(t *testing.T, grain string, recs []arrow.RecordBatch) []figure {
	t.Helper()
	var out []figure
	for _, rec := range recs {
		defer rec.Release()
		sameSchema(t, rec.Schema(), schema(grain))
		str := func(i int) *array.String { return rec.Column(i).(*array.String) }
		boo := func(i int) *array.Boolean { return rec.Column(i).(*array.Boolean) }
		persons, k := rec.Column(8).(*array.Uint64), rec.Column(10).(*array.Uint8)
		for i := 0; i < int(rec.NumRows()); i++ {
			f := figure{grain: grain, point: str(1).Value(i), country: str(2).Value(i), typ: str(3).Value(i), role: str(4).Value(i),
				cat: str(5).Value(i), minor: boo(6).Value(i), nat: str(7).Value(i), supp: boo(9).Value(i), k: k.Value(i)}
			switch c := rec.Column(0).(type) {
			case *array.Date32:
				f.start = c.Value(i).ToTime()
			case *array.Timestamp:
				f.start = time.UnixMilli(int64(c.Value(i))).UTC()
			}
			if persons.IsNull(i) != f.supp {
				t.Errorf("%s: persons null %v, suppressed %v: persons must be null exactly where suppressed", f.key(), persons.IsNull(i), f.supp)
			}
			if persons.IsValid(i) {
				f.persons = persons.Value(i)
			}
			out = append(out, f)
		}
	}
	return out
}

// sameSchema compares the columns read back with the ones written (readers add metadata of
// their own) and, where the file keeps it, the schema's metadata.
func sameSchema(t *testing.T, got, want *arrow.Schema) {
	t.Helper()
	if got.NumFields() != want.NumFields() {
		t.Fatalf("schema read back\n%v\nwant\n%v", got, want)
	}
	for i, f := range want.Fields() {
		if g := got.Field(i); g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) || g.Nullable != f.Nullable {
			t.Fatalf("column %d read back as %v, want %v", i, g, f)
		}
	}
	if md := got.Metadata(); md.Len() > 0 {
		if i := md.FindKey("vigia.disclosure"); i < 0 || md.Values()[i] != disclosure.Describe() {
			t.Errorf("the file's metadata %v lacks the rule", md)
		}
	}
}

// check compares a file's figures with the table's, row by row and in sums, and the order.
func check(t *testing.T, s seeded, grain string, got []figure, from, to time.Time) {
	t.Helper()
	want := s.want(grain, from, to)
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", grain, len(got), len(want))
	}
	var sum uint64
	for i, f := range got {
		w, ok := want[f.key()]
		if !ok {
			t.Errorf("%s: row %d %s is not a cell of the range", grain, i, f.key())
			continue
		}
		if f != w {
			t.Errorf("%s: row %d\n got %+v\nwant %+v", grain, i, f, w)
		}
		delete(want, f.key())
		sum += f.persons
		if i > 0 && f.start.Before(got[i-1].start) {
			t.Errorf("%s: row %d goes back in time", grain, i)
		}
	}
	for k := range want {
		t.Errorf("%s: cell %s missing", grain, k)
		break
	}
	var tableSum uint64
	var tableRows uint64
	if err := s.conn.QueryRow(context.Background(), "SELECT sum(persons), count() FROM "+chsink.PublicDatabase(s.db)+
		".figures FINAL WHERE grain = ? AND period_start >= ? AND period_start < ?", grain, from, to).Scan(&tableSum, &tableRows); err != nil {
		t.Fatal(err)
	}
	if sum != tableSum || uint64(len(got)) != tableRows {
		t.Errorf("%s: %d persons in %d rows, the table has %d in %d", grain, sum, len(got), tableSum, tableRows)
	}
	if sum%5 != 0 {
		t.Errorf("%s: the published sum %d is not a multiple of 5", grain, sum)
	}
}

// checkPackage compares datapackage.json with the files beside it.
func checkPackage(t *testing.T, c Config, res Result) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Dir, PackageFile))
	if err != nil {
		t.Fatal(err)
	}
	var p Package
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Licenses) != 1 || p.Licenses[0].Name != "CC-BY-4.0" {
		t.Errorf("licenses %+v", p.Licenses)
	}
	var srcs []string
	for _, s := range p.Sources {
		srcs = append(srcs, s.Title)
	}
	if got := strings.Join(srcs, ","); got != "gt-igm,hn-inm" {
		t.Errorf("sources %q, want the agencies with events in the range: gt-igm,hn-inm", got)
	}
	created, err := time.Parse(time.RFC3339, p.Created)
	if err != nil || time.Since(created) > time.Minute || time.Since(created) < -time.Second {
		t.Errorf("created %q (%v)", p.Created, err)
	}
	if p.Disclosure.Rule != disclosure.Describe() || !strings.Contains(p.Description, disclosure.Describe()) {
		t.Errorf("disclosure %+v", p.Disclosure)
	}
	if len(p.Resources) != len(c.Grains()) {
		t.Fatalf("%d resources for grains %v", len(p.Resources), c.Grains())
	}
	for i, r := range p.Resources {
		fb, err := os.ReadFile(filepath.Join(c.Dir, r.Path))
		if err != nil {
			t.Fatalf("resource %s: %v", r.Name, err)
		}
		sum := sha256.Sum256(fb)
		if r.Bytes != int64(len(fb)) || r.Hash != "sha256:"+hex.EncodeToString(sum[:]) {
			t.Errorf("resource %s: bytes %d hash %s; the file has %d bytes, sha256 %x", r.Name, r.Bytes, r.Hash, len(fb), sum)
		}
		if r.Path != res.Files[i].Name || r.Rows != res.Files[i].Rows || r.Format != c.Format || r.Mediatype == "" {
			t.Errorf("resource %+v for file %+v", r, res.Files[i])
		}
		sch := schema(c.Grains()[i])
		if len(r.Schema.Fields) != sch.NumFields() {
			t.Fatalf("resource %s: %d fields, the file has %d", r.Name, len(r.Schema.Fields), sch.NumFields())
		}
		for j, f := range r.Schema.Fields {
			if f.Name != sch.Field(j).Name || f.Type == "" || f.Description == "" {
				t.Errorf("resource %s field %d: %+v, the file's column is %s", r.Name, j, f, sch.Field(j).Name)
			}
			if f.Name == "persons" && f.Unit != "persons" {
				t.Errorf("persons has unit %q", f.Unit)
			}
		}
	}
}

func TestExportFormats(t *testing.T) {
	s := seed(t)
	jan, feb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		format, granularity string
		from, to            time.Time
	}{
		{"parquet", "day", jan, feb},
		{"arrow", "day", jan, feb},
		{"csv", "day", jan, feb},
		{"parquet", "week", jan.AddDate(0, 0, -4), feb}, // weeks from Monday 29 December
		{"arrow", "month", jan.AddDate(0, -1, 0), feb.AddDate(0, 1, 0)},
		{"csv", "month", jan, feb},
		{"parquet", "day", jan.AddDate(1, 0, 0), feb.AddDate(1, 0, 0)}, // nothing published: files with no rows
		{"csv", "week", jan.AddDate(1, 0, 0), feb.AddDate(1, 0, 0)},
	} {
		t.Run(tc.format+"/"+tc.granularity+"/"+tc.from.Format("2006-01-02"), func(t *testing.T) {
			c := Config{From: tc.from, To: tc.to, Granularity: tc.granularity, Format: tc.format, Dir: filepath.Join(t.TempDir(), "out")}
			res, err := Export(context.Background(), s.conn, s.db, c)
			if err != nil {
				t.Fatal(err)
			}
			for i, g := range c.Grains() {
				f := res.Files[i]
				recs, _ := readBack(t, tc.format, filepath.Join(c.Dir, f.Name), g)
				got := figures(t, g, recs)
				check(t, s, g, got, tc.from, tc.to)
				if int64(len(got)) != f.Rows {
					t.Errorf("%s: result says %d rows, the file has %d", f.Name, f.Rows, len(got))
				}
			}
			if tc.to.Year() == 2026 && res.Rows() == 0 {
				t.Error("nothing exported from a range with figures")
			}
			if tc.from.Year() == 2027 {
				if res.Rows() != 0 {
					t.Errorf("%d rows from an empty range", res.Rows())
				}
			} else {
				checkPackage(t, c, res)
			}
			// The same figures make the same files, byte for byte.
			again := c
			again.Dir = t.TempDir()
			res2, err := Export(context.Background(), s.conn, s.db, again)
			if err != nil {
				t.Fatal(err)
			}
			for i := range res.Files {
				if res.Files[i].SHA256 != res2.Files[i].SHA256 {
					t.Errorf("%s: exported twice, two hashes", res.Files[i].Name)
				}
			}
			left, _ := filepath.Glob(filepath.Join(c.Dir, ".*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// A range of many batches: every row is written, in batches (and row groups) of BatchRows.
func TestExportBatches(t *testing.T) {
	s := seed(t)
	from, to := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, format := range []string{"parquet", "arrow"} {
		c := Config{From: from, To: to, Granularity: "day", Format: format, Dir: t.TempDir(), BatchRows: 97}
		res, err := Export(context.Background(), s.conn, s.db, c)
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range c.Grains() {
			f := res.Files[i]
			recs, groups := readBack(t, format, filepath.Join(c.Dir, f.Name), g)
			if want := int((f.Rows + 96) / 97); f.Rows < 97*5 || groups != want {
				t.Errorf("%s %s: %d rows in %d batches, want %d batches of 97", format, g, f.Rows, groups, want)
			}
			check(t, s, g, figures(t, g, recs), from, to)
		}
	}
}

// The hourly grain, should it be exported, carries UTC timestamps.
func TestExportPointHour(t *testing.T) {
	s := seed(t)
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, format := range []string{"parquet", "arrow", "csv"} {
		c := Config{From: from, To: to, Format: format, Dir: t.TempDir()}.withDefaults()
		f, err := writeGrain(context.Background(), s.conn, chsink.PublicDatabase(s.db), "point_hour", c)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := readBack(t, format, filepath.Join(c.Dir, f.Name), "point_hour")
		check(t, s, "point_hour", figures(t, "point_hour", recs), from, to)
		if format == "csv" {
			b, _ := os.ReadFile(filepath.Join(c.Dir, f.Name))
			if !bytes.Contains(b, []byte("\n2026-01-01T05:00:00Z,")) {
				t.Errorf("no RFC 3339 hour in %.300s", b)
			}
		}
	}
}

func TestExportValidate(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "file")
	os.WriteFile(aFile, nil, 0o600)
	jan, feb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	ok := Config{From: jan, To: feb, Dir: dir}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"defaults", func(*Config) {}, ""},
		{"a directory to create", func(c *Config) { c.Dir = filepath.Join(dir, "new") }, ""},
		{"from after to", func(c *Config) { c.From, c.To = feb, jan }, "from (2026-02-01) must be before to (2026-01-01)"},
		{"from equals to", func(c *Config) { c.To = jan }, "must be before to"},
		{"no range", func(c *Config) { c.From = time.Time{} }, "from and to are both required"},
		{"granularity", func(c *Config) { c.Granularity = "hour" }, `granularity "hour" must be day, week or month`},
		{"format", func(c *Config) { c.Format = "xlsx" }, `format "xlsx" must be parquet, arrow or csv`},
		{"no dir", func(c *Config) { c.Dir = "" }, "the output directory is required"},
		{"dir is a file", func(c *Config) { c.Dir = aFile }, "is a file: name a directory"},
		{"dir under a file", func(c *Config) { c.Dir = filepath.Join(aFile, "out") }, "is a file, not a directory"},
		{"parents to create", func(c *Config) { c.Dir = filepath.Join(dir, "a", "b") }, ""},
		{"deep under a file", func(c *Config) { c.Dir = filepath.Join(aFile, "a", "b") }, "cannot be created: " + aFile + " is a file"},
		{"read-only file system", func(c *Config) { c.Dir = "/proc/vigia-export" }, "cannot be created in /proc"},
		{"all at once", func(c *Config) { c.Format, c.Granularity = "xml", "year" }, `granularity "year" must be day, week or month; format "xml"`},
	} {
		c := ok
		tc.edit(&c)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if g := (Config{}).Grains(); strings.Join(g, ",") != "country_day,point_day" {
		t.Errorf("default grains %v", g)
	}
}

// BenchmarkExportParquet exports 200,000 distinct daily cells by country (inserted once) to
// Parquet: rows/s of the whole export, from the queries to datapackage.json.
func BenchmarkExportParquet(b *testing.B) {
	cfg := testenv.Config(b)
	conn := testenv.ClickHouse(b, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	const cells, daysN = 2000, 100
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var fs []figure
	for d := 0; d < daysN; d++ {
		for i := 0; i < cells; i++ {
			n := uint64(rng.IntN(300))
			f := figure{grain: "country_day", start: start.AddDate(0, 0, d), country: points[i%3][1], typ: types[i/3%3], role: roles[i/9%3],
				cat: categories[i/27%5], nat: fmt.Sprintf("N%02d", i/135), k: 5}
			f.minor = strings.HasSuffix(f.cat, "minor")
			if f.minor {
				f.k = 10
			}
			if n > 0 && n < uint64(f.k) {
				f.supp = true
			} else {
				f.persons = n - n%uint64(f.k)
			}
			fs = append(fs, f)
		}
	}
	insert(b, conn, cfg.ClickHouse.Database, fs, 1)
	c := Config{From: start, To: start.AddDate(0, 0, daysN), Granularity: "day", Format: "parquet", Dir: b.TempDir()}
	b.ReportAllocs()
	b.ResetTimer()
	var rows int64
	for i := 0; i < b.N; i++ {
		res, err := Export(context.Background(), conn, cfg.ClickHouse.Database, c)
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows() != int64(len(fs)) {
			b.Fatalf("%d rows written of %d", res.Rows(), len(fs))
		}
		rows += res.Rows()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
