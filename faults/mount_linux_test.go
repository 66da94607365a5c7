package faults_test

import (
	"fmt"
	"syscall"
	"testing"
)

// mountTmpfs mounts a filesystem of size bytes in memory at dir, unmounted
// when the test ends, and returns a function that says how many bytes are
// free on it. Mounting needs privileges the test may not have.
func mountTmpfs(t *testing.T, dir string, size int64) (free func() int64, err error) {
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return func() int64 {
		var fs syscall.Statfs_t
		if err := syscall.Statfs(dir, &fs); err != nil {
			t.Fatal(err)
		}
		return int64(fs.Bavail) * fs.Bsize
	}, nil
}
