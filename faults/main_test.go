package faults_test

import (
	"context"
	"os"
	"testing"
)

var ctx = context.Background()

func TestMain(m *testing.M) {
	code := m.Run()
	dropMigrated()
	os.Exit(code)
}
