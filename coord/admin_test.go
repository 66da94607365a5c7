package coord_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/directory"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

var (
	ctx = context.Background()
	now = time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
)

// TestImportDirectory stores a document in one transaction: a bad record anywhere
// leaves the directory as it was; importing again is an update.
func TestImportDirectory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cs, admin := coord.New(db, nil), coord.System("test", now)
		doc, err := cs.ImportDirectory(ctx, admin, bytes.NewReader(directory.DemoJSON()))
		if err != nil {
			t.Fatal(err)
		}
		all, err := store.Services(ctx, db)
		if err != nil || len(all) != len(doc.Services) {
			t.Fatalf("%d services stored, %v", len(all), err)
		}
		if _, err := cs.ImportDirectory(ctx, admin, bytes.NewReader(directory.DemoJSON())); err != nil {
			t.Fatalf("import again: %v", err)
		}
		s, _ := store.GetService(ctx, db, all[0].ID)
		if s.Version != 2 {
			t.Fatalf("re-imported service at version %d", s.Version)
		}
		bad := `[{"id":"new-1","name":"New","status":"active","organization":{"id":"o","name":"O","description":"d"}},{"id":"new-2","name":"","status":"active"}]`
		var inv *directory.InvalidError
		if _, err := cs.ImportDirectory(ctx, admin, strings.NewReader(bad)); !errors.As(err, &inv) {
			t.Fatalf("bad import: %v", err)
		}
		if _, err := store.GetService(ctx, db, "new-1"); !errors.Is(err, joinedup.ErrNotFound) {
			t.Fatalf("half-applied import: %v", err)
		}
	})
}
