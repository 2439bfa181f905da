// Package bench measures Vigía's speed: the in-memory chain of processors on one core, and
// the whole pipeline through the real Kafka and ClickHouse. `make bench` runs these with the
// per-processor benchmarks and prints medians and ratios against baselines of the same run.
package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/lib/dedupstate"

	"github.com/vigia-observatory/vigia/lib/windowing"

	"github.com/vigia-observatory/vigia/internal/wire"

	"github.com/vigia-observatory/vigia/internal/secrets"
	"github.com/vigia-observatory/vigia/lib/anonymize"
	"github.com/vigia-observatory/vigia/schemas"
)

// records returns n realistic agency records: 70% carry a person's identity (names, document,
// birth date), 10% are aggregates, the rest anonymous persons; times advance over a week.
func records(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	points := []string{"hnd-agua-caliente", "hnd-corinto", "gtm-tecun-uman", "pan-lajas-blancas", "mex-ciudad-hidalgo", "usa-bp-el-paso"}
	t0 := time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)
	out := make([][]byte, n)
	for i := range out {
		rec := map[string]any{"schema_version": 1, "event_id": fmt.Sprintf("ev-%09d", i), "agency": "hn-inm",
			"type": "crossing", "direction": "entry", "point_id": points[r.IntN(len(points))],
			"occurred_at": t0.Add(time.Duration(i) * 7 * 24 * time.Hour / time.Duration(n)).Format(time.RFC3339)}
		p := map[string]any{"nationality": []string{"VEN", "HND", "HTI", "ECU"}[r.IntN(4)], "sex": "female", "age": r.IntN(70)}
		switch k := r.IntN(10); {
		case k < 7:
			p["given_names"], p["family_names"] = fmt.Sprintf("Nombre%d", i), fmt.Sprintf("Apellido%d", i)
			p["document"] = map[string]any{"type": "passport", "number": fmt.Sprintf("P%08d", i), "country": p["nationality"]}
		case k == 7:
			rec["count"] = 2 + r.IntN(30)
			delete(p, "age")
		}
		rec["person"] = p
		out[i], _ = json.Marshal(rec)
	}
	return out
}

type chain struct {
	chk   schemas.Checker
	anon  *anonymize.Anonymizer
	state *dedupstate.State
	agg   *windowing.Aggregator
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
		state: dedupstate.New(dedupstate.Config{}), agg: windowing.New(windowing.Config{}), errs: make(schemas.Errors, 0, 8)}
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
		c.agg.Add(&c.clean, offset)
	}
}

// passRecords is the records of one pass of BenchmarkChain: a million distinct records
// shaped like real ones (records), one in ten of them an exact repeat of a recent one (an
// agency's retry), so the chain meets the duplicate path as often as production does and
// no more.
const passRecords = 1_000_000

var corpus = sync.OnceValue(func() [][]byte {
	recs := records(passRecords)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 1; i < len(recs); i++ {
		if r.IntN(10) == 0 {
			recs[i] = recs[i-1-r.IntN(min(i, 1000))]
		}
	}
	return recs
})

// BenchmarkChain is the whole in-memory chain over one pass of the corpus, a fresh chain per
// pass (so repeats are only the corpus's own); run with -cpu 1 for the one-core figure. It
// reports events/s and the cost per event; an op is a pass.
func BenchmarkChain(b *testing.B) {
	recs := corpus()
	var ms0, ms1 runtime.MemStats
	var events int
	var elapsed time.Duration
	runtime.ReadMemStats(&ms0)
	for b.Loop() {
		b.StopTimer()
		c := newChain(b)
		b.StartTimer()
		start := time.Now()
		for i, rec := range recs {
			c.process(rec, int64(i))
		}
		elapsed += time.Since(start)
		events += len(recs)
	}
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(events), "ns/event")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(events), "allocs/event")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(events), "B/event")
}

// BenchmarkChainDuplicates is the duplicate path alone: every record an exact repeat of one
// the chain has already delivered (what the former BenchmarkChain measured after its first
// pass over 65,536 records).
func BenchmarkChainDuplicates(b *testing.B) {
	recs := records(1 << 16)
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
	recs := records(1 << 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var m map[string]any
		if err := json.Unmarshal(recs[i&(len(recs)-1)], &m); err != nil {
			b.Fatal(err)
		}
	}
}
