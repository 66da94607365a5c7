package faults_test

import (
	"context"
	"os"
	"testing"
)

var ctx = context.Background()

func TestMain(m *testing.M) {
	if url := os.Getenv(childDB); url != "" {
		os.Exit(runChild(url, os.Getenv(childInput), os.Getenv(childLimit)))
	}
	code := m.Run()
	dropDatabases()
	os.Exit(code)
}
