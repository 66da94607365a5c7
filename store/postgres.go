package store

import (
	"context"
	"database/sql"
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
	var ended atomic.Int64 // when the server last ended a connection, Unix nanoseconds
	onError := cfg.OnPgError
	cfg.OnPgError = func(c *pgconn.PgConn, e *pgconn.PgError) bool {
		if strings.EqualFold(e.Severity, "FATAL") || strings.EqualFold(e.Severity, "PANIC") {
			ended.Store(time.Now().UnixNano())
		}
		return onError(c, e)
	}
	return stdlib.OpenDB(*cfg, stdlib.OptionShouldPing(func(_ context.Context, p stdlib.ShouldPingParams) bool {
		// database/sql's own rule: a connection idle for over a second.
		if p.IdleDuration > time.Second {
			return true
		}
		return time.Now().Add(-p.IdleDuration).UnixNano() <= ended.Load()
	})), nil
}
