package schemas

import "testing"

func BenchmarkDecode(b *testing.B) {
	rec := readLines(b, "testdata/valid.ndjson")[0]
	var d Decoder
	var ev Event
	errs := make(Errors, 0, 8)
	b.ReportAllocs()
	b.SetBytes(int64(len(rec)))
	for b.Loop() {
		errs = errs[:0]
		d.Decode(rec, &ev, &errs)
	}
	if len(errs) > 0 {
		b.Fatal(errs)
	}
}

func BenchmarkValidate(b *testing.B) {
	chk := testChecker(b)
	rec := readLines(b, "testdata/valid.ndjson")[0]
	var ev Event
	errs := make(Errors, 0, 8)
	chk.Decoder.Decode(rec, &ev, &errs)
	b.ReportAllocs()
	for b.Loop() {
		errs = errs[:0]
		chk.Validator.Validate(&ev, &errs)
	}
	if len(errs) > 0 {
		b.Fatal(errs)
	}
}
