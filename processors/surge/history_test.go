package surge

import (
	"testing"
	"time"
)

func TestHistoryJudgesTheNewestPeriod(t *testing.T) {
	h, err := NewHistory(DefaultDetector(), Daily)
	if err != nil {
		t.Fatal(err)
	}
	k := SeriesKey{Resolution: Daily, PointID: "pan-lajas-blancas", Type: "crossing", Role: "transit", Population: "all"}
	d0 := time.Date(2023, 8, 1, 5, 0, 0, 0, time.UTC) // a local midnight in Panama
	base := []float64{100, 104, 98, 101, 99, 103, 97, 100, 102}
	h.Warm(k, d0, base)
	if _, ok, err := h.Add(k, d0.AddDate(0, 0, 9), 101); !ok || err != nil {
		t.Fatalf("ordinary day not judged: %v %v", ok, err)
	}
	// Day 10 has no events (no window closed): it counts as 0 when day 11 arrives.
	v, ok, err := h.Add(k, d0.AddDate(0, 0, 11), 300)
	if !ok || err != nil || !v.Alarm || v.Observed != 300 {
		t.Fatalf("surge after a quiet day: %+v %v %v", v, ok, err)
	}
	// A re-emission of the newest day replaces it and is judged again.
	if v, ok, _ := h.Add(k, d0.AddDate(0, 0, 11), 100); !ok || v.Alarm {
		t.Fatalf("re-emission: %+v", v)
	}
	if _, _, err := h.Add(k, d0.AddDate(0, 0, 3), 5); err == nil {
		t.Fatal("an old period was accepted")
	}
	if _, _, err := h.Add(k, d0.AddDate(0, 0, 12).Add(time.Hour), 5); err == nil {
		t.Fatal("a time that is not a period start was accepted")
	}
	// Too short a history is not judged.
	other := k
	other.PointID = "pan-paso-canoas"
	if _, ok, _ := h.Add(other, d0, 50); ok {
		t.Fatal("a one-day series was judged")
	}
}

func TestHistoryIsBounded(t *testing.T) {
	h, _ := NewHistory(DefaultDetector(), Monthly)
	k := SeriesKey{Resolution: Monthly, Country: "HND", Role: "transit", Population: "all"}
	m0 := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 200; i++ {
		if _, _, err := h.Add(k, m0.AddDate(0, i, 0), 100); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.series[k.String()].n); n != h.Keep {
		t.Fatalf("%d periods kept, want %d", n, h.Keep)
	}
}
