package store

import (
	"slices"
	"testing"
)

// TestLibpqURL: pg_dump and pg_restore get the URL without search_path
// (libpq refuses it; its first schema is returned) and without the
// password (given in the environment, never on a command line).
func TestLibpqURL(t *testing.T) {
	conninfo, schema, env, err := libpqURL("postgres://joinedup:s3cret@db.example:5433/lcn?sslmode=require&search_path=t_1%2Cpublic")
	if err != nil {
		t.Fatal(err)
	}
	if conninfo != "postgres://joinedup@db.example:5433/lcn?sslmode=require" || schema != "t_1" || !slices.Equal(env, []string{"PGPASSWORD=s3cret"}) {
		t.Errorf("got %q, %q, %q", conninfo, schema, env)
	}
	conninfo, schema, env, err = libpqURL("postgres://root@localhost/test?sslmode=disable")
	if err != nil || conninfo != "postgres://root@localhost/test?sslmode=disable" || schema != "" || env != nil {
		t.Errorf("got %q, %q, %q, %v", conninfo, schema, env, err)
	}
}
