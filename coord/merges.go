package coord

import (
	"context"
	"strings"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

// ResolveMerge records whether the two patient records of one NHS number
// are one person. Same person: the second record's source is linked to the
// record held, so its records land there from the next import. Not the same
// person: the second record stays out until its source corrects the number.
// Either way the note says how it was checked, for the audit.
func (s *Service) ResolveMerge(ctx context.Context, a Actor, id string, res joinedup.MergeResolution, note string) (joinedup.PatientMerge, error) {
	bad := joinedup.FieldErrors{}
	if !res.Valid() {
		bad["resolution"] = "say whether the two records are the same person or not"
	}
	note = strings.TrimSpace(note)
	if note == "" {
		bad["note"] = "say how the two records were checked (the person, the practice, PDS)"
	}
	if len(bad) > 0 {
		return joinedup.PatientMerge{}, bad
	}
	m, err := store.GetMerge(ctx, s.db, id)
	if err != nil {
		return m, err
	}
	err = s.change(ctx, a, joinedup.ActionWritePatient, m.PatientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		if err := store.ResolveMerge(ctx, tx, id, res, a.User.ID, note, a.At); err != nil {
			return err
		}
		say(e, "merge of NHS number %s (%s %s/%s) resolved: %s", m.NHSNumber, m.PatientID, m.Other.System, m.Other.ID, res)
		return nil
	})
	if err != nil {
		return m, err
	}
	return store.GetMerge(ctx, s.db, id)
}
