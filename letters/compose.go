package letters

import (
	"strings"
)

// composer builds a Document, keeping the first error so the layout code
// reads as the letter reads.
type composer struct {
	m   *messages
	err error
}

func (c *composer) msg(id string, data map[string]any) string {
	if c.err != nil {
		return ""
	}
	s, err := c.m.get(id, data)
	if err != nil {
		c.err = err
	}
	return s
}

// Compose writes the letter in the patient's language, or in English when
// that language has no catalogue (reported in Document.Fallback).
func Compose(l Letter) (*Document, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	lang, fallback, err := ChooseLanguage(l.Patient.Language)
	if err != nil {
		return nil, err
	}
	m, err := newMessages(lang)
	if err != nil {
		return nil, err
	}
	c := &composer{m: m}
	longDate, err := m.date(l.Date)
	if err != nil {
		return nil, err
	}
	phone := l.Practice.Phone
	d := &Document{
		Kind: l.Kind, Language: lang, Fallback: fallback, Requested: l.Patient.Language, Date: l.Date,
		PracticeName: l.Practice.Name, PracticeAddress: nonEmpty(l.Practice.Address), PracticePhone: phone,
		Recipient: nonEmpty(append(append([]string{l.Patient.Name()}, l.Address...), l.Patient.Postcode)),
		DateLine:  c.msg("DateLine", map[string]any{"Date": longDate}),
		Greeting:  c.msg("Greeting", map[string]any{"Name": l.Patient.Name()}),
		SignOff:   []string{c.msg("SignOff", nil), l.Practice.Name},
		Footer:    c.msg("LetterFooter", map[string]any{"Phone": phone}),
	}
	if l.Patient.NHSNumber != "" {
		d.NHSLine = c.msg("NHSNumberLine", map[string]any{"NHSNumber": l.Patient.NHSNumber.String()})
	}
	para := func(id string, data map[string]any) {
		d.Body = append(d.Body, Block{Kind: Paragraph, Text: c.msg(id, data)})
	}
	text := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			d.Body = append(d.Body, Block{Kind: Paragraph, Text: s})
		}
	}
	heading := func(id string, data map[string]any) {
		d.Body = append(d.Body, Block{Kind: Heading, Text: c.msg(id, data)})
	}
	bullets := func(items ...string) { d.Body = append(d.Body, Block{Kind: Bullets, Items: items}) }

	switch l.Kind {
	case KindInvitation:
		inv := l.Invitation
		d.Title = c.msg("InviteTitle", nil)
		para("InviteWhy", nil)
		if inv.Appointment.IsZero() {
			para("InviteNoAppointment", nil)
		} else {
			day, err := m.date(inv.Appointment.In(london))
			if err != nil {
				return nil, err
			}
			clock, err := m.clock(inv.Appointment)
			if err != nil {
				return nil, err
			}
			para("InviteAppointment", map[string]any{"Date": day, "Time": clock})
			if inv.With != "" {
				para("InviteWith", map[string]any{"With": inv.With})
			}
			if inv.Place != "" {
				para("InvitePlace", map[string]any{"Place": inv.Place})
			}
		}
		heading("BringHeading", nil)
		bullets(c.msg("BringMedicines", nil), c.msg("BringQuestions", nil), c.msg("BringFamily", nil))
		heading("ChangeHeading", nil)
		para("ChangeText", map[string]any{"Phone": phone})
		heading("InterpreterHeading", nil)
		if l.Patient.InterpreterRequired {
			para("InterpreterArranged", nil)
		} else {
			para("InterpreterOffer", nil)
		}
		para("InviteClose", nil)

	case KindCarePlan:
		cp := l.CarePlan
		d.Title = c.msg("CarePlanTitle", nil)
		para("CarePlanIntro", nil)
		heading("WhatMattersHeading", nil)
		text(cp.WhatMattersToMe)
		if len(cp.Goals) > 0 {
			heading("GoalsHeading", nil)
			for _, g := range cp.Goals {
				items := []string{strings.TrimSpace(g.What)}
				if s := strings.TrimSpace(g.Steps); s != "" {
					items = append(items, c.msg("GoalSteps", map[string]any{"Steps": s}))
				}
				if !g.TargetDate.IsZero() {
					by, err := m.date(g.TargetDate)
					if err != nil {
						return nil, err
					}
					items = append(items, c.msg("GoalBy", map[string]any{"Date": by}))
				}
				// One goal is one paragraph-like group: its text, then how
				// and by when, so a goal is never split from its steps.
				d.Body = append(d.Body, Block{Kind: Paragraph, Text: items[0]})
				if len(items) > 1 {
					bullets(items[1:]...)
				}
			}
		}
		if len(cp.Contacts) > 0 {
			heading("ContactsHeading", nil)
			var items []string
			for _, ct := range cp.Contacts {
				items = append(items, c.msg("ContactLine", map[string]any{"Name": ct.Name, "Role": ct.Role, "Phone": ct.Phone}))
			}
			bullets(items...)
		}
		heading("IfWorseHeading", nil)
		text(cp.IfWorse)
		para("IfWorseEmergency", nil)
		if !cp.NextReview.IsZero() {
			next, err := m.date(cp.NextReview)
			if err != nil {
				return nil, err
			}
			heading("NextReviewHeading", nil)
			para("NextReview", map[string]any{"Date": next})
		}
		para("CarePlanChange", map[string]any{"Phone": phone})

	case KindReferral:
		r := l.Referral
		d.Title = c.msg("ReferralTitle", map[string]any{"Service": r.Service})
		para("ReferralDone", map[string]any{"Service": r.Service})
		if s := strings.TrimSpace(r.Reason); s != "" {
			para("ReferralReason", map[string]any{"Reason": s})
		}
		heading("WhatNextHeading", nil)
		if s := strings.TrimSpace(r.WhatNext); s != "" {
			text(s)
		} else {
			para("WhatNextDefault", nil)
		}
		var contact []string
		if r.Phone != "" {
			contact = append(contact, c.msg("ServicePhone", map[string]any{"Phone": r.Phone}))
		}
		if r.Email != "" {
			contact = append(contact, c.msg("ServiceEmail", map[string]any{"Email": r.Email}))
		}
		if r.Website != "" {
			contact = append(contact, c.msg("ServiceWebsite", map[string]any{"Website": r.Website}))
		}
		if len(contact) > 0 {
			heading("ServiceContactHeading", nil)
			bullets(contact...)
		}
		days := r.ChaseAfterDays
		if days <= 0 {
			days = 14
		}
		para("ReferralChase", map[string]any{"Days": days, "Phone": phone})

	case KindOneDay:
		o := l.OneDay
		day, err := m.date(o.Day)
		if err != nil {
			return nil, err
		}
		d.Title = c.msg("OneDayTitle", nil)
		para("OneDayAsked", map[string]any{"Site": o.Site, "Date": day, "Count": len(o.Appointments)})
		heading("OneDayClinicsHeading", nil)
		var items []string
		for _, a := range o.Appointments {
			if !a.Moves {
				items = append(items, c.msg("OneDayAlreadyBooked", map[string]any{"Clinic": a.Clinic}))
				continue
			}
			booked, err := m.date(a.Booked.In(london))
			if err != nil {
				return nil, err
			}
			items = append(items, c.msg("OneDayMoved", map[string]any{"Clinic": a.Clinic, "Date": booked}))
		}
		bullets(items...)
		heading("WhatNextHeading", nil)
		para("OneDayWhatNext", nil)
		para("OneDayKeep", nil)
		para("OneDayChange", map[string]any{"Phone": phone})
	}
	if c.err != nil {
		return nil, c.err
	}
	return d, nil
}

// nonEmpty drops blank lines, so a missing address line leaves no gap.
func nonEmpty(lines []string) []string {
	var out []string
	for _, s := range lines {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
