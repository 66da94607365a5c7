package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// generatedID matches the time-ordered ids JoinedUp gives the records it
// creates (UUIDv7: random, so never equal between two databases).
var generatedID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)

// notState are the tables that record who used the service rather than
// what it holds: sessions, sign-in attempts and tokens differ between two
// runs by their random secrets; the audit is compared by Audit.
var notState = []string{"audit_log", "audit_head", "sessions", "sign_in_attempts", "sign_in_lockouts", "api_tokens", "api_assertions", "goose_db_version"}

// State is everything db holds about people's care, one line per row,
// sorted, in a form two databases can be compared by: user ids are shown as
// usernames, the ids of records created in the database as <id> and
// password hashes (salted, so never equal) as <hash>. Two databases that
// saw the same changes have equal State, whichever door the changes came
// through.
func State(t testing.TB, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	users := map[string]string{}
	if err := each(ctx, db, "SELECT id, username FROM users", func(v []string) { users[v[0]] = "user:" + v[1] }); err != nil {
		t.Fatal(err)
	}
	tables, err := tableNames(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tb := range tables {
		if slices.Contains(notState, tb) {
			continue
		}
		cols, err := columns(ctx, db, tb)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		err = each(ctx, db, "SELECT "+strings.Join(cols, ", ")+" FROM "+tb, func(v []string) {
			for i := range v {
				if cols[i] == "password_hash" && v[i] != "NULL" && v[i] != "" {
					v[i] = "<hash>"
				}
				v[i] = normalise(v[i], users)
			}
			lines = append(lines, tb+": "+strings.Join(v, " | "))
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(lines)
		out = append(out, lines...)
	}
	return strings.Join(out, "\n")
}

// Audit is the audit trail of the changes db saw, in order: who, what
// action, on whose record, with what outcome and what the change said it
// did, but not the door it came through (the route or command that starts
// each entry's What). Reads are left out: doors show different things
// after the same change.
func Audit(t testing.TB, db *store.DB) []string {
	t.Helper()
	es, err := store.AuditEntries(context.Background(), db, store.AuditFilter{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Outcome == joinedup.OutcomeDenied || strings.HasSuffix(e.What, "(listed)") || !change(e.Action) {
			continue
		}
		detail := ""
		if i := strings.Index(e.What, " ("); i >= 0 {
			detail = e.What[i:]
		}
		out = append(out, fmt.Sprintf("%s %s %s %s%s", e.Username, e.Action, e.PatientID, e.Outcome, generatedID.ReplaceAllString(detail, "<id>")))
	}
	return out
}

// change reports whether an action changes something, rather than reads.
func change(a joinedup.Action) bool {
	switch a {
	case joinedup.ActionWritePatient, joinedup.ActionDecideTier, joinedup.ActionBreakGlass, joinedup.ActionUpdateReferral,
		joinedup.ActionManageMDT, joinedup.ActionRecordMDT, joinedup.ActionRequestMDT, joinedup.ActionManageUsers,
		joinedup.ActionManageDirectory, joinedup.ActionManageRollout:
		return true
	}
	return false
}

func normalise(s string, users map[string]string) string {
	return generatedID.ReplaceAllStringFunc(s, func(id string) string {
		if u, ok := users[id]; ok {
			return u
		}
		return "<id>"
	})
}

func tableNames(ctx context.Context, db *store.DB) ([]string, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if db.Engine == store.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	var names []string
	err := each(ctx, db, q, func(v []string) { names = append(names, v[0]) })
	slices.Sort(names)
	return names, err
}

func columns(ctx context.Context, db *store.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table+" WHERE 1 = 0")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	slices.Sort(cols) // the engines may order a table's columns apart
	return cols, err
}

// each calls fn with every row of query, its values as text.
func each(ctx context.Context, db *store.DB, query string, fn func([]string)) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		out := make([]string, len(cols))
		for i, v := range vals {
			out[i] = text(v)
		}
		fn(out)
	}
	return rows.Err()
}

// text shows a value the same way on both engines.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case sql.RawBytes:
		return string(v)
	}
	return fmt.Sprint(v)
}
