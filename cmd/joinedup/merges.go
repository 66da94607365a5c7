package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/store"
)

// runMerges lists the patient records held back because their NHS number
// is held for another record, and resolves them.
func runMerges(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "resolve" {
		return runMergesResolve(ctx, e, args[1:])
	}
	fs := newFlags(e, "merges", "[--all] [--format table|json] [--db URL]\n       joinedup merges resolve ID --same-person|--not-same-person --note TEXT [--db URL]")
	dbURL := dbFlags(fs)
	all := fs.Bool("all", false, "list resolved merges too")
	format := fs.String("format", "table", "`format`: table or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usageError{fmt.Sprintf("--format %q: table or json", *format)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unknown merges subcommand %q (resolve)", fs.Arg(0))}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	ms, err := store.Merges(ctx, db, !*all)
	if err != nil {
		return err
	}
	if *format == "json" {
		type row struct {
			ID             string `json:"id"`
			NHSNumber      string `json:"nhs_number"`
			PatientID      string `json:"patient_id"`
			SourceSystem   string `json:"source_system"`
			SourceID       string `json:"source_id"`
			OtherName      string `json:"other_name"`
			OtherBirthDate string `json:"other_birth_date,omitempty"`
			File           string `json:"file"`
			FoundAt        string `json:"found_at"`
			Resolution     string `json:"resolution,omitempty"`
			Note           string `json:"note,omitempty"`
		}
		out := make([]row, 0, len(ms))
		for _, m := range ms {
			r := row{ID: m.ID, NHSNumber: string(m.NHSNumber), PatientID: m.PatientID, SourceSystem: m.Other.System,
				SourceID: m.Other.ID, OtherName: m.OtherName, File: m.File, FoundAt: m.FoundAt.UTC().Format(time.RFC3339),
				Resolution: string(m.Resolution), Note: m.Note}
			if !m.OtherBirthDate.IsZero() {
				r.OtherBirthDate = m.OtherBirthDate.Format(time.DateOnly)
			}
			out = append(out, r)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(ms) == 0 {
		fmt.Fprintln(e.stdout, "no merges to resolve")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tNHS number\trecord held\tsecond record\tname, born\tfound\tresolution")
	for _, m := range ms {
		born := ""
		if !m.OtherBirthDate.IsZero() {
			born = ", " + m.OtherBirthDate.Format("2 Jan 2006")
		}
		res := string(m.Resolution)
		if res == "" {
			res = "open"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s/%s\t%s%s\t%s\t%s\n", m.ID, m.NHSNumber.String(), m.PatientID, m.Other.System, m.Other.ID,
			m.OtherName, born, m.FoundAt.In(joinedup.London).Format("2 Jan 2006 15:04"), res)
	}
	return tw.Flush()
}

func runMergesResolve(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "merges resolve", "ID --same-person|--not-same-person --note TEXT [--db URL]")
	dbURL := dbFlags(fs)
	same := fs.Bool("same-person", false, "the two records are one person: link the second record's source to the record held")
	notSame := fs.Bool("not-same-person", false, "they are different people: keep the second record out until its source corrects the NHS number")
	note := fs.String("note", "", "how the records were checked (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"give the id of one merge (joinedup merges lists them)"}
	}
	var res joinedup.MergeResolution
	switch {
	case *same && *notSame, !*same && !*notSame:
		return usageError{"give one of --same-person and --not-same-person"}
	case *same:
		res = joinedup.MergeSamePerson
	default:
		res = joinedup.MergeNotSamePerson
	}
	if strings.TrimSpace(*note) == "" {
		return usageError{"--note: say how the two records were checked"}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := coord.New(db, e.log).ResolveMerge(ctx, coord.System("joinedup merges resolve", time.Now().UTC()), fs.Arg(0), res, *note)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "merge %s of NHS number %s resolved: %s\n", m.ID, m.NHSNumber.String(), m.Resolution)
	return nil
}
