package main

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestAwaitStop(t *testing.T) {
	never := make(chan error)
	for _, tc := range []struct {
		name  string
		done  chan error
		again chan os.Signal
		grace <-chan time.Time
		want  error
	}{
		{"flushed in time", func() chan error { c := make(chan error, 1); c <- nil; return c }(), nil, nil, nil},
		{"second signal", never, func() chan os.Signal { c := make(chan os.Signal, 1); c <- syscall.SIGINT; return c }(), nil, exitError{130}},
		{"grace over", never, nil, time.After(time.Millisecond), exitError{1}},
	} {
		got := awaitStop(tc.done, tc.again, tc.grace, zerolog.Nop())
		if !errors.Is(got, tc.want) && got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseStages(t *testing.T) {
	if s, err := parseStages(nil); err != nil || len(s) != len(allStages) || s[len(s)-1] != "notify" {
		t.Fatalf("default %v %v", s, err)
	}
	if s, err := parseStages([]string{"ingest,dedup", "dedup"}); err != nil || len(s) != 2 {
		t.Fatalf("%v %v", s, err)
	}
	if _, err := parseStages([]string{"ingest,surge"}); err == nil {
		t.Fatal("unknown stage accepted")
	}
}

// vigia run without keys stops at once and says which variables to set.
func TestRunWithoutKeysSaysWhatToSet(t *testing.T) {
	t.Setenv("VIGIA_DLQ_KEYS", "")
	t.Setenv("VIGIA_DLQ_KEYS_FILE", "")
	_, errs, code := run(t, "run")
	if code != 2 || !containsAll(errs, "VIGIA_DLQ_KEYS", "head -c 32 /dev/urandom") {
		t.Fatalf("%d %s", code, errs)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
