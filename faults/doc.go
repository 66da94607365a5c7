// Package faults holds JoinedUp's fault tests, and nothing else: what
// happens to an import, a stratification run and the web server when the
// database goes away under them, or the disk fills.
//
// PostgreSQL is "restarted" without touching the server the tests share:
// each test has a database of its own (copied from one migrated once per
// run), and an administrator's connection to another database refuses new
// connections to it (ALTER DATABASE … ALLOW_CONNECTIONS false) and ends
// every connection to it (pg_terminate_backend, SQLSTATE 57P01, as a fast
// shutdown does), again and again, until the code under test has met the
// outage; then it lets connections in again. The tests show that an
// import or a run stops having written whole transactions only, that the
// same process carries on once the database is back, that running it
// again ends exactly as an uninterrupted run does, and that pages caught
// by the restart get an error page and the rest succeed.
//
// A full disk under SQLite is made in two ways: a limit on the size of the
// files a child process may write (RLIMIT_FSIZE), which runs everywhere,
// and a small filesystem in memory (tmpfs), where the test may mount one;
// that variant is skipped where it may not. Either way the import stops
// with an error naming the disk or the limit, the database opens and passes
// SQLite's integrity check and the audit chain's verification, and once
// there is room the same import completes.
//
// The tests wait for conditions, never for a fixed time, and run in a few
// seconds each on small synthetic populations, so they run with every
// other test (make test). JOINEDUP_FAULT_PATIENTS sets a larger population.
package faults
