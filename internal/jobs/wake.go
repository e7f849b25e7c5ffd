package jobs

import (
	"context"
	"database/sql"
	"strconv"
	"sync"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// Wakeup carries, inside one process, the news that jobs due now were
// inserted, from the Inserter to the Queue's workers, so that they fetch
// them at once instead of at their next poll. It serves SQLite, where River
// has no LISTEN/NOTIFY: its listener polls an outbox table every 50 ms, and
// the workers' own poll (FetchPollInterval) is slower still. On PostgreSQL
// River's insert notifications do this, across replicas too.
//
// The news is sent while the inserting transaction is still open. That is
// safe on SQLite, where the store and River share one write connection: the
// fetch it triggers waits for that connection, so it runs after the commit
// and finds the job (after a rollback it finds nothing, at the cost of one
// query).
type Wakeup struct{ queues chan string }

// NewWakeup returns a Wakeup to give to both the Inserter and the Queue of
// one database.
func NewWakeup() *Wakeup { return &Wakeup{queues: make(chan string, 64)} }

// wake says that a job due now was inserted in queue. It never blocks: when
// nobody listens (an insert-only process) or the news is already pending,
// it is dropped, and the workers' poll still finds the job.
func (w *Wakeup) wake(queue string) {
	if w == nil {
		return
	}
	select {
	case w.queues <- queue:
	default:
	}
}

// wakeDriver is River's SQLite driver whose listener also delivers the
// Wakeup's news as River's own insert notifications.
type wakeDriver struct {
	*riversqlite.Driver
	wake *Wakeup
}

func newSQLiteDriver(db *sql.DB, wake *Wakeup) riverdriver.Driver[*sql.Tx] {
	d := riversqlite.New(db)
	if wake == nil {
		return d
	}
	return wakeDriver{Driver: d, wake: wake}
}

func (d wakeDriver) GetListener(params *riverdriver.GetListenenerParams) riverdriver.Listener {
	return &wakeListener{Listener: d.Driver.GetListener(params), wake: d.wake}
}

// insertTopic is River's notification topic for inserted jobs (its
// producers fetch on it); the payload names the queue.
const insertTopic = "river_insert"

// wakeListener is River's SQLite listener plus the Wakeup. River's notifier
// calls WaitForNotification in a loop and cancels it to change
// subscriptions; the inner listener's polling runs in its own goroutine
// (pump) from Connect to Close, so that a wake-up never has to interrupt
// the inner listener's query on the shared write connection.
type wakeListener struct {
	riverdriver.Listener
	wake *Wakeup

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	pumped chan pumped
}

type pumped struct {
	n   *riverdriver.Notification
	err error
}

func (l *wakeListener) Connect(ctx context.Context) error {
	if err := l.Listener.Connect(ctx); err != nil {
		return err
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done, out := make(chan struct{}), make(chan pumped)
	l.mu.Lock()
	l.cancel, l.done, l.pumped = cancel, done, out
	l.mu.Unlock()
	go func() {
		defer close(done)
		for {
			n, err := l.Listener.WaitForNotification(pctx)
			if pctx.Err() != nil {
				return
			}
			select {
			case out <- pumped{n, err}:
			case <-pctx.Done():
				return
			}
			if err != nil {
				return // the notifier closes and connects again
			}
		}
	}()
	return nil
}

func (l *wakeListener) Close(ctx context.Context) error {
	l.mu.Lock()
	cancel, done := l.cancel, l.done
	l.cancel, l.done = nil, nil
	l.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return l.Listener.Close(ctx)
}

func (l *wakeListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	l.mu.Lock()
	out := l.pumped
	l.mu.Unlock()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case p := <-out:
		return p.n, p.err
	case q := <-l.wake.queues:
		return &riverdriver.Notification{Topic: insertTopic, Payload: `{"queue":` + strconv.Quote(q) + `}`}, nil
	}
}
