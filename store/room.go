package store

import (
	"errors"
	"fmt"
)

// ErrNoRoom is wrapped by the error of a write to the embedded database
// that failed for want of room: the disk holding it is full, or a file of
// it has grown to the largest this process may write (ulimit -f). The
// error names which. Nothing of the failed transaction is kept; once there
// is room, the same write can be made again.
var ErrNoRoom = errors.New("no room to write the database")

// Result codes of SQLite's that a write with no room left ends in: a full
// disk gives SQLITE_FULL, a file-size limit or an exceeded quota an
// SQLITE_IOERR (such as "disk I/O error (778)", which says nothing of why).
const (
	sqliteIOErr = 10
	sqliteFull  = 13
)

// noRoom adds to err, a failed write to db, the reason there was no room
// for it, when that is why it failed.
func (db *DB) noRoom(err error) error {
	if err == nil || db.Engine != SQLite {
		return err
	}
	var se interface{ Code() int }
	if !errors.As(err, &se) {
		return err
	}
	code := se.Code() & 0xff
	if code != sqliteFull && code != sqliteIOErr {
		return err
	}
	why := roomLeft(db.path)
	if why == "" {
		if code != sqliteFull {
			return err
		}
		why = "the disk holding " + db.path + " is full"
	}
	return fmt.Errorf("%w (%w: %s)", err, ErrNoRoom, why)
}
