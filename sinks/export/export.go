package export

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// PackageFile is the name of the Data Package descriptor written beside the files.
const PackageFile = "datapackage.json"

// File is one written file.
type File struct {
	Grain string
	// Name is the file's name in the directory (figures_<grain>.<ext>).
	Name string
	// Rows written, of which Suppressed are suppressed cells.
	Rows, Suppressed int64
	// Persons is the sum of the shown figures (a multiple of 5).
	Persons uint64
	// Bytes and SHA256 (hex) of the file as written.
	Bytes  int64
	SHA256 string
}

// Result is what an export wrote.
type Result struct {
	Dir   string
	Files []File
	// Sources are the agencies that reported events in the range.
	Sources []string
	Created time.Time
}

// Rows is the rows of every file.
func (r Result) Rows() int64 {
	var n int64
	for _, f := range r.Files {
		n += f.Rows
	}
	return n
}

// Bytes is the size of every file (datapackage.json apart).
func (r Result) Bytes() int64 {
	var n int64
	for _, f := range r.Files {
		n += f.Bytes
	}
	return n
}

// Export writes the published figures of database's published layer (<database>_public) for
// c's range and granularity into c.Dir, one file per grain, then datapackage.json. The
// agencies named as sources are read from database's events table (the internal one: the
// export runs with the pipeline's credentials). Files are written under temporary names and
// renamed once complete, so a failed export leaves no partial file behind its final name.
func Export(ctx context.Context, conn driver.Conn, database string, c Config) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, err
	}
	c = c.withDefaults()
	c.From, c.To = c.From.UTC(), c.To.UTC()
	res := Result{Dir: c.Dir, Created: time.Now().UTC().Truncate(time.Second)}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return res, fmt.Errorf("export: cannot create %s: %w", c.Dir, err)
	}
	var err error
	if res.Sources, err = sources(ctx, conn, database, c); err != nil {
		return res, err
	}
	for _, g := range c.Grains() {
		f, err := writeGrain(ctx, conn, chsink.PublicDatabase(database), g, c)
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, f)
	}
	b, err := json.MarshalIndent(newPackage(c, res.Created, res.Sources, res.Files), "", "  ")
	if err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	_, _, err = atomicWrite(c.Dir, PackageFile, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
	return res, err
}

// sources are the agencies with events in the periods exported, a day's margin on either
// side for the points' time zones (a local day is not the UTC day).
func sources(ctx context.Context, conn driver.Conn, database string, c Config) ([]string, error) {
	from, to := c.From.AddDate(0, 0, -1), c.To.AddDate(0, 0, 1)
	switch c.Granularity {
	case "week":
		to = to.AddDate(0, 0, 7) // a week starting before To ends after it
	case "month":
		last := c.To.AddDate(0, 0, -1)
		to = time.Date(last.Year(), last.Month()+1, 2, 0, 0, 0, 0, time.UTC)
	}
	rows, err := conn.Query(ctx, `SELECT DISTINCT agency FROM `+database+`.events WHERE occurred_at >= ? AND occurred_at < ? ORDER BY agency`, from, to)
	if err != nil {
		return nil, fmt.Errorf("export: cannot read the agencies that reported in the range: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("export: cannot read the agencies that reported in the range: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// writeGrain streams one grain's figures into its file, c.BatchRows rows at a time, in a
// stable order (period, place, breakdown), so the same figures make the same file and hash.
// ClickHouse sorts them (aggregates: a year of country days is a few million rows at most);
// the client holds one batch.
func writeGrain(ctx context.Context, conn driver.Conn, public, grain string, c Config) (File, error) {
	f := File{Grain: grain, Name: "figures_" + grain + "." + formats[c.Format].ext}
	fail := func(err error) (File, error) {
		return f, fmt.Errorf("export: %s: %w", f.Name, err)
	}
	sch := schema(grain)
	mem := memory.NewGoAllocator()
	var err error
	f.Bytes, f.SHA256, err = atomicWrite(c.Dir, f.Name, func(w io.Writer) error {
		out, err := newSink(c.Format, w, sch, mem, c.BatchRows)
		if err != nil {
			return err
		}
		rows, err := conn.Query(ctx, `SELECT period_start, point_id, country, toString(type), toString(role), toString(category),
			minor, nationality, persons, suppressed, k
			FROM `+public+`.figures FINAL
			WHERE grain = ? AND period_start >= ? AND period_start < ?
			ORDER BY period_start, country, point_id, type, role, category, minor, nationality`, grain, c.From, c.To)
		if err != nil {
			return fmt.Errorf("cannot read %s.figures: %w", public, err)
		}
		defer rows.Close()
		b := array.NewRecordBuilder(mem, sch)
		defer b.Release()
		var (
			start, point, country, typ, role, cat, nat = b.Field(0), b.Field(1).(*array.StringBuilder), b.Field(2).(*array.StringBuilder),
				b.Field(3).(*array.StringBuilder), b.Field(4).(*array.StringBuilder), b.Field(5).(*array.StringBuilder), b.Field(7).(*array.StringBuilder)
			minor, persons, supp, k = b.Field(6).(*array.BooleanBuilder), b.Field(8).(*array.Uint64Builder), b.Field(9).(*array.BooleanBuilder), b.Field(10).(*array.Uint8Builder)
		)
		appendStart := func(t time.Time) { start.(*array.Date32Builder).Append(arrow.Date32FromTime(t)) }
		if grain == "point_hour" {
			appendStart = func(t time.Time) { start.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMilli())) }
		}
		var (
			r       row
			inBatch int
		)
		flush := func() error {
			rec := b.NewRecordBatch()
			defer rec.Release()
			inBatch = 0
			return out.write(rec)
		}
		for rows.Next() {
			if err := rows.Scan(&r.start, &r.point, &r.country, &r.typ, &r.role, &r.cat, &r.minor, &r.nat, &r.persons, &r.supp, &r.k); err != nil {
				return fmt.Errorf("cannot read %s.figures: %w", public, err)
			}
			appendStart(r.start)
			point.Append(r.point)
			country.Append(r.country)
			typ.Append(r.typ)
			role.Append(r.role)
			cat.Append(r.cat)
			minor.Append(r.minor != 0)
			nat.Append(r.nat)
			if r.supp != 0 {
				persons.AppendNull()
				f.Suppressed++
			} else {
				persons.Append(r.persons)
				f.Persons += r.persons
			}
			supp.Append(r.supp != 0)
			k.Append(r.k)
			f.Rows++
			if inBatch++; inBatch == c.BatchRows {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("cannot read %s.figures: %w", public, err)
		}
		if inBatch > 0 {
			if err := flush(); err != nil {
				return err
			}
		}
		return out.close()
	})
	if err != nil {
		return fail(err)
	}
	return f, nil
}

// row is one row of the figures table as read.
type row struct {
	start                               time.Time
	point, country, typ, role, cat, nat string
	minor, supp, k                      uint8
	persons                             uint64
}

// sink writes record batches in one format.
type sink interface {
	write(arrow.RecordBatch) error
	close() error
}

func newSink(format string, w io.Writer, sch *arrow.Schema, mem memory.Allocator, batchRows int) (sink, error) {
	switch format {
	case "parquet":
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithAllocator(mem),
			parquet.WithDictionaryDefault(true), parquet.WithMaxRowGroupLength(int64(batchRows)))
		fw, err := pqarrow.NewFileWriter(sch, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(mem)))
		if err != nil {
			return nil, err
		}
		return parquetSink{fw}, nil
	case "arrow":
		fw, err := ipc.NewFileWriter(w, ipc.WithSchema(sch), ipc.WithAllocator(mem))
		if err != nil {
			return nil, err
		}
		return ipcSink{fw}, nil
	case "csv":
		cw := csv.NewWriter(w, sch, csv.WithHeader(true), csv.WithNullWriter(""),
			csv.WithCustomTypeConverter(func(typ arrow.DataType, col arrow.Array) ([]string, bool) {
				ts, ok := col.(*array.Timestamp)
				if !ok {
					return nil, false
				}
				out := make([]string, ts.Len())
				for i := range out {
					if ts.IsValid(i) {
						out[i] = time.UnixMilli(int64(ts.Value(i))).UTC().Format(time.RFC3339) // Table Schema's datetime
					}
				}
				return out, true
			}))
		return &csvSink{w: cw, sch: sch, mem: mem}, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

type parquetSink struct{ w *pqarrow.FileWriter }

func (s parquetSink) write(r arrow.RecordBatch) error { return s.w.Write(r) }
func (s parquetSink) close() error                    { return s.w.Close() }

type ipcSink struct{ w *ipc.FileWriter }

func (s ipcSink) write(r arrow.RecordBatch) error { return s.w.Write(r) }
func (s ipcSink) close() error                    { return s.w.Close() }

type csvSink struct {
	w       *csv.Writer
	sch     *arrow.Schema
	mem     memory.Allocator
	written bool
}

func (s *csvSink) write(r arrow.RecordBatch) error { s.written = true; return s.w.Write(r) }

// close writes the header of a file with no rows (the writer writes it with the first batch).
func (s *csvSink) close() error {
	if !s.written {
		b := array.NewRecordBuilder(s.mem, s.sch)
		defer b.Release()
		rec := b.NewRecordBatch()
		defer rec.Release()
		if err := s.w.Write(rec); err != nil {
			return err
		}
	}
	return s.w.Flush()
}

// atomicWrite writes dir/name through fill under a temporary name, syncs it and renames it,
// and returns the size and SHA-256 (hex) of what was written.
func atomicWrite(dir, name string, fill func(io.Writer) error) (size int64, sum string, err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return 0, "", fmt.Errorf("export: cannot write in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buf := bufio.NewWriterSize(tmp, 1<<20)
	cw := &countingWriter{w: buf, h: sha256.New()}
	if err := fill(cw); err != nil {
		return 0, "", err
	}
	if err := buf.Flush(); err != nil {
		return 0, "", err
	}
	if err := errors.Join(tmp.Chmod(0o644), tmp.Sync(), tmp.Close()); err != nil {
		return 0, "", err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return 0, "", err
	}
	return cw.n, hex.EncodeToString(cw.h.Sum(nil)), nil
}

// countingWriter counts and hashes what passes through it.
type countingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}
