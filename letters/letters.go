// Package letters writes letters to patients in plain English and in the
// patient's own language: an invitation to a care-planning conversation, a
// copy of the care plan, and a referral confirmation. A letter is composed
// once into a Document and rendered from it as printable HTML or as PDF, so
// both forms always say the same thing.
//
// The wording lives in message catalogues (locales/active.*.toml) that a
// translator edits without touching code; the layout lives here.
package letters

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// Kind says which letter to write.
type Kind string

// The kinds of letter.
const (
	KindInvitation Kind = "invitation" // an invitation to a care-planning conversation
	KindCarePlan   Kind = "careplan"   // a copy of the care plan, in the patient's own words
	KindReferral   Kind = "referral"   // confirmation of a referral to a service
	KindOneDay     Kind = "one-day"    // hospital appointments asked for on one day
)

// Kinds lists every kind of letter.
func Kinds() []Kind { return []Kind{KindInvitation, KindCarePlan, KindReferral, KindOneDay} }

// Format is an output format.
type Format string

// The output formats.
const (
	FormatPDF  Format = "pdf"
	FormatHTML Format = "html"
)

// Ext returns the file name extension of the format, with its dot.
func (f Format) Ext() string { return "." + string(f) }

// Practice is the GP practice the letter comes from.
type Practice struct {
	ODS     string
	Name    string
	Phone   string   // the number patients phone to change or ask anything
	Address []string // lines of the practice's address, when known
}

// Invitation is what an invitation to a care-planning conversation needs
// beyond the patient and practice.
type Invitation struct {
	// Appointment is when the conversation is booked; zero means no time is
	// booked yet and the letter says the practice will phone.
	Appointment time.Time
	With        string // who the patient will see, e.g. "Sam Okoro, care coordinator"
	Place       string // where, e.g. the practice's address
}

// Goal is one of the patient's goals, in their own words.
type Goal struct {
	What       string
	Steps      string // what the patient will do towards it
	TargetDate time.Time
}

// Contact is someone the patient can contact about their care.
type Contact struct {
	Name  string
	Role  string
	Phone string
}

// CarePlanSummary is the part of a care plan a patient's copy shows, in the
// patient's own words. The care plan is mapped into it by the caller, so
// letters do not depend on how care plans are stored.
type CarePlanSummary struct {
	WhatMattersToMe string
	Goals           []Goal
	Contacts        []Contact
	IfWorse         string // what to do if things get worse, agreed with the patient
	NextReview      time.Time
}

// ReferralConfirmation is what a referral confirmation tells the patient.
type ReferralConfirmation struct {
	Service  string // the service's name
	Reason   string // why, as agreed with the patient
	WhatNext string // what happens next, when the service says; otherwise a standard sentence
	Phone    string
	Email    string
	Website  string
	// ChaseAfterDays is how long to wait before phoning the practice if the
	// service has not been in touch; 14 when zero.
	ChaseAfterDays int
}

// OneDayAppointments tells the patient which clinics have been asked to
// see them on one day at one hospital.
type OneDayAppointments struct {
	Site         string
	Day          time.Time
	Appointments []OneDayAppointment
}

// OneDayAppointment is one clinic of a one-day schedule.
type OneDayAppointment struct {
	Clinic string // the clinic or specialty, as the patient knows it
	Booked time.Time
	Moves  bool // false: already booked on the day
}

// Letter is everything one letter says: who it is to and from, when, and
// the content of its kind.
type Letter struct {
	Kind     Kind
	Date     time.Time // the date printed on the letter
	Practice Practice
	Patient  joinedup.Patient
	// Address holds the lines of the patient's postal address above the
	// postcode, when known; the postcode comes from Patient.
	Address []string

	Invitation *Invitation           // for KindInvitation
	CarePlan   *CarePlanSummary      // for KindCarePlan
	Referral   *ReferralConfirmation // for KindReferral
	OneDay     *OneDayAppointments   // for KindOneDay
}

// Options change how a letter is rendered, not what it says.
type Options struct {
	LargePrint bool // bigger type throughout (16pt body text and up)
}

// Rendered is one rendered letter.
type Rendered struct {
	Format   Format
	Content  []byte
	Language string // the language the letter was written in: "en" or "pt"
	// Fallback reports that the patient's recorded language has no catalogue
	// and the letter was written in English instead, so the caller can
	// arrange a translation or an interpreter.
	Fallback  bool
	Requested string // the patient's recorded language, as recorded
}

// Hash returns the SHA-256 of the content in hex, recorded with the letter
// so the copy sent can be recognised later.
func (r Rendered) Hash() string {
	s := sha256.Sum256(r.Content)
	return hex.EncodeToString(s[:])
}

// ErrIncomplete is returned for a letter that lacks what its kind needs.
var ErrIncomplete = errors.New("letter incomplete")

// Validate reports what the letter lacks, so no letter goes out without a
// recipient, a sender or a number to phone.
func (l Letter) Validate() error {
	var missing []string
	if strings.TrimSpace(l.Patient.Name()) == "" {
		missing = append(missing, "patient name")
	}
	if l.Patient.ID == "" {
		missing = append(missing, "patient id")
	}
	if strings.TrimSpace(l.Practice.Name) == "" {
		missing = append(missing, "practice name")
	}
	if strings.TrimSpace(l.Practice.Phone) == "" {
		missing = append(missing, "practice phone")
	}
	if l.Date.IsZero() {
		missing = append(missing, "date")
	}
	switch l.Kind {
	case KindInvitation:
		if l.Invitation == nil {
			missing = append(missing, "invitation details")
		}
	case KindCarePlan:
		if l.CarePlan == nil {
			missing = append(missing, "care plan")
		}
	case KindReferral:
		if l.Referral == nil || strings.TrimSpace(l.Referral.Service) == "" {
			missing = append(missing, "referral service")
		}
	case KindOneDay:
		if l.OneDay == nil || strings.TrimSpace(l.OneDay.Site) == "" || l.OneDay.Day.IsZero() || len(l.OneDay.Appointments) == 0 {
			missing = append(missing, "the site, day and appointments")
		}
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrIncomplete, l.Kind)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s letter for patient %q lacks %s", ErrIncomplete, l.Kind, l.Patient.ID, strings.Join(missing, ", "))
	}
	return nil
}

// Render composes the letter and renders it in format f.
func Render(l Letter, f Format, opts Options) (Rendered, error) {
	doc, err := Compose(l)
	if err != nil {
		return Rendered{}, err
	}
	return doc.Render(f, opts)
}

// Render renders a composed document in format f.
func (d *Document) Render(f Format, opts Options) (Rendered, error) {
	var b strings.Builder
	var err error
	switch f {
	case FormatHTML:
		err = d.WriteHTML(&b, opts)
	case FormatPDF:
		err = d.WritePDF(&b, opts)
	default:
		err = fmt.Errorf("unknown letter format %q", f)
	}
	if err != nil {
		return Rendered{}, err
	}
	return Rendered{Format: f, Content: []byte(b.String()), Language: d.Language, Fallback: d.Fallback, Requested: d.Requested}, nil
}
