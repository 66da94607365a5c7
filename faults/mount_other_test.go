//go:build !linux

package faults_test

import (
	"errors"
	"testing"
)

// mountTmpfs mounts filesystems on Linux only.
func mountTmpfs(*testing.T, string, int64) (func() int64, error) {
	return nil, errors.ErrUnsupported
}
