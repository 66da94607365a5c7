package coord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/letters"
	"github.com/joinedup/joinedup/store"
)

// OneDayAcceptance accepts the one-day proposal a coordinator was shown.
type OneDayAcceptance struct {
	PatientID string
	// Key is the proposal's, as shown: if the bookings have changed since,
	// the acceptance is refused rather than applied to what was not seen.
	Key string
	// Phone is the number the patient's letter tells them to ring if the
	// day does not suit them.
	Phone string
}

// OneDayAccepted is what an acceptance stored and wrote.
type OneDayAccepted struct {
	Schedule joinedup.OneDaySchedule
	Letter   letters.Rendered
}

// AcceptOneDay accepts a proposal to put a Red person's appointments at
// one site on one day: in one transaction it records the request to each
// clinic, writes the patient a letter with the combined schedule (in their
// language) and records the letter. Only a person whose confirmed tier is
// Red has their appointments streamlined.
func (s *Service) AcceptOneDay(ctx context.Context, a Actor, in OneDayAcceptance) (OneDayAccepted, error) {
	var out OneDayAccepted
	fe := joinedup.FieldErrors{}
	in.Phone = strings.TrimSpace(in.Phone)
	if in.Phone == "" {
		fe["phone"] = "enter the phone number the patient rings if the day does not suit them"
	}
	if in.Key == "" {
		fe["key"] = "name the proposal accepted"
	}
	if len(fe) > 0 {
		return out, fe
	}
	if err := needFull(a); err != nil {
		return out, err
	}
	err := s.change(ctx, a, joinedup.ActionWritePatient, in.PatientID, func(tx *store.Tx, e *joinedup.AuditEntry) error {
		d, ok, err := store.CurrentDecision(ctx, tx, in.PatientID)
		if err != nil {
			return err
		}
		if !ok || d.Tier != joinedup.TierRed {
			return joinedup.FieldErrors{"key": "appointments are put on one day for people whose confirmed tier is Red"}
		}
		appts, err := store.UpcomingAppointments(ctx, tx, in.PatientID, a.At)
		if err != nil {
			return err
		}
		var proposal *joinedup.OneDayProposal
		for _, p := range joinedup.ProposeOneDay(appts, a.At, 0) {
			if p.Key == in.Key {
				proposal = &p
				break
			}
		}
		if proposal == nil {
			return joinedup.Conflict("the appointments of patient %s have changed since the proposal was shown, or it was accepted already: look at the proposals again", in.PatientID)
		}
		sch := proposal.Schedule(in.PatientID, a.User.ID, a.At)
		sch.Phone = in.Phone
		p, err := store.GetPatient(ctx, tx, in.PatientID)
		if err != nil {
			return err
		}
		practice, err := store.Organisation(ctx, tx, p.PracticeID)
		if err != nil {
			return err
		}
		out.Letter, err = letters.Render(OneDayLetter(sch, p, practice), letters.FormatHTML, letters.Options{})
		if err != nil {
			return fmt.Errorf("one-day letter for %s: %w", in.PatientID, err)
		}
		rec := &store.LetterRecord{PatientID: in.PatientID, Kind: string(letters.KindOneDay), Language: out.Letter.Language,
			Format: string(letters.FormatHTML), GeneratedAt: a.At, GeneratedBy: a.User.Username, ContentHash: out.Letter.Hash()}
		if err := store.RecordLetter(ctx, tx, rec); err != nil {
			return err
		}
		sch.LetterID = rec.ID
		if err := store.RecordOneDaySchedule(ctx, tx, &sch); err != nil {
			return err
		}
		out.Schedule = sch
		say(e, "one-day schedule %s at %s on %s: %d clinics asked to move, letter %s in %s", sch.ID, sch.Site,
			sch.Day.Format(time.DateOnly), proposal.Moving(), rec.ID, out.Letter.Language)
		return nil
	})
	return out, err
}

// OneDayLetter is the patient's letter of an accepted schedule, dated the
// day it was accepted.
func OneDayLetter(sch joinedup.OneDaySchedule, p joinedup.Patient, practice joinedup.Organisation) letters.Letter {
	o := &letters.OneDayAppointments{Site: sch.Site, Day: sch.Day}
	for _, r := range sch.Requests {
		clinic := r.Clinic
		if clinic == "" {
			clinic = r.Specialty
		}
		o.Appointments = append(o.Appointments, letters.OneDayAppointment{Clinic: clinic, Booked: r.BookedStart, Moves: r.Moves})
	}
	y, m, d := sch.RequestedAt.In(joinedup.London).Date()
	return letters.Letter{Kind: letters.KindOneDay, Date: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Patient: p, OneDay: o,
		Practice: letters.Practice{ODS: practice.ODS, Name: practice.Name, Phone: sch.Phone}}
}
