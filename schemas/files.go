package schemas

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/valyala/fastjson"
)

// EachRecord reads an agency's file and calls fn with each record and its line number: a
// `.json` file is one object or an array of them (numbered from 1 in place of lines); any
// other file is NDJSON, one record per non-blank line. A line longer than
// DefaultMaxRecordBytes is passed on as that many spaces plus one, so the checker reports
// too_large for that line instead of the reader failing. rec is valid only during fn. The
// first error fn returns stops the reading and is returned.
func EachRecord(r io.Reader, name string, fn func(line int, rec []byte) error) error {
	if strings.EqualFold(filepath.Ext(name), ".json") {
		return eachJSONRecord(r, name, fn)
	}
	return eachLine(r, name, fn)
}

func eachLine(r io.Reader, name string, fn func(int, []byte) error) error {
	br := bufio.NewReaderSize(r, DefaultMaxRecordBytes+2)
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if err := fn(line, tooLarge); err != nil {
				return err
			}
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err == io.EOF {
				return nil
			}
			continue
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			if err := fn(line, t); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", name, err)
		}
	}
}

// tooLarge stands for a line over the record limit.
var tooLarge = bytes.Repeat([]byte{' '}, DefaultMaxRecordBytes+1)

func eachJSONRecord(r io.Reader, name string, fn func(int, []byte) error) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", name, err)
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(b)
	if err != nil || v.Type() != fastjson.TypeArray {
		return fn(1, bytes.TrimSpace(b)) // one record, or what the checker will call malformed
	}
	var buf []byte
	for i, el := range v.GetArray() {
		buf = el.MarshalTo(buf[:0])
		if err := fn(i+1, buf); err != nil {
			return err
		}
	}
	return nil
}
