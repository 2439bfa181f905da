package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vigia-observatory/vigia/internal/kclient"
	"github.com/vigia-observatory/vigia/internal/testenv"
	"github.com/vigia-observatory/vigia/internal/topics"
)

// floodRecords of floodBytes each: junk far over the 64 KiB record limit, near the broker's.
const (
	floodRecords = 1500
	floodBytes   = 900_000
)

// BenchmarkFlood publishes a backlog of 1,500 junk records of 900 KB over six raw partitions
// before `vigia run` starts, waits until every one is stored as a too_large rejection, and
// reports the process's peak resident memory (VmHWM) beside its configured budget. Before
// read-ahead and batches were bounded by bytes the same flood on one partition peaked at
// 981 MB; six partitions could read several GB ahead.
func BenchmarkFlood(b *testing.B) {
	for _, mib := range []int{256, 1024} {
		b.Run(fmt.Sprintf("budget=%dMiB", mib), func(b *testing.B) { flood(b, mib) })
	}
}

func flood(b *testing.B, budgetMiB int) {
	for b.Loop() {
		b.StopTimer()
		cfg, conn := rig(b)
		kc := testenv.Kafka(b, cfg)
		w := kc.Writer(kclient.WriterConfig{Topic: topics.Names{Prefix: cfg.Kafka.TopicPrefix}.Raw("hn-inm")})
		junk := make([]byte, floodBytes*3/4)
		for i := 0; i < floodRecords; i += 50 {
			msgs := make([]kafka.Message, 0, 50)
			for range 50 {
				_, _ = rand.Read(junk) // incompressible and distinct, as a flood would be
				msgs = append(msgs, kafka.Message{Value: []byte(base64.StdEncoding.EncodeToString(junk))})
			}
			if err := w.WriteMessages(context.Background(), msgs...); err != nil {
				b.Fatal(err)
			}
		}
		_ = w.Close()
		b.StartTimer()
		start := time.Now()
		proc := startPipeline(b, cfg, "VIGIA_PIPELINE_MEMORY_BUDGET_MIB="+strconv.Itoa(budgetMiB))
		q := "SELECT count() FROM " + cfg.ClickHouse.Database + ".dlq_records WHERE reason = 'too_large'"
		testenv.Eventually(b, 10*time.Minute, func() error {
			var n uint64
			if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
				return err
			}
			if n < floodRecords {
				return fmt.Errorf("%d of %d junk records rejected", n, floodRecords)
			}
			return nil
		})
		elapsed := time.Since(start)
		peak := peakRSS(b, proc.Process.Pid)
		b.StopTimer()
		_ = proc.Process.Signal(os.Interrupt)
		_ = proc.Wait()
		b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
		b.ReportMetric(float64(budgetMiB), "budget-MiB")
		b.ReportMetric(float64(floodRecords)/elapsed.Seconds(), "records/s")
		b.StartTimer()
	}
}

// peakRSS is a process's peak resident set (VmHWM in /proc/PID/status), in bytes.
func peakRSS(b *testing.B, pid int) int64 {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
