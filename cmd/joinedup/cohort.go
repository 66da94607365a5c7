package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// cohortEntry is one person in the extract, as JSON and CSV give it.
type cohortEntry struct {
	NHSNumber     string   `json:"nhs_number"`
	Name          string   `json:"name"`
	Practice      string   `json:"practice"`
	PracticeODS   string   `json:"practice_ods"`
	SuggestedTier string   `json:"suggested_tier"`
	DecidedTier   string   `json:"decided_tier"`
	Status        string   `json:"status"`
	LTCs          []string `json:"ltcs"`
	RiskFactors   []string `json:"risk_factors"`
	DataGaps      []string `json:"data_gaps"`
}

// runCohort prints the cohort: everyone living who meets the cohort rule,
// with what their current assessment found, for an LCN's own analysis.
func runCohort(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "cohort", "[--tier red|amber|green] [--status suggested|confirmed|overridden] [--locality ODS] [--practice ODS] [--format table|csv|json] [--db URL]")
	dbURL := dbFlags(fs)
	tier := fs.String("tier", "", "only this current `tier` (red, amber or green)")
	status := fs.String("status", "", "only this `status`: suggested (awaiting a decision), confirmed or overridden")
	locality := fs.String("locality", "", "only the practices of this locality (`ODS` code)")
	practice := fs.String("practice", "", "only this practice (`ODS` code)")
	format := fs.String("format", "table", "`format`: table, csv or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	var f store.ExtractFilter
	if *tier != "" {
		t, err := joinedup.ParseTier(*tier)
		if err != nil {
			return usageError{fmt.Sprintf("--tier %q: want red, amber or green", *tier)}
		}
		f.Tier = t
	}
	switch s := store.CohortStatus(*status); s {
	case "", store.StatusSuggested, store.StatusConfirmed, store.StatusOverridden:
		f.Status = s
	default:
		return usageError{fmt.Sprintf("--status %q: want suggested, confirmed or overridden", *status)}
	}
	switch *format {
	case "table", "csv", "json":
	default:
		return usageError{fmt.Sprintf("--format %q: want table, csv or json", *format)}
	}
	db, err := openDB(ctx, dbURL())
	if err != nil {
		return err
	}
	defer db.Close()
	for flag, ods := range map[*string]string{&f.LocalityID: *locality, &f.PracticeID: *practice} {
		if ods == "" {
			continue
		}
		o, err := practiceByODS(ctx, db, ods)
		if err != nil {
			return err
		}
		*flag = o.ID
	}
	var entries []cohortEntry
	err = store.CohortExtract(ctx, db, f, func(r store.ExtractRow) error {
		x := cohortEntry{NHSNumber: string(r.Patient.NHSNumber), Name: r.Patient.Name(), Practice: r.PracticeName, PracticeODS: r.PracticeODS,
			SuggestedTier: string(r.SuggestedTier), DecidedTier: string(r.DecidedTier), Status: string(r.Status),
			LTCs: []string{}, RiskFactors: []string{}, DataGaps: []string{}}
		for _, l := range r.Assessment.LTCs {
			x.LTCs = append(x.LTCs, l.Name)
		}
		for _, rf := range r.Assessment.RiskFactors {
			x.RiskFactors = append(x.RiskFactors, rf.Name)
		}
		for _, g := range r.Assessment.DataGaps {
			x.DataGaps = append(x.DataGaps, g.Description)
		}
		entries = append(entries, x)
		return nil
	})
	if err != nil {
		return err
	}
	header := []string{"NHS number", "Name", "Practice", "ODS", "Suggested tier", "Decided tier", "Status", "LTCs", "Risk factors", "Data gaps"}
	row := func(x cohortEntry) []string {
		return []string{x.NHSNumber, x.Name, x.Practice, x.PracticeODS, x.SuggestedTier, x.DecidedTier, x.Status,
			strings.Join(x.LTCs, "; "), strings.Join(x.RiskFactors, "; "), strings.Join(x.DataGaps, "; ")}
	}
	switch *format {
	case "json":
		if entries == nil {
			entries = []cohortEntry{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	case "csv":
		w := csv.NewWriter(e.stdout)
		_ = w.Write(header)
		for _, x := range entries {
			r := row(x)
			for i, v := range r {
				// A spreadsheet must not read a name as a formula.
				if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
					r[i] = "'" + v
				}
			}
			_ = w.Write(r)
		}
		w.Flush()
		return w.Error()
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, x := range entries {
		fmt.Fprintln(tw, strings.Join(row(x), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d people in the cohort\n", len(entries))
	return nil
}
