package directory

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"io"
	"time"

	"github.com/joinedup/joinedup/store"
)

//go:embed demo/lambeth-southwark.json
var demoJSON []byte

// DemoJSON returns the demo directory: about thirty community and
// voluntary services across the five localities of Lambeth and Southwark,
// in the Open Referral UK shape.
func DemoJSON() []byte { return bytes.Clone(demoJSON) }

// Import validates the Open Referral UK document in r and stores its
// services in one transaction: a document with any problem changes
// nothing. by is the user importing ("" for the command line).
func Import(ctx context.Context, db *store.DB, r io.Reader, by string, now time.Time) (*Document, error) {
	doc, err := Parse(r)
	if err != nil {
		return nil, err
	}
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		for _, s := range doc.Services {
			if _, err := store.PutService(ctx, tx, s, by, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import directory: %w", err)
	}
	return doc, nil
}

// LoadDemo imports the demo directory.
func LoadDemo(ctx context.Context, db *store.DB, now time.Time) (*Document, error) {
	return Import(ctx, db, bytes.NewReader(demoJSON), "", now)
}
