package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
)

// maxEncounter is the largest Encounter a hospital may send.
const maxEncounter = 1 << 20

// fhirReceiveEncounter takes a hospital's Encounter (POST /fhir/Encounter)
// as the HL7 v2 feed takes an ADT message: stored and applied in one
// transaction through coord, once however often it is sent (the same
// content is the same message), and matched by NHS number only. It answers
// 200 once applied, 202 when held for review, each with an
// OperationOutcome saying which.
func (s *Server) fhirReceiveEncounter(c *Call) error {
	raw, err := hospitalBody(c, "an Encounter")
	if err != nil {
		return err
	}
	var e fhir.Encounter
	if err := json.Unmarshal(raw, &e); err != nil || e.ResourceType != "Encounter" {
		if err == nil {
			err = errors.New("resourceType is not Encounter")
		}
		return errFHIR(http.StatusBadRequest, "not an R4 Encounter: "+err.Error())
	}
	ev, err := fhir.HospitalEventOf(&e)
	if err != nil {
		return errFHIR(http.StatusUnprocessableEntity, err.Error())
	}
	sum := sha256.Sum256(raw)
	ev.MessageID = "fhir:" + c.Client.ID + "|" + e.ID + "|" + hex.EncodeToString(sum[:12])
	return s.receiveFHIREvent(c, ev, raw, "Encounter/"+e.ID)
}

// fhirProcessMessage takes a hospital's FHIR message Bundle (POST
// /fhir/$process-message): its MessageHeader says the v2 event, its focus
// is the Encounter, and its identifier makes it received once. It answers
// as fhirReceiveEncounter does.
func (s *Server) fhirProcessMessage(c *Call) error {
	raw, err := hospitalBody(c, "a message")
	if err != nil {
		return err
	}
	ev, id, err := fhir.HospitalMessageOf(raw)
	if err != nil {
		var me *fhir.MappingError
		if errors.As(err, &me) {
			return errFHIR(http.StatusUnprocessableEntity, err.Error())
		}
		return errFHIR(http.StatusBadRequest, err.Error())
	}
	ev.MessageID = "fhir:" + c.Client.ID + "|" + id
	return s.receiveFHIREvent(c, ev, raw, "message "+id)
}

// hospitalBody reads what a hospital posts, up to maxEncounter bytes.
func hospitalBody(c *Call, what string) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(c.R.Body, maxEncounter+1))
	if err != nil {
		return nil, errFHIR(http.StatusBadRequest, "read the body: "+err.Error())
	}
	if len(raw) > maxEncounter {
		return nil, errFHIR(http.StatusRequestEntityTooLarge, what+" of more than 1 MB")
	}
	return raw, nil
}

// receiveFHIREvent stores and applies a hospital's event through coord and
// answers with an OperationOutcome: 200 once applied (or received before),
// 202 when held for review.
func (s *Server) receiveFHIREvent(c *Call, ev joinedup.HospitalEvent, raw []byte, what string) error {
	ev.Sender = c.Client.Name
	ev.Raw = raw
	r, err := s.coord.ReceiveHospitalEvent(c.R.Context(), c.Actor(), ev)
	if err != nil {
		return err
	}
	status, severity, text := http.StatusOK, "information", "applied"
	switch {
	case r.Duplicate:
		text = "received before: nothing done again"
	case r.Status == joinedup.MessageHeld:
		status, severity, text = http.StatusAccepted, "warning", "held for review: "+r.Reason
	}
	return c.Respond(status, FHIRContentType, &fhir.OperationOutcome{Resource: fhir.Resource{ResourceType: "OperationOutcome"},
		Issue: []fhir.OutcomeIssue{{Severity: severity, Code: "informational", Diagnostics: what + ": " + text}}})
}
