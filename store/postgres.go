package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPostgres opens a pool of connections to PostgreSQL that recovers from
// a restart of the server at once. A restart (or a crash, or an
// administrator ending sessions) ends every connection with a FATAL error,
// but each pooled connection learns so only when next used, and
// database/sql checks a connection before reusing it only after a second
// idle: under load, the first query on each pooled connection after a
// restart failed, so a page or an import failed after the database was
// back. Instead, once the server has ended any connection of the pool,
// every connection last taken before then is pinged before it is used
// again, and one that is gone is replaced by a new one.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	// When the server last ended a connection of the pool, as time since
	// the pool opened (the monotonic clock, which no clock change moves).
	opened := time.Now()
	var ended atomic.Int64
	onError := cfg.OnPgError
	cfg.OnPgError = func(c *pgconn.PgConn, e *pgconn.PgError) bool {
		if strings.EqualFold(e.Severity, "FATAL") || strings.EqualFold(e.Severity, "PANIC") {
			now := int64(time.Since(opened))
			for was := ended.Load(); was < now && !ended.CompareAndSwap(was, now); was = ended.Load() {
			}
		}
		return onError(c, e)
	}
	return stdlib.OpenDB(*cfg, stdlib.OptionShouldPing(func(_ context.Context, p stdlib.ShouldPingParams) bool {
		// database/sql's own rule: a connection idle for over a second.
		if p.IdleDuration > time.Second {
			return true
		}
		// Taken last before the server ended a connection.
		return int64(time.Since(opened)-p.IdleDuration) <= ended.Load()
	})), nil
}

// IsUnavailable reports whether err is the database being out of reach
// rather than a fault of what was asked of it: PostgreSQL restarting,
// shutting down, recovering from a crash or refusing connections, or the
// connection to it lost. The same request can succeed once it is back.
func IsUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true // before any PgError it wraps, such as "not accepting connections"
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03": // admin_shutdown, crash_shutdown, cannot_connect_now
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection exception
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
