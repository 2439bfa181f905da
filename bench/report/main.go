// Command report turns `go test -bench` output (several -count runs) into the table that
// `make bench` prints: medians per benchmark, ratios against the baselines measured in the
// same run, and the targets of the speed issue.
package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"golang.org/x/perf/benchfmt"
)

type samples map[string][]float64 // unit -> values

// read collects every result of the benchmark output in r by benchmark (its base name,
// without "Benchmark" and the GOMAXPROCS suffix) and unit, with golang.org/x/perf/benchfmt,
// the parser of the standard benchmark format.
func read(r io.Reader) (map[string]samples, error) {
	runs := map[string]samples{}
	br := benchfmt.NewReader(r, "bench output")
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue // a configuration line, or a syntax error the table can do without
		}
		// The base name and its sub-benchmarks ("EndToEnd/broker=plaintext"), without -procs.
		base, parts := res.Name.Parts()
		name := string(base)
		for _, p := range parts {
			if len(p) > 0 && p[0] == '/' {
				name += string(p)
			}
		}
		if runs[name] == nil {
			runs[name] = samples{}
		}
		for _, v := range res.Values {
			// benchfmt tidies units (ns/op becomes sec/op); the table speaks the originals.
			unit, value := v.Unit, v.Value
			if v.OrigUnit != "" {
				unit, value = v.OrigUnit, v.OrigValue
			}
			runs[name][unit] = append(runs[name][unit], value)
		}
	}
	return runs, br.Err()
}

func main() {
	runs, err := read(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot read the benchmark output:", err)
		os.Exit(1)
	}
	med := func(name, unit string) (float64, int) {
		v := runs[name][unit]
		if len(v) == 0 {
			return 0, 0
		}
		s := slices.Clone(v)
		slices.Sort(s)
		return s[len(s)/2], len(s)
	}
	fmt.Println("| stage | ns/event | allocs/event | B/event | runs |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, r := range [][2]string{{"decode (schemas.Decoder)", "Decode"}, {"validate (schemas.Validator)", "Validate"},
		{"anonymize (HMAC-SHA256 x3, bands, roles)", "Apply"}, {"dedup (state check + add)", "StateCheckAdd"},
		{"window (hour + local day)", "Add"}, {"window's repeat check (a full span of 32,768 offsets)", "Repeats"}, {"whole in-memory chain, one pass of 1,000,000 distinct records", "Chain"},
		{"the duplicate path alone (exact repeats)", "ChainDuplicates"}, {"baseline: encoding/json into a map", "BaselineStdlibJSON"}} {
		ns, n := med(r[1], "ns/op")
		al, _ := med(r[1], "allocs/op")
		by, _ := med(r[1], "B/op")
		if pe, ok := med(r[1], "ns/event"); ok > 0 { // an op is a pass: per event
			ns, n = pe, ok
			al, _ = med(r[1], "allocs/event")
			by, _ = med(r[1], "B/event")
		}
		if n > 0 {
			fmt.Printf("| %s | %.0f | %.0f | %.0f | %d |\n", r[0], ns, al, by, n)
		}
	}
	fmt.Println()
	chain, _ := med("Chain", "events/s")
	dec, _ := med("Decode", "ns/op")
	std, _ := med("BaselineStdlibJSON", "ns/op")
	bpk, nb := med("StateBytesPerKey", "bytes/key")
	const secured, plaintext = "EndToEnd/broker=sasl_ssl", "EndToEnd/broker=plaintext"
	e2e, ne := med(secured, "events/s")
	p50, _ := med(secured, "p50-ms")
	p99, _ := med(secured, "p99-ms")
	kafka, nk := med("BaselineKafkaRoundTrip", "events/s")
	fmt.Println("| figure | median | target | ratio in the same run |")
	fmt.Println("|---|---:|---:|---|")
	if chain > 0 {
		fmt.Printf("| in-memory chain, one core, one pass of 1,000,000 distinct records | %.0f events/s | 1,000,000 | decoder %.1fx faster than encoding/json |\n", chain, std/dec)
	}
	if bt, n := med("BenthosChain", "events/cpu-s"); n > 0 {
		v, _ := med("Chain", "events/cpu-s")
		fmt.Printf("| Benthos core 4.60, the same chain on the same records (parse, dedupe, HMAC pseudonym, age band, fields removed) | %.0f events/CPU-s | | Vigía's chain %.0f events/CPU-s: %.1fx Benthos |\n", bt, v, v/bt)
	}
	if nb > 0 {
		fmt.Printf("| dedup state | %.1f bytes/key | 38 | |\n", bpk)
	}
	if small, n := med("StateSteady/keys=100000", "ns/op"); n > 0 {
		big, _ := med("StateSteady/keys=1000000", "ns/op")
		fmt.Printf("| dedup state, a steady stream, per record with expiry, 1,000,000 keys held | %.0f ns | no growth with keys | %.2fx the cost with 100,000 held (%.0f ns); sweeping every key each event-hour cost 10,000 ns at both |\n", big, big/small, small)
	}
	if ne > 0 {
		ratio := ""
		if nk > 0 {
			ratio = fmt.Sprintf("%.0f%% of a bare Kafka round trip (%.0f events/s)", 100*e2e/kafka, kafka)
		}
		fmt.Printf("| end to end, Kafka (SASL_SSL, SCRAM-SHA-512) -> ClickHouse | %.0f events/s | 200,000 | %s |\n", e2e, ratio)
		if plain, np := med(plaintext, "events/s"); np > 0 {
			fmt.Printf("| the same on a plaintext broker (the cost of TLS and SCRAM) | %.0f events/s | | secured %.2fx plaintext (%.1f%% %s) |\n",
				plain, e2e/plain, 100*math.Abs(1-e2e/plain), map[bool]string{true: "slower", false: "faster"}[e2e < plain])
		}
		if floor, nf := med("BaselineNoProduct", "events/s"); nf > 0 {
			fmt.Printf("| the floor with no product: one plain consumer, encoding/json, MergeTree batches | %.0f events/s | | the pipeline %.2fx the floor |\n", floor, e2e/floor)
		}
		fmt.Printf("| publish -> queryable under load | p50 %.0f ms, p99 %.0f ms | | %d runs |\n", p50, p99, ne)
		v, _ := med(secured, "vigia-cpu-s")
		k, _ := med(secured, "kafka-cpu-s")
		c, _ := med(secured, "clickhouse-cpu-s")
		pub, _ := med(secured, "publisher-cpu-s")
		all, _ := med(secured, "machine-cpu-s")
		if all > 0 {
			fmt.Printf("| CPU-seconds during the end-to-end run | vigia %.1f, Kafka %.1f, ClickHouse %.1f, publisher %.1f | | of %.1f the cores offered |\n", v, k, c, pub, all)
		}
	}
	if rep, n := med("IdentityMerges", "repeats-detected-%"); n > 0 {
		fm, _ := med("IdentityMerges", "false-merge-%")
		sh, _ := med("IdentityMerges", "shared-identity-%")
		cv, _ := med("IdentityMerges", "caravan-false-merge-%")
		fmt.Printf("| repeats told with a document by one agency and names + birth date by another, detected | %.1f%% | 100%% | false merges %.3f%% of 200,000 people at 20 points in 30 days (%.2f%% share names and birth date with someone), %.3f%% of 20,000 at one point in one day |\n", rep, fm, sh, cv)
	}
	if ord, n := med("LateBatch", "ordered-events/s"); n > 0 {
		shuf, _ := med("LateBatch", "shuffled-events/s")
		fmt.Printf("| a 7-day batch shuffled (most records too late for the stream, windows recounted from storage) | %.0f events/s | | %.2fx the same batch in time order (%.0f events/s) |\n", shuf, shuf/ord, ord)
	}
	if live, n := med("LivePeriod", "ns/op"); n > 0 {
		ears, _ := med("EARSPeriod", "ns/op")
		fmt.Printf("| detector, one series and period (live C2, 28 days, Poisson floor, 3 levels) | %.0f ns | | R-exact EARS C3 on a monthly series: %.0f ns |\n", live, ears)
	}
	if js, n := med("JudgeDay", "ns/series"); n > 0 {
		series, _ := med("JudgeDay", "series")
		fmt.Printf("| judging a day, per series (series built from window totals, %.0f series) | %.0f ns | | |\n", series, js)
	}
	if rv, n := med("ReviseMonth", "ns/series-period"); n > 0 {
		js, _ := med("JudgeDay", "ns/series")
		fmt.Printf("| judging again after a month-old correction, per series and period (replay and compare with the alerts published) | %.0f ns | | a month of one series: %.2f judged days |\n", rv, 30*rv/js)
	}
	if ex, n := med("ExportParquet", "rows/s"); n > 0 {
		fmt.Printf("| open-data export, published figures -> Parquet (zstd) | %.0f rows/s | | 200,000 distinct rows, %d runs |\n", ex, n)
	}
	if pt, n := med("PublishTurn", "publish-ns/window"); n > 0 {
		ins, _ := med("PublishTurn", "insert-ns/window")
		fmt.Printf("| published layer upkeep per window change (recount, protect, write) | %.0f µs | | %.1fx the insert of that window (%.0f µs) |\n", pt/1e3, pt/ins, ins/1e3)
	}
	if rss, n := med("Flood/budget=256MiB", "peak-rss-MiB"); n > 0 {
		big, _ := med("Flood/budget=1024MiB", "peak-rss-MiB")
		fmt.Printf("| a backlog of 1,500 junk records of 900 KB over six raw partitions, all rejected too_large: peak RSS | %.0f MiB | under the 256 MiB budget | %.0f MiB with the default 1,024 MiB budget; 1,160 MiB before bytes bounded the read-ahead |\n", rss, big)
	}
	for _, rate := range []string{"5000", "10000"} {
		if p99, n := med("LatencyFixedRate/rate="+rate, "p99-ms"); n > 0 {
			p50, _ := med("LatencyFixedRate/rate="+rate, "p50-ms")
			fmt.Printf("| publish -> queryable at a steady %s events/s (not at saturation) | p50 %.0f ms, p99 %.0f ms | p99 under 1,000 ms at 50,000 events/s | %d runs |\n", rate, p50, p99, n)
		}
	}
	if fl, n := med("ChainFloor/parse", "events/s"); n > 0 {
		fh, _ := med("ChainFloor/parse+hmac", "events/s")
		fmt.Printf("| the floor of any such chain on one core: the JSON parse alone (fastjson) over the same pass | %.0f events/s | | with one HMAC-SHA256 per identity: %.0f events/s |\n", fl, fh)
	}
	if al, n := med("AlertLatency", "alert-ms"); n > 0 {
		mx, _ := med("AlertLatency", "alert-max-ms")
		fmt.Printf("| window close -> signed webhook | %.0f ms (slowest alert of a run: %.0f ms, median over runs) | 1,000 ms | %d runs of 3 alerts |\n", al, mx, n)
	}
}
