// Package hospitalfeed receives hospitals' HL7 v2 ADT messages over MLLP:
// each message is parsed, stored and applied through the coordination
// layer in one transaction, and only then acknowledged, so a sender that
// resends what it has no acknowledgement for loses nothing and doubles
// nothing.
package hospitalfeed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/hl7"
	"github.com/joinedup/joinedup/store"
	"golang.org/x/text/encoding/charmap"
)

// MaxFrame is the largest message accepted: ADT messages are a few KB.
const MaxFrame = 1 << 20

// Server receives ADT messages on MLLP connections.
type Server struct {
	Service *coord.Service
	Log     *slog.Logger
	// Now is the clock messages are received by; nil means time.Now.
	Now func() time.Time
	// IdleTimeout closes a connection that sends nothing for this long; 0
	// means 10 minutes.
	IdleTimeout time.Duration
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Serve accepts connections on l until ctx is done, then closes l and
// waits for the connections' messages in hand to be answered.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	for {
		conn, err := l.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, conn)
		}()
	}
}

// handle answers each message of one connection in turn, in order: a
// sender waits for each acknowledgement before the next message.
func (s *Server) handle(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	idle := s.IdleTimeout
	if idle <= 0 {
		idle = 10 * time.Minute
	}
	br := bufio.NewReader(conn)
	for {
		conn.SetReadDeadline(time.Now().Add(idle))
		frame, err := hl7.ReadFrame(br, MaxFrame)
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				s.log().Warn("hl7 connection closed", "remote", conn.RemoteAddr().String(), "err", err)
			}
			return
		}
		ack := s.Receive(ctx, frame)
		conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if err := hl7.WriteFrame(conn, ack); err != nil {
			s.log().Warn("hl7 acknowledgement not sent", "remote", conn.RemoteAddr().String(), "err", err)
			return
		}
	}
}

// Receive applies one message and returns its acknowledgement: AA once it
// is stored with its effects (or was before), AR for a message JoinedUp
// does not take (not ADT, an event it does not read), AE for one that is
// malformed, and AE with code 207 when it could not be stored, which the
// sender resends.
func (s *Server) Receive(ctx context.Context, raw []byte) []byte {
	now := s.now()
	m, err := hl7.Parse(raw)
	if err != nil {
		return hl7.ACK(nil, "AR", asError(err), now)
	}
	if !utf8.Valid(raw) {
		// Older systems send ISO 8859-1 and say so in MSH-18; text is
		// kept as UTF-8, so it is converted, and refused if undeclared.
		if cs := m.Get("MSH-18"); cs != "8859/1" {
			return hl7.ACK(m, "AR", &hl7.Error{Segment: "MSH", Sequence: 1, Field: 18, Code: hl7.CodeDataType,
				Reason: fmt.Sprintf("the message is not UTF-8 and MSH-18 (%q) does not declare ISO 8859-1 (8859/1)", cs)}, now)
		}
		if raw, err = charmap.ISO8859_1.NewDecoder().Bytes(raw); err != nil {
			return hl7.ACK(m, "AR", &hl7.Error{Segment: "MSH", Sequence: 1, Field: 18, Code: hl7.CodeDataType, Reason: err.Error()}, now)
		}
		if m, err = hl7.Parse(raw); err != nil {
			return hl7.ACK(nil, "AR", asError(err), now)
		}
	}
	adt, err := hl7.ParseADT(m)
	if err != nil {
		he := asError(err)
		code := "AE"
		if he.Code == "200" || he.Code == "201" {
			code = "AR"
		}
		return hl7.ACK(m, code, he, now)
	}
	ev := Event(m, adt, raw)
	r, err := s.Service.ReceiveHospitalEvent(ctx, coord.System("hl7 "+adt.SendingFacility, now), ev)
	if err != nil {
		s.log().Error("hl7 message not stored", "id", ev.MessageID, "err", err)
		return hl7.ACK(m, "AE", &hl7.Error{Segment: "MSH", Sequence: 1, Field: 10, Code: "207", Reason: "not stored; send it again"}, now)
	}
	s.log().Info("hl7", "id", ev.MessageID, "event", adt.Event, "status", r.Status, "duplicate", r.Duplicate, "reason", r.Reason)
	return hl7.ACK(m, "AA", nil, now)
}

func asError(err error) *hl7.Error {
	var he *hl7.Error
	if errors.As(err, &he) {
		return he
	}
	return &hl7.Error{Segment: "MSH", Sequence: 1, Code: "102", Reason: err.Error()}
}

// kinds maps ADT events to what they report.
var kinds = map[string]joinedup.HospitalEventKind{
	"A01": joinedup.EventAdmission, "A02": joinedup.EventTransfer, "A03": joinedup.EventDischarge,
	"A05": joinedup.EventPreAdmission, "A08": joinedup.EventUpdate, "A11": joinedup.EventCancelAdmission,
	"A12": joinedup.EventCancelTransfer, "A13": joinedup.EventCancelDischarge, "A40": joinedup.EventMerge,
}

// Event is what an ADT message reports, for the coordination layer.
func Event(m *hl7.Message, a hl7.ADT, raw []byte) joinedup.HospitalEvent {
	ev := joinedup.HospitalEvent{MessageID: a.SendingFacility + "|" + a.ControlID, Sender: a.SendingFacility, Kind: kinds[a.Event],
		NHSNumber: a.NHSNumber, Visit: a.VisitNumber, Start: a.AdmitTime, End: a.DischargeTime, At: a.EventTime,
		Location: a.Location, Service: a.HospitalService, MergedNHSNumber: a.MergedNHSNumber, Raw: raw}
	switch a.PatientClass {
	case "E":
		ev.Class = joinedup.EncounterEmergency
	case "I":
		ev.Class = joinedup.EncounterInpatient
		// PV1-4 admission type: E emergency, A accident, … (HL7 table 0007)
		t := m.Get("PV1-4")
		ev.Emergency = t == "E" || t == "A"
	default:
		ev.Class = joinedup.EncounterAmbulatory
	}
	if a.Event == "A04" {
		ev.Kind = joinedup.EventRegistration
		if a.PatientClass == "E" {
			ev.Kind = joinedup.EventAttendance
		}
	}
	if ev.At.IsZero() {
		ev.At = a.MessageTime
	}
	return ev
}

// Decode reads a stored hospital message again as the event it reports:
// HL7 v2 ADT as received here, or FHIR as the FHIR API takes it (an
// Encounter, or a message Bundle). The caller gives it the stored id and
// sender: a FHIR message's are the API's, not in the message.
func Decode(raw []byte) (joinedup.HospitalEvent, error) {
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(t, &head); err != nil {
			return joinedup.HospitalEvent{}, fmt.Errorf("stored FHIR message: %w", err)
		}
		switch head.ResourceType {
		case "Encounter":
			var e fhir.Encounter
			if err := json.Unmarshal(t, &e); err != nil {
				return joinedup.HospitalEvent{}, fmt.Errorf("stored FHIR Encounter: %w", err)
			}
			return fhir.HospitalEventOf(&e)
		case "Bundle":
			ev, _, err := fhir.HospitalMessageOf(t)
			return ev, err
		}
		return joinedup.HospitalEvent{}, fmt.Errorf("stored FHIR message: resourceType %q is neither Encounter nor Bundle", head.ResourceType)
	}
	m, err := hl7.Parse(raw)
	if err != nil {
		return joinedup.HospitalEvent{}, err
	}
	adt, err := hl7.ParseADT(m)
	if err != nil {
		return joinedup.HospitalEvent{}, err
	}
	return Event(m, adt, raw), nil
}

// Retry matches a message held for review again, as stored: decoded by
// Decode and given to coord.RetryHeldMessage with its stored id and sender.
// The command line and the administrator's page both retry through it.
func Retry(ctx context.Context, cs *coord.Service, q store.Querier, a coord.Actor, id string) (coord.Received, error) {
	m, err := store.GetHospitalMessage(ctx, q, id)
	if err != nil {
		return coord.Received{}, err
	}
	if m.Status != joinedup.MessageHeld {
		return coord.Received{}, joinedup.Conflict("hospital message %s is not held for review (it is %s)", id, m.Status)
	}
	ev, err := Decode([]byte(m.Raw))
	if err != nil {
		return coord.Received{}, fmt.Errorf("hospital message %s as stored: %w", id, err)
	}
	ev.MessageID, ev.Sender, ev.Raw = m.ID, m.Sender, []byte(m.Raw)
	return cs.RetryHeldMessage(ctx, a, ev)
}
