//go:build linux || darwin || freebsd

package store

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// roomLeft says why there is no room to write the SQLite database at path,
// or "" if there seems to be: a file of it at the largest this process may
// write, or the disk holding it (all but) full.
func roomLeft(path string) string {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err == nil {
		for _, f := range []string{path, path + "-wal", path + "-journal"} {
			// Within a few pages of the limit: SQLite writes a page (and
			// a WAL frame's header) at a time.
			if st, err := os.Stat(f); err == nil && uint64(st.Size())+64<<10 > uint64(lim.Cur) {
				return fmt.Sprintf("%s has reached %d bytes, the largest file this process may write (ulimit -f)", f, lim.Cur)
			}
		}
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &fs); err == nil {
		if free := uint64(fs.Bavail) * uint64(fs.Bsize); free < 1<<20 {
			return fmt.Sprintf("the disk holding %s is full (%d bytes free)", path, free)
		}
	}
	return ""
}
