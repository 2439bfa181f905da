package main

import (
	"strings"
	"testing"
)

func TestReadGroupsByBenchmarkAndUnit(t *testing.T) {
	t.Parallel()
	out := `goos: linux
goarch: amd64
pkg: github.com/vigia-observatory/vigia/bench
BenchmarkChain-2   	  100000	      1800 ns/op	    554707 events/s	     120 B/op	       2 allocs/op
BenchmarkChain-2   	  100000	      1700 ns/op	    600000 events/s	     120 B/op	       2 allocs/op
BenchmarkEndToEnd  	       1	 9000000000 ns/op	     93999 events/s	       734.0 p50-ms
BenchmarkEndToEnd/broker=sasl_ssl-2  	       1	 9000000000 ns/op	     39000 events/s
BenchmarkEndToEnd/broker=plaintext-2 	       1	 9000000000 ns/op	     41000 events/s
PASS
`
	runs, err := read(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := runs["Chain"]["events/s"]; len(got) != 2 || got[0] != 554707 || got[1] != 600000 {
		t.Fatalf("Chain events/s %v", got)
	}
	if got := runs["Chain"]["ns/op"]; len(got) != 2 || got[0] != 1800 {
		t.Fatalf("Chain ns/op %v: the table reads units as the benchmark wrote them", got)
	}
	if got := runs["EndToEnd"]["p50-ms"]; len(got) != 1 || got[0] != 734 {
		t.Fatalf("EndToEnd p50-ms %v (all %v)", got, runs)
	}
	// Sub-benchmarks stay apart: the secured and the plaintext broker are compared.
	if s, p := runs["EndToEnd/broker=sasl_ssl"]["events/s"], runs["EndToEnd/broker=plaintext"]["events/s"]; len(s) != 1 || s[0] != 39000 || len(p) != 1 || p[0] != 41000 {
		t.Fatalf("sub-benchmarks: %v", runs)
	}
}
