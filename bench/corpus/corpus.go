// Package corpus generates the records the speed benchmarks share: the in-memory chain, the
// end-to-end runs and the Benthos chain in its own module (bench/benthos) measure the same
// records, so their ratios compare like with like.
package corpus

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Records returns n realistic agency records: 70% carry a person's identity (names and a
// passport), 10% are aggregates, the rest anonymous persons; times advance over a week.
func Records(n int) [][]byte {
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

// PassRecords is the records of one pass of BenchmarkChain and of the Benthos chain beside
// it: a million distinct records shaped like real ones (Records), one in ten of them an exact repeat of a recent one (an
// agency's retry), so the chain meets the duplicate path as often as production does and
// no more.
const PassRecords = 1_000_000

// Pass is one pass's records, made once per process.
var Pass = sync.OnceValue(func() [][]byte {
	recs := Records(PassRecords)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 1; i < len(recs); i++ {
		if r.IntN(10) == 0 {
			recs[i] = recs[i-1-r.IntN(min(i, 1000))]
		}
	}
	return recs
})
