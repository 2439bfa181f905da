package publish

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/stream"
	"github.com/vigia-observatory/vigia/schemas"
)

// Config of a publication.
type Config struct {
	// Agency publishing; every record must say so. Required.
	Agency string
	// Topic is the agency's raw topic. Required.
	Topic string
	// Mapping reads CSV files; NDJSON files need none.
	Mapping *Mapping
	// Validator checks every record before it is sent. Required.
	Validator *schemas.Validator
	// Producer sends the good records. Required.
	Producer stream.Producer
	// Progress, when set, shows a progress bar per file.
	Progress io.Writer
	// Batch is the records sent per write. Default 500.
	Batch int
}

// Bad is a record that was not sent, and why.
type Bad struct {
	File                  string
	Line                  int
	Path, Reason, Message string
}

func (b Bad) String() string {
	return fmt.Sprintf("%s:%d: %s: %s: %s", b.File, b.Line, b.Path, b.Reason, b.Message)
}

// Summary is what a publication did.
type Summary struct {
	Read, Sent, Rejected int
	ByReason             map[string]int
	Bad                  []Bad
}

// Files publishes each file in turn: CSV (by extension .csv, through the mapping) or NDJSON.
// A record that fails the contract is listed, never sent; a file that cannot be read stops
// the publication with an error naming it.
func Files(ctx context.Context, cfg Config, paths []string) (Summary, error) {
	s := Summary{ByReason: map[string]int{}}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	for _, p := range paths {
		if err := publishFile(ctx, cfg, p, &s); err != nil {
			return s, err
		}
	}
	return s, nil
}

type line struct {
	n    int
	rec  []byte
	errs schemas.Errors
}

func publishFile(ctx context.Context, cfg Config, path string, s *Summary) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	var r io.Reader = f
	if cfg.Progress != nil {
		st, _ := f.Stat()
		bar := progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(cfg.Progress), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription(filepath.Base(path)), progressbar.OptionClearOnFinish())
		defer bar.Finish()
		r = io.TeeReader(f, bar)
	}
	var batch []kafka.Message
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := cfg.Producer.WriteMessages(ctx, batch...); err != nil {
			return fmt.Errorf("cannot publish %s to %s: %w", path, cfg.Topic, err)
		}
		s.Sent += len(batch)
		batch = batch[:0]
		return nil
	}
	chk := schemas.Checker{Validator: cfg.Validator}
	var ev schemas.Event
	each := func(l line) error {
		s.Read++
		if len(l.errs) == 0 {
			chk.Check(l.rec, cfg.Agency, &ev, &l.errs)
		}
		if len(l.errs) > 0 {
			s.Rejected++
			e := l.errs[0]
			s.ByReason[e.Reason.String()]++
			s.Bad = append(s.Bad, Bad{File: path, Line: l.n, Path: e.Path, Reason: e.Reason.String(), Message: e.Message})
			return nil
		}
		batch = append(batch, kafka.Message{Topic: cfg.Topic, Value: l.rec})
		if len(batch) >= cfg.Batch {
			return flush()
		}
		return nil
	}
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		if cfg.Mapping == nil {
			return fmt.Errorf("%s is a CSV file: give --mapping (see docs/examples/*.mapping.yaml)", path)
		}
		err = readCSV(r, cfg.Mapping, cfg.Agency, each)
	} else {
		err = schemas.EachRecord(r, path, func(n int, rec []byte) error {
			return each(line{n: n, rec: bytes.Clone(rec)})
		})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return flush()
}

func readCSV(r io.Reader, m *Mapping, agency string, each func(line) error) error {
	cr := csv.NewReader(r)
	cr.Comma = rune(m.Delimiter[0])
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("cannot read the header: %w", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	for field, col := range m.Columns {
		if !slices.Contains(header, col) {
			return fmt.Errorf("the mapping reads column %q for %s, which the header lacks (it has: %s)", col, field, strings.Join(header, ", "))
		}
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		n, _ := cr.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if err := each(line{n: pe.Line, errs: schemas.Errors{{Path: "", Reason: schemas.BadFormat, Message: "the CSV line cannot be read: " + pe.Err.Error()}}}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		values := map[string]string{}
		for i, h := range header {
			if i < len(row) {
				values[h] = row[i]
			}
		}
		l := line{n: n}
		rec, err := m.record(agency, values)
		var fe *FieldError
		if errors.As(err, &fe) {
			l.errs = schemas.Errors{{Path: fe.Field, Reason: schemas.BadFormat, Message: fe.Err.Error()}}
		} else if err != nil {
			return err
		} else {
			l.rec, _ = json.Marshal(rec)
		}
		if err := each(l); err != nil {
			return err
		}
	}
}
