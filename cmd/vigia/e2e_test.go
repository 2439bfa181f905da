package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
	"github.com/vigia-observatory/vigia/internal/wire"
)

// TestEndToEnd publishes ~21,000 records from three agencies and checks the whole result:
// the unique events in ClickHouse, every window count, every malformed record in the DLQ
// with its reason, and no PII anywhere.
func TestEndToEnd(t *testing.T) {
	e := newE2E(t)
	stop := e.runInProcess()
	defer stop()
	e.publish(e.ds.phase1)
	e.waitFor("events after phase 1", e.eventsQuery(), e.expectedEvents(1), 3*time.Minute)
	rewritten := e.rewriteClean(300)
	e.publish(e.ds.phase2) // late within lateness, and too late
	e.waitFor("events after phase 2", e.eventsQuery(), e.expectedEvents(2), 2*time.Minute)
	e.waitWindows(time.Minute)
	e.checkNeeds(time.Minute)
	tooLate := e.metric(`vigia_window_too_late_total{resolution="hour"}`)
	// At least: a rebalance replays and judges the rewrites again, and a real retry adds its
	// own. Exact windows and needs (checked here) show no other record was taken for one.
	if got := e.metric(`vigia_duplicates_total{kind="rewritten"}`); int(got) < rewritten {
		t.Errorf("%v records written twice to vigia.clean were recognised, want %d", got, rewritten)
	}
	stop()
	e.checkEvents()
	e.checkWindows()
	e.checkDLQ(true)
	e.checkNoPII()
	e.checkUnlinkable()
	e.checkEventLookup()
	if int(tooLate) != e.ds.tooLate {
		t.Errorf("too_late metric %v, want %d", tooLate, e.ds.tooLate)
	}
	if e.ds.formPairs == 0 {
		t.Error("the dataset has no pair told with a document by one agency and names only by the other")
	}
	t.Logf("%d records published, %d unique events, %d windows, %d malformed, %d cross-agency pairs (%d across identity forms)", len(e.ds.phase1)+len(e.ds.phase2), e.expectedEvents(2), len(e.ds.windows), len(e.ds.malformed), len(e.ds.pairs), e.ds.formPairs)
}

// rewriteClean writes the last n events of each clean partition to it again, as kafka-go does
// when a broker is lost after writing a batch but before answering: the window stage must
// count each once (TestClusterBrokerKilled found them counted twice). It returns how many.
func (e *e2e) rewriteClean(n int) int {
	e.t.Helper()
	clean := topics.Names{Prefix: e.cfg.Kafka.TopicPrefix}.Clean()
	byPart := map[int][]kafka.Message{}
	for _, m := range e.readTopic(clean) {
		if _, marker := wire.Marker(m.Value); !marker {
			byPart[m.Partition] = append(byPart[m.Partition], kafka.Message{Partition: m.Partition, Key: m.Key, Value: m.Value})
		}
	}
	var again []kafka.Message
	for _, msgs := range byPart {
		again = append(again, msgs[max(0, len(msgs)-n):]...)
	}
	w := e.kafka.Writer(kclient.WriterConfig{Topic: clean, BatchTimeout: 5 * time.Millisecond,
		Balancer: kafka.BalancerFunc(func(m kafka.Message, _ ...int) int { return m.Partition })})
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e.write(ctx, w, again)
	return len(again)
}

// TestCrashRecovery kills the process (SIGKILL) in the middle of the stream and starts it
// again: no loss, no duplicate row, the same window counts.
func TestCrashRecovery(t *testing.T) {
	e := newE2E(t)
	first := e.start("first")
	half := len(e.ds.phase1) / 2
	e.publish(e.ds.phase1[:half])
	e.waitFor("some events before the crash", e.eventsQuery(), e.expectedEvents(1)/5, 3*time.Minute)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	second := e.start("second")
	e.publish(e.ds.phase1[half:])
	e.waitFor("events after phase 1", e.eventsQuery(), e.expectedEvents(1), 3*time.Minute)
	if n := rebuiltRecords(e.procLogs["second"].String()); n == 0 {
		t.Error("the restarted process rebuilt no dedup state: the crash happened before any output")
	}
	// Phase 2 is 300 late events then 300 too late for the stream, whose windows the store
	// stage recounts: killed again in the middle of the too-late ones.
	cut := len(e.ds.phase2) * 3 / 4
	e.publish(e.ds.phase2[:cut])
	e.waitFor("some too-late events", e.eventsQuery(), e.expectedEvents(1)+uint64(cut)*9/10, 2*time.Minute)
	if err := second.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = second.Wait()
	e.start("third")
	e.publish(e.ds.phase2[cut:])
	e.checkAll(false)
}

// TestHandover runs two processes in one consumer group; stopping one (SIGTERM) hands its
// partitions and its dedup state to the other, with the same final result.
func TestHandover(t *testing.T) {
	e := newE2E(t)
	a := e.start("a")
	e.start("b")
	half := len(e.ds.phase1) / 2
	e.publish(e.ds.phase1[:half])
	e.waitFor("some events before the handover", e.eventsQuery(), e.expectedEvents(1)/5, 3*time.Minute)
	if err := a.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("process a did not exit 0 after SIGTERM: %v", err)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("process a did not stop within 45s of SIGTERM")
	}
	e.finish(e.ds.phase1[half:])
	if rebuiltRecords(e.procLogs["b"].String()) == 0 {
		t.Error("process b rebuilt no dedup state: a's partitions were not handed over with their state")
	}
}

// finish publishes the rest of phase 1, then phase 2 once phase 1 is stored, and checks the
// whole result as a run without interruption would give it (the DLQ at least once).
func (e *e2e) finish(rest []pub) {
	e.t.Helper()
	e.publish(rest)
	e.waitFor("events after phase 1", e.eventsQuery(), e.expectedEvents(1), 3*time.Minute)
	e.publish(e.ds.phase2)
	e.checkAll(false)
}

// checkAll waits for every event and window, then checks them all, the DLQ and the absence
// of personal data.
func (e *e2e) checkAll(exactlyOnceDLQ bool) {
	e.t.Helper()
	e.waitFor("events after phase 2", e.eventsQuery(), e.expectedEvents(2), 2*time.Minute)
	e.waitWindows(time.Minute)
	e.checkEvents()
	e.checkWindows()
	e.checkNeeds(time.Minute)
	e.checkDLQ(exactlyOnceDLQ)
	e.checkNoPII()
	e.checkUnlinkable()
}

// TestClickHouseOutage cuts ClickHouse off in the middle of the stream: consumption backs up
// (the store stage stops committing), inserts are retried, and once ClickHouse is back every
// event and window arrives, nothing lost and nothing doubled.
func TestClickHouseOutage(t *testing.T) {
	e := newE2E(t)
	proxy := testenv.NewProxy(t, e.cfg.ClickHouse.Addr[0])
	e.cfg.ClickHouse.Addr = []string{proxy.Addr}
	stop := e.runInProcess()
	defer stop()
	half := len(e.ds.phase1) / 2
	e.publish(e.ds.phase1[:half])
	e.waitFor("some events before the outage", e.eventsQuery(), e.expectedEvents(1)/5, 3*time.Minute)
	proxy.Down()
	e.publish(e.ds.phase1[half:])
	testenv.Eventually(t, time.Minute, func() error {
		if r := e.metric(`vigia_retries_total{reason="events",stage="clickhouse"}`) + e.metric(`vigia_retries_total{reason="windows",stage="clickhouse"}`); r == 0 {
			return errors.New("no insert was retried while ClickHouse was unreachable")
		}
		return nil
	})
	proxy.Up(t)
	defer func() { // the pipeline's warnings explain a failure here
		if t.Failed() || os.Getenv("VIGIA_E2E_VERBOSE") != "" {
			for _, l := range strings.Split(e.logs.String(), "\n") {
				if strings.Contains(l, `"level":"warn"`) || strings.Contains(l, `"level":"error"`) {
					t.Log(l)
				}
			}
		}
	}()
	e.finish(nil)
	stop()
}
