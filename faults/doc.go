// Package faults holds JoinedUp's fault tests, and nothing else: what
// happens to an import, a stratification run and the web server when the
// database goes away under them.
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
// The tests wait for conditions, never for a fixed time, and run in a few
// seconds each on small synthetic populations, so they run with every
// other test (make test). JOINEDUP_FAULT_PATIENTS sets a larger population.
package faults
