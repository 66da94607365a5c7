package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/letters"
	"github.com/joinedup/joinedup/store"
)

// runLetters writes a batch of letters for a practice's newly eligible
// patients, one file per patient and format, and records each letter on the
// patient.
//
// Only invitations are made in batches: a care-plan copy or a referral
// confirmation belongs to one patient's care plan or referral, and is
// rendered for that patient with letters.Render when it is agreed.
func runLetters(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "letters", "--kind invitation --practice ODS --practice-phone PHONE --out DIR [--db URL] [--large-print] [--format pdf|html|both] [--date YYYY-MM-DD]")
	kind := fs.String("kind", string(letters.KindInvitation), "kind of letter: invitation (careplan and referral letters are made per patient, not in batches)")
	ods := fs.String("practice", "", "ODS `code` of the practice the letters come from (required)")
	phone := fs.String("practice-phone", "", "the practice's phone `number` printed on the letters (required)")
	out := fs.String("out", "", "output `directory` (required)")
	largePrint := fs.Bool("large-print", false, "large print (16pt and up)")
	format := fs.String("format", "pdf", "output `format`: pdf, html or both")
	date := fs.String("date", "", "`date` printed on the letters, YYYY-MM-DD (default today)")
	by := fs.String("by", "joinedup letters", "who generated the letters, as recorded on each patient")
	dbURL := dbFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *ods == "":
		return usageError{"--practice is required"}
	case *phone == "":
		return usageError{"--practice-phone is required: patients need a number to phone"}
	case *out == "":
		return usageError{"--out is required"}
	}
	switch letters.Kind(*kind) {
	case letters.KindInvitation:
	case letters.KindCarePlan, letters.KindReferral:
		return usageError{fmt.Sprintf("--kind %s: these letters are made per patient when the care plan or referral is agreed, not in batches", *kind)}
	default:
		return usageError{fmt.Sprintf("--kind %q: want invitation, careplan or referral", *kind)}
	}
	var formats []letters.Format
	switch *format {
	case "pdf":
		formats = []letters.Format{letters.FormatPDF}
	case "html":
		formats = []letters.Format{letters.FormatHTML}
	case "both":
		formats = []letters.Format{letters.FormatPDF, letters.FormatHTML}
	default:
		return usageError{fmt.Sprintf("--format %q: want pdf, html or both", *format)}
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	if *date != "" {
		d, err := time.Parse(time.DateOnly, *date)
		if err != nil {
			return usageError{fmt.Sprintf("--date %q: want YYYY-MM-DD", *date)}
		}
		day = d
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()

	practice, err := practiceByODS(ctx, db, *ods)
	if err != nil {
		return err
	}
	patients, err := store.NewlyEligible(ctx, db, practice.ID, *kind)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	batch := make([]letters.Letter, len(patients))
	for i, p := range patients {
		batch[i] = letters.Letter{Kind: letters.KindInvitation, Date: day, Patient: p, Invitation: &letters.Invitation{},
			Practice: letters.Practice{ODS: practice.ODS, Name: practice.Name, Phone: *phone}}
	}
	var (
		written, failed int
		fallbacks       []string
	)
	now := time.Now().UTC()
	cs := coord.New(db, e.log)
	err = letters.RenderBatch(ctx, batch, formats, letters.Options{LargePrint: *largePrint}, func(r letters.Result) error {
		p := patients[r.Index]
		if r.Err != nil {
			failed++
			fmt.Fprintf(e.stderr, "patient %s: no letter: %v\n", p.ID, r.Err)
			return nil
		}
		if r.Rendered[0].Fallback {
			fallbacks = append(fallbacks, fmt.Sprintf("%s (%s)", p.ID, r.Rendered[0].Requested))
		}
		// The record is written only once the file is in place, in one
		// transaction for all of a patient's formats.
		var recs []*store.LetterRecord
		for _, rd := range r.Rendered {
			name := letterFileName(*kind, p.ID, rd.Format)
			if err := writeFileAtomic(filepath.Join(*out, name), rd.Content); err != nil {
				return err
			}
			recs = append(recs, &store.LetterRecord{PatientID: p.ID, Kind: *kind, Language: rd.Language, Format: string(rd.Format),
				LargePrint: *largePrint, GeneratedAt: now, GeneratedBy: *by, ContentHash: rd.Hash()})
		}
		if err := cs.RecordLetters(ctx, coord.System("joinedup letters", now), recs); err != nil {
			return err
		}
		written += len(recs)
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d newly eligible patients; wrote %d %s letters to %s\n", practice.ODS, len(patients), written, *kind, *out)
	if len(fallbacks) > 0 {
		sort.Strings(fallbacks)
		fmt.Fprintf(e.stdout, "%d written in English because their language has no letter catalogue; arrange translation or an interpreter:\n  %s\n",
			len(fallbacks), strings.Join(fallbacks, "\n  "))
	}
	if failed > 0 {
		return fmt.Errorf("%d letters could not be made (see above)", failed)
	}
	return nil
}

// letterFileName names a letter's file by kind and patient id, never by
// name: file names are seen on screens, in logs and on shared drives.
func letterFileName(kind, patientID string, f letters.Format) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, patientID)
	return kind + "-" + safe + f.Ext()
}

// writeFileAtomic writes via a temporary file and a rename, so a half-written
// letter is never left under the real name.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write letter: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write letter: %w", err)
	}
	return nil
}

// practiceByODS finds the practice with this ODS code.
func practiceByODS(ctx context.Context, q store.Querier, ods string) (joinedup.Organisation, error) {
	orgs, err := store.Organisations(ctx, q)
	if err != nil {
		return joinedup.Organisation{}, err
	}
	for _, o := range orgs {
		if strings.EqualFold(o.ODS, ods) {
			return o, nil
		}
	}
	return joinedup.Organisation{}, usageError{fmt.Sprintf("--practice %s: no organisation with that ODS code", ods)}
}
