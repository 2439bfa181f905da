//go:build cluster

// The cluster tests (make test-cluster, which make test calls): the end-to-end scenario on two
// ClickHouse replicas and three Kafka brokers, and the same with a replica, a broker or a
// pipeline process killed in the middle of it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigia-observatory/vigia/internal/testenv"
	chsink "github.com/vigia-observatory/vigia/sinks/clickhouse"
)

// TestClusterEndToEnd is TestEndToEnd on the cluster: every event stored once, every window
// exact, read through the Distributed tables; and both replicas hold every row.
func TestClusterEndToEnd(t *testing.T) {
	e := newClusterE2E(t)
	stop := e.runInProcess()
	defer stop()
	e.publish(e.ds.phase1)
	e.waitFor("events after phase 1", e.eventsQuery(), e.expectedEvents(1), 3*time.Minute)
	e.publish(e.ds.phase2)
	e.checkAll(true)
	stop()
	e.checkReplicasAgree()
}

// TestClusterReplicaKilled kills one ClickHouse replica (SIGKILL) in the middle of the run and
// starts it again: nothing lost, nothing doubled, and the replica catches up. It is the second
// address of clickhouse.addr: the pipeline's inserts and reads go on through the first.
func TestClusterReplicaKilled(t *testing.T) {
	e := killMidRun(t, "clickhouse-2")
	e.checkReplicasAgree()
}

// TestClusterBrokerKilled kills one of the three Kafka brokers in the middle of the run and
// starts it again: producers (acks=all, two in-sync replicas of three) and consumers carry on,
// nothing lost or doubled. It is the first of kafka.brokers, the one clients bootstrap from.
func TestClusterBrokerKilled(t *testing.T) { killMidRun(t, "kafka-1") }

// killMidRun runs the scenario with one `vigia run` and kills node (SIGKILL) once a fifth of
// the events are stored; the second half of phase 1 is published while it is down, and it is
// started again before phase 2. Every event and window must come out exact.
func killMidRun(t *testing.T, node string) *e2e {
	e := newClusterE2E(t)
	e.start("a")
	half := len(e.ds.phase1) / 2
	e.publish(e.ds.phase1[:half])
	e.waitFor("some events before "+node+" dies", e.eventsQuery(), e.expectedEvents(1)/5, 3*time.Minute)
	cluster(t, "kill", node)
	defer e.logWarningsOnFailure()
	e.publish(e.ds.phase1[half:])
	e.waitFor("events after phase 1, "+node+" down", e.eventsQuery(), e.expectedEvents(1), 5*time.Minute)
	cluster(t, "start", node)
	e.publish(e.ds.phase2)
	e.checkAll(false)
	t.Logf("%v records vigia.clean holds twice, counted once", e.metric(`vigia_duplicates_total{kind="rewritten"}`))
	return e
}

// TestClusterProcessKilled runs two `vigia run` processes with all stages and kills one
// (SIGKILL): the other takes over its partitions, and the counts stay exact.
func TestClusterProcessKilled(t *testing.T) {
	e := newClusterE2E(t)
	a := e.start("a")
	e.start("b")
	half := len(e.ds.phase1) / 2
	e.publish(e.ds.phase1[:half])
	e.waitFor("some events before the kill", e.eventsQuery(), e.expectedEvents(1)/5, 3*time.Minute)
	if err := a.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.Wait()
	e.finish(e.ds.phase1[half:])
	if rebuiltRecords(e.procLogs["b"].String()) == 0 {
		t.Error("process b rebuilt no dedup state: a's partitions were not taken over with their state")
	}
}

// newClusterE2E is newE2E on the cluster that make test-cluster describes in the environment.
func newClusterE2E(t *testing.T) *e2e {
	if os.Getenv("VIGIA_CLICKHOUSE_CLUSTER") == "" || os.Getenv("VIGIA_MAIN_STATE_DIR") == "" {
		t.Fatal("the cluster tests run on the local cluster: make test-cluster (scripts/cluster.sh up, then its env)")
	}
	e := newE2E(t)
	if e.cfg.ClickHouse.Cluster == "" || e.cfg.Kafka.ReplicationFactor != 3 || len(e.cfg.ClickHouse.Addr) != 2 {
		t.Fatalf("not the cluster's configuration: clickhouse.cluster %q, %d replicas, kafka replication factor %d",
			e.cfg.ClickHouse.Cluster, len(e.cfg.ClickHouse.Addr), e.cfg.Kafka.ReplicationFactor)
	}
	return e
}

// cluster runs scripts/cluster.sh with the main state folder (kill NODE, start NODE).
func cluster(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("../../scripts/cluster.sh", args...)
	cmd.Env = append(os.Environ(), "VIGIA_STATE_DIR="+os.Getenv("VIGIA_MAIN_STATE_DIR"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/cluster.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
	if args[0] == "kill" {
		// The node comes back even if the test fails, so the next test has the whole cluster.
		t.Cleanup(func() {
			c := exec.Command("../../scripts/cluster.sh", "start", args[1])
			c.Env = cmd.Env
			_ = c.Run()
		})
	}
}

// checkReplicasAgree waits until each replica's local tables hold the same rows as the
// Distributed tables read: replication caught up, on the replica that was down too.
func (e *e2e) checkReplicasAgree() {
	e.t.Helper()
	db := e.cfg.ClickHouse.Database
	for _, table := range []string{"events", "windows", "dlq_records"} {
		var want uint64
		if err := e.conn.QueryRow(context.Background(), "SELECT count() FROM "+db+"."+table).Scan(&want); err != nil {
			e.t.Fatal(err)
		}
		for _, addr := range e.cfg.ClickHouse.Addr {
			c := e.cfg.ClickHouse
			c.Addr = []string{addr}
			conn, err := chsink.Open(context.Background(), c)
			if err != nil {
				e.t.Fatal(err)
			}
			testenv.Eventually(e.t, 2*time.Minute, func() error {
				var got uint64
				if err := conn.QueryRow(context.Background(), "SELECT count() FROM "+db+"."+table+chsink.LocalSuffix).Scan(&got); err != nil {
					return err
				}
				if got != want {
					return fmt.Errorf("replica %s holds %d rows of %s, the cluster %d", addr, got, table, want)
				}
				return nil
			})
			conn.Close()
		}
	}
}

// logWarningsOnFailure shows the pipeline's warnings and errors when the test failed: they say
// which insert or produce kept failing while a node was down.
func (e *e2e) logWarningsOnFailure() {
	if !e.t.Failed() {
		return
	}
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, `"level":"warn"`) || strings.Contains(l, `"level":"error"`) {
			e.t.Log(l)
		}
	}
}
