// Package bench measures Vigía's speed: the in-memory chain of processors on one core, and
// the whole pipeline through the real Kafka and ClickHouse. `make bench` runs these with the
// per-processor benchmarks and prints medians and ratios against baselines of the same run.
package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"runtime"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/vigia-observatory/vigia/bench/corpus"
	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/internal/wire"
	"github.com/vigia-observatory/vigia/lib/anonymize"
	"github.com/vigia-observatory/vigia/lib/dedupstate"
	"github.com/vigia-observatory/vigia/lib/windowing"
	"github.com/vigia-observatory/vigia/processors/window"
	"github.com/vigia-observatory/vigia/schemas"
)

type chain struct {
	chk   schemas.Checker
	anon  *anonymize.Anonymizer
	state *dedupstate.State
	agg   *windowing.Aggregator
	rep   *window.Repeats
	ev    schemas.Event
	clean wire.CleanEvent
	errs  schemas.Errors
	buf   []byte
}

func newChain(b *testing.B) *chain {
	ps, err := schemas.RegionPoints()
	if err != nil {
		b.Fatal(err)
	}
	keys, _ := secrets.ParseKeyRing("k:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)), 32)
	a, err := anonymize.New(anonymize.Config{Keys: keys, EventKeys: keys})
	if err != nil {
		b.Fatal(err)
	}
	return &chain{chk: schemas.Checker{Validator: &schemas.Validator{Points: ps}}, anon: a,
		state: dedupstate.New(dedupstate.Config{}), agg: windowing.New(windowing.Config{}), rep: window.NewRepeats(), errs: make(schemas.Errors, 0, 8)}
}

// process runs one record through decode, validate, anonymize, encode, dedup and window, as
// the stages do, without Kafka in between.
func (c *chain) process(rec []byte, offset int64) {
	c.errs = c.errs[:0]
	c.chk.Check(rec, "hn-inm", &c.ev, &c.errs)
	if len(c.errs) > 0 {
		panic(c.errs)
	}
	pt, _ := c.chk.Validator.Points.Lookup(c.ev.PointID)
	c.anon.Apply(&c.ev, pt, &c.clean)
	c.buf = c.clean.AppendBinary(c.buf[:0])
	if c.state.Check(c.clean.ExactKey, c.clean.SemanticKey, c.clean.AltKey, c.clean.OccurredAt) == dedupstate.Unique {
		c.state.Add(c.clean.ExactKey, c.clean.SemanticKey, c.clean.AltKey, c.clean.OccurredAt)
		c.clean.Watermark = c.clean.OccurredAt
		if !c.rep.Seen(c.clean.ExactKey, offset) {
			c.agg.Add(&c.clean, offset)
		}
	}
}

// BenchmarkChain is the whole in-memory chain over one pass of the corpus, a fresh chain per
// pass (so repeats are only the corpus's own); run with -cpu 1 for the one-core figure. It
// reports events/s and the cost per event; an op is a pass.
func BenchmarkChain(b *testing.B) {
	recs := corpus.Pass()
	var ms0, ms1 runtime.MemStats
	var events int
	var elapsed time.Duration
	var cpu float64 // seconds, the garbage collector's included: compared with Benthos's
	runtime.ReadMemStats(&ms0)
	for b.Loop() {
		b.StopTimer()
		c := newChain(b)
		b.StartTimer()
		start, cpu0 := time.Now(), selfCPUSeconds()
		for i, rec := range recs {
			c.process(rec, int64(i))
		}
		elapsed += time.Since(start)
		cpu += selfCPUSeconds() - cpu0
		events += len(recs)
	}
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(events)/cpu, "events/cpu-s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(events), "ns/event")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(events), "allocs/event")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(events), "B/event")
}

// BenchmarkChainDuplicates is the duplicate path alone: every record an exact repeat of one
// the chain has already delivered (what the former BenchmarkChain measured after its first
// pass over 65,536 records).
func BenchmarkChainDuplicates(b *testing.B) {
	recs := corpus.Records(1 << 16)
	c := newChain(b)
	for i, rec := range recs {
		c.process(rec, int64(i))
	}
	b.ReportAllocs()
	i := 0
	start := time.Now()
	for b.Loop() {
		c.process(recs[i&(len(recs)-1)], int64(i))
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkBaselineStdlibJSON decodes the same records with encoding/json into a map: the
// baseline the decoder is compared with in the same run.
func BenchmarkBaselineStdlibJSON(b *testing.B) {
	recs := corpus.Records(1 << 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var m map[string]any
		if err := json.Unmarshal(recs[i&(len(recs)-1)], &m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChainFloor is the least any chain of this kind must do, over the same pass: the
// JSON parse alone (fastjson, no field read), and the parse plus the one keyed hash an
// identity needs (HMAC-SHA256 of the document number). It shows what one core of this machine
// allows before validation, deduplication or windows.
func BenchmarkChainFloor(b *testing.B) {
	recs := corpus.Pass()
	key := bytes.Repeat([]byte{9}, 32)
	for _, withHMAC := range []bool{false, true} {
		name := "parse"
		if withHMAC {
			name = "parse+hmac"
		}
		b.Run(name, func(b *testing.B) {
			var p fastjson.Parser
			mac := hmac.New(sha256.New, key)
			var sum [sha256.Size]byte
			var events int
			var elapsed time.Duration
			for b.Loop() {
				start := time.Now()
				for _, rec := range recs {
					v, err := p.ParseBytes(rec)
					if err != nil {
						b.Fatal(err)
					}
					if withHMAC {
						if n := v.GetStringBytes("person", "document", "number"); n != nil {
							mac.Reset()
							mac.Write(n)
							mac.Sum(sum[:0])
						}
					}
				}
				elapsed += time.Since(start)
				events += len(recs)
			}
			b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(events), "ns/event")
		})
	}
}
