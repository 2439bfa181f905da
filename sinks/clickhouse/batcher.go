package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/rs/zerolog"

	"github.com/vigia-observatory/vigia/internal/metrics"
	"github.com/vigia-observatory/vigia/internal/retry"
)

// Table knows how to write rows of type T column by column.
type Table[T any] interface {
	// Name is the table name without the database.
	Name() string
	// Columns lists the insert's columns, in the order AppendColumns fills them.
	Columns() []string
	// AppendColumns appends rows to the batch, one column slice at a time.
	AppendColumns(b driver.Batch, rows []T) error
}

// BatcherConfig configures a Batcher.
type BatcherConfig struct {
	// Database holds the table. Required.
	Database string
	// Server tells whether insert deduplication tokens can be used.
	Server Server
	// MaxRows flushes a batch at this many rows. Default 50,000.
	MaxRows int
	// MaxWait flushes a non-empty batch after this long. Default 1s.
	MaxWait time.Duration
	// Linger flushes a non-empty batch when no submission has come for this long: the
	// submitters are waiting for acknowledgements, so waiting for more rows would only stall
	// them until MaxWait. Default 50ms.
	Linger time.Duration
	// MaxPending bounds the submissions waiting for the running insert; Submit blocks beyond
	// it, which is how a slow or absent ClickHouse slows consumption. Default 64.
	MaxPending int
	// Reject receives rows the server refuses for good (after the batch is split down to the
	// row), with the server's message, so the batch goes on without them. Required.
	Reject func(row any, err error)
	// Metrics, when set, receives insert latency.
	Metrics *metrics.Metrics
	// Log receives retries and rejections.
	Log zerolog.Logger
}

// Ticket completes when the rows of one submission are acknowledged by ClickHouse (or
// rejected row by row). Err is set only when the batcher stopped first.
type Ticket struct {
	done chan struct{}
	err  error
}

// Done is closed when the ticket completes.
func (t *Ticket) Done() <-chan struct{} { return t.done }

// Err is the outcome, valid after Done.
func (t *Ticket) Err() error { return t.err }

// Wait blocks until the ticket completes or ctx ends.
func (t *Ticket) Wait(ctx context.Context) error {
	select {
	case <-t.done:
		return t.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

type submission[T any] struct {
	rows   []T
	token  string // source range, for the insert deduplication token
	ticket *Ticket
}

// Batcher gathers rows submitted by many partitions into few large inserts: one goroutine
// (Run) owns the connection's inserts, retries transient failures with backoff, and never
// drops a row silently.
type Batcher[T any] struct {
	cfg   BatcherConfig
	conn  driver.Conn
	table Table[T]
	in    chan submission[T]
	query string

	stopOnce sync.Once
	stopped  chan struct{}
}

// NewBatcher prepares a batcher; start it with Run.
func NewBatcher[T any](conn driver.Conn, table Table[T], cfg BatcherConfig) (*Batcher[T], error) {
	if cfg.Database == "" || cfg.Reject == nil {
		return nil, errors.New("clickhouse batcher: Database and Reject are required")
	}
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = 50_000
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = time.Second
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 64
	}
	if cfg.Linger <= 0 {
		cfg.Linger = 50 * time.Millisecond
	}
	q := "INSERT INTO " + cfg.Database + "." + table.Name() + " ("
	for i, c := range table.Columns() {
		if i > 0 {
			q += ", "
		}
		q += c
	}
	return &Batcher[T]{cfg: cfg, conn: conn, table: table, in: make(chan submission[T], cfg.MaxPending),
		query: q + ")", stopped: make(chan struct{})}, nil
}

// Submit hands rows over (the batcher keeps the slice: do not reuse it) and returns the
// ticket of their insert. source names the rows' origin, e.g. "vigia.clean-3-100-199".
func (b *Batcher[T]) Submit(ctx context.Context, rows []T, source string) (*Ticket, error) {
	t := &Ticket{done: make(chan struct{})}
	if len(rows) == 0 {
		close(t.done)
		return t, nil
	}
	select {
	case b.in <- submission[T]{rows: rows, token: source, ticket: t}:
		return t, nil
	case <-b.stopped:
		return nil, errors.New("clickhouse batcher stopped")
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Store submits rows and returns once ClickHouse has acknowledged their insert.
func (b *Batcher[T]) Store(ctx context.Context, rows []T) error {
	t, err := b.Submit(ctx, rows, "")
	if err != nil {
		return err
	}
	return t.Wait(ctx)
}

// Run inserts until ctx ends; what is queued then is still inserted, within 20 s, and a
// ticket whose insert fails carries the error, so nothing is committed for its rows.
func (b *Batcher[T]) Run(ctx context.Context) {
	defer b.stopOnce.Do(func() { close(b.stopped) })
	var batch []submission[T]
	rows := 0
	maxWait, linger := time.NewTimer(time.Hour), time.NewTimer(time.Hour)
	maxWait.Stop()
	linger.Stop()
	flush := func(c context.Context) {
		maxWait.Stop()
		linger.Stop()
		if len(batch) > 0 {
			b.insert(c, batch)
			batch, rows = batch[:0], 0
		}
	}
	for {
		select {
		case <-ctx.Done():
			// Drain what is already queued with a short deadline of its own, so a shutdown
			// still delivers what the stages handed over.
			dctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			for drained := false; !drained; {
				select {
				case s := <-b.in:
					batch = append(batch, s)
				default:
					drained = true
				}
			}
			flush(dctx)
			cancel()
			return
		case s := <-b.in:
			if len(batch) == 0 {
				maxWait.Reset(b.cfg.MaxWait)
			}
			batch = append(batch, s)
			rows += len(s.rows)
			if rows >= b.cfg.MaxRows {
				flush(ctx)
			} else {
				linger.Reset(b.cfg.Linger)
			}
		case <-maxWait.C:
			flush(ctx)
		case <-linger.C:
			flush(ctx)
		}
	}
}

// insert sends the batch until it is acknowledged, then completes its tickets.
func (b *Batcher[T]) insert(ctx context.Context, batch []submission[T]) {
	chunks := make([][]T, len(batch))
	h := fnv.New64a()
	sourced := true
	for i, s := range batch {
		chunks[i] = s.rows
		h.Write([]byte(s.token))
		sourced = sourced && s.token != ""
	}
	// A token names rows by their source range, so a replay of the same range is dropped by
	// the server; rows without a source (recounts, alerts) get none, or a later, different
	// insert would be dropped as a repeat of an earlier one.
	token := ""
	if sourced {
		token = b.table.Name() + "-" + strconv.FormatUint(h.Sum64(), 16)
	}
	err := b.send(ctx, chunks, token)
	for _, s := range batch {
		s.ticket.err = err
		close(s.ticket.done)
	}
}

// send retries transient failures with exponential backoff until ctx ends; a permanent
// failure splits the rows in halves until the bad rows are found and rejected. Rows stay in
// their submissions' slices: copying them into one would cost more than the insert.
func (b *Batcher[T]) send(ctx context.Context, chunks [][]T, token string) error {
	var permanent error
	err := retry.Forever(ctx, func() error {
		err := b.sendOnce(ctx, chunks, token)
		if IsPermanent(err) {
			permanent = err
			return retry.Permanent(err)
		}
		return err
	}, func(err error, wait time.Duration) {
		if b.cfg.Metrics != nil {
			b.cfg.Metrics.Retries.WithLabelValues("clickhouse", b.table.Name()).Inc()
		}
		b.cfg.Log.Warn().Err(err).Str("table", b.table.Name()).Int("chunks", len(chunks)).Dur("retry_in", wait).Msg("insert failed; retrying")
	})
	switch {
	case permanent != nil:
		return b.split(ctx, slices.Concat(chunks...), token, permanent)
	case err != nil:
		return fmt.Errorf("cannot insert into %s: %w", b.table.Name(), err)
	}
	return nil
}

func (b *Batcher[T]) split(ctx context.Context, rows []T, token string, cause error) error {
	if len(rows) == 1 {
		b.cfg.Log.Error().Err(cause).Str("table", b.table.Name()).Msg("row rejected by ClickHouse; sent to the DLQ")
		b.cfg.Reject(rows[0], cause)
		return nil
	}
	mid := len(rows) / 2
	half := func(suffix string) string {
		if token == "" {
			return ""
		}
		return token + suffix
	}
	if err := b.send(ctx, [][]T{rows[:mid]}, half("a")); err != nil {
		return err
	}
	return b.send(ctx, [][]T{rows[mid:]}, half("b"))
}

func (b *Batcher[T]) sendOnce(ctx context.Context, chunks [][]T, token string) error {
	began := time.Now()
	if b.cfg.Server.InsertDedupToken && token != "" {
		ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_deduplication_token": token}))
	}
	batch, err := b.conn.PrepareBatch(ctx, b.query)
	if err != nil {
		return err
	}
	for _, rows := range chunks {
		if err := b.table.AppendColumns(batch, rows); err != nil {
			_ = batch.Abort()
			return &permanentError{err}
		}
	}
	if err := batch.Send(); err != nil {
		return err
	}
	if b.cfg.Metrics != nil {
		b.cfg.Metrics.InsertTime.WithLabelValues(b.table.Name()).Observe(time.Since(began).Seconds())
	}
	return nil
}

// permanentError marks a failure that retrying the same rows cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// transientCodes are server exceptions worth retrying: overload, limits, timeouts, network.
var transientCodes = map[int32]bool{
	3: true, 159: true, 160: true, 202: true, 203: true, 209: true, 210: true,
	241: true, 242: true, 252: true, 319: true, 425: true, 999: true,
}

// IsPermanent tells a server's final refusal (a bad value, a schema mismatch) from a failure
// that may pass on retry (network, overload, server restarting).
func IsPermanent(err error) bool {
	var p *permanentError
	if errors.As(err, &p) {
		return true
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return !transientCodes[ex.Code]
	}
	return false
}
