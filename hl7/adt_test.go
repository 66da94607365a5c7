package hl7

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// readMessage parses a testdata message.
func readMessage(t testing.TB, name string) *Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, b)
}

// inUTC gives every time of a in UTC, so that two ADTs compare with
// reflect.DeepEqual whatever location their times were read in.
func inUTC(a ADT) ADT {
	for _, t := range []*time.Time{&a.MessageTime, &a.BirthDate, &a.AdmitTime, &a.DischargeTime, &a.EventTime} {
		*t = t.UTC()
	}
	return a
}

func TestParseADT(t *testing.T) {
	z := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	mrn := Identifier{ID: "RJ1H123456", Authority: "RJ1", Type: "MR"}
	patient := ADT{
		NHSNumber: "9434765919", OtherIDs: []Identifier{mrn},
		Family: "CHAPMAN", Given: "AMELIA", BirthDate: z("1964-03-12T00:00:00Z"), Sex: "F",
		SendingApp: "EPR", SendingFacility: "RJ1",
	}
	with := func(f func(a *ADT)) ADT {
		a := patient
		f(&a)
		return a
	}
	tests := []struct {
		file string
		want ADT
	}{
		{"a01.hl7", with(func(a *ADT) {
			a.Event, a.ControlID, a.MessageTime = "A01", "RJ1A0100000123", z("2026-03-14T10:15:02Z")
			a.PatientClass, a.VisitNumber, a.HospitalService = "I", "RJ1V0098765", "300"
			a.Location = "WESTMINSTER WARD, BAY 2, BED 4, RJ1"
			a.AdmitTime, a.EventTime = z("2026-03-14T10:00:00Z"), z("2026-03-14T10:00:00Z")
		})},
		{"a02.hl7", with(func(a *ADT) { // British Summer Time
			a.Event, a.ControlID, a.MessageTime = "A02", "RJ1A0200000124", z("2026-04-02T13:30:12Z")
			a.PatientClass, a.VisitNumber, a.HospitalService = "I", "RJ1V0098765", "340"
			a.Location = "ALEXANDRA WARD, SIDE ROOM 3, BED 1, RJ1"
			a.AdmitTime, a.EventTime = z("2026-03-14T10:00:00Z"), z("2026-04-02T13:15:00Z")
		})},
		{"a03.hl7", with(func(a *ADT) {
			a.Event, a.ControlID, a.MessageTime = "A03", "RJ1A0300000125", z("2026-04-05T10:30:04Z")
			a.PatientClass, a.VisitNumber, a.HospitalService = "I", "RJ1V0098765", "340"
			a.Location = "ALEXANDRA WARD, SIDE ROOM 3, BED 1, RJ1"
			a.AdmitTime, a.DischargeTime, a.EventTime = z("2026-03-14T10:00:00Z"), z("2026-04-05T10:00:00Z"), z("2026-04-05T10:00:00Z")
		})},
		{"a04.hl7", with(func(a *ADT) { // an A&E attendance
			a.Event, a.ControlID, a.MessageTime = "A04", "RJ1ED000004471", z("2026-07-20T22:15:47Z")
			a.SendingApp = "EDIS"
			a.PatientClass, a.VisitNumber, a.HospitalService = "E", "RJ1E2026072001", "180"
			a.Location = "EMERGENCY DEPARTMENT, MAJORS, CUBICLE 12, RJ1"
			a.AdmitTime, a.EventTime = z("2026-07-20T22:12:00Z"), z("2026-07-20T22:12:00Z")
		})},
		{"a05.hl7", with(func(a *ADT) { // the NHS number by OID, with spaces
			a.Event, a.ControlID, a.MessageTime = "A05", "RJ1A0500000090", z("2026-01-10T09:00:00Z")
			a.PatientClass, a.VisitNumber, a.HospitalService = "P", "RJ1V0099001", "101"
			a.Location = "DAY SURGERY UNIT, RJ1"
			a.AdmitTime, a.EventTime = z("2026-02-03T07:30:00Z"), z("2026-01-10T09:00:00Z")
		})},
		{"a08.hl7", with(func(a *ADT) { // offsets given; the legal name of two
			a.Event, a.ControlID, a.MessageTime = "A08", "RJ1A0800000126", z("2026-04-06T15:15:00Z")
			a.PatientClass, a.EventTime = "O", z("2026-04-06T15:15:00Z")
		})},
		{"a11.hl7", with(func(a *ADT) {
			a.Event, a.ControlID, a.MessageTime = "A11", "RJ1A1100000127", z("2026-03-14T10:40:00Z")
			a.PatientClass, a.VisitNumber, a.HospitalService = "I", "RJ1V0098765", "300"
			a.Location = "WESTMINSTER WARD, BAY 2, BED 4, RJ1"
			a.EventTime = z("2026-03-14T10:40:00Z")
		})},
		{"a12.hl7", with(func(a *ADT) {
			a.Event, a.ControlID, a.MessageTime = "A12", "RJ1A1200000128", z("2026-04-02T14:00:00Z")
			a.PatientClass, a.VisitNumber, a.HospitalService = "I", "RJ1V0098765", "300"
			a.Location = "WESTMINSTER WARD, BAY 2, BED 4, RJ1"
			a.AdmitTime, a.EventTime = z("2026-03-14T10:00:00Z"), z("2026-04-02T14:00:00Z")
		})},
		{"a13.hl7", with(func(a *ADT) { // the NHS number by type NH; discharge time ""
			a.Event, a.ControlID, a.MessageTime = "A13", "RJ1A1300000129", z("2026-04-05T11:05:00Z")
			a.OtherIDs = []Identifier{mrn}
			a.PatientClass, a.VisitNumber, a.HospitalService = "I", "RJ1V0098765", "340"
			a.Location = "ALEXANDRA WARD, SIDE ROOM 3, BED 1, RJ1"
			a.AdmitTime, a.EventTime = z("2026-03-14T10:00:00Z"), z("2026-04-05T11:05:00Z")
		})},
		{"a40.hl7", with(func(a *ADT) {
			a.Event, a.ControlID, a.MessageTime = "A40", "RJ1A4000000130", z("2026-06-01T08:15:00Z")
			a.EventTime, a.MergedNHSNumber = z("2026-06-01T08:15:00Z"), "9434765870"
		})},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			// as written (\n) and as sent (\r)
			for _, in := range [][]byte{b, []byte(strings.ReplaceAll(string(b), "\n", "\r"))} {
				got, err := ParseADT(mustParse(t, in))
				if err != nil {
					t.Fatalf("ParseADT: %v", err)
				}
				if got.MessageTime.Location() != london && !strings.Contains(string(b), "+0100|") {
					t.Errorf("MessageTime in %v, want Europe/London", got.MessageTime.Location())
				}
				if got := inUTC(got); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ParseADT =\n%+v\nwant\n%+v", got, tt.want)
				}
			}
		})
	}
}

func TestParseADTErrors(t *testing.T) {
	a01, err := os.ReadFile("testdata/a01.hl7")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) string {
		if !strings.Contains(string(a01), old) {
			t.Fatalf("a01.hl7 holds no %q", old)
		}
		return strings.Replace(string(a01), old, new, 1)
	}
	tests := []struct {
		name, in string
		want     Error
		text     string
	}{
		{"PID-3 missing", edit("9434765919^^^NHS^NH~RJ1H123456^^^RJ1^MR", ""),
			Error{Segment: "PID", Sequence: 1, Field: 3, Code: "101", Reason: "required field missing"}, "PID-3: required field missing"},
		{"PID-3 without an id", edit("9434765919^^^NHS^NH~RJ1H123456^^^RJ1^MR", "^^^NHS^NH~"),
			Error{Segment: "PID", Sequence: 1, Field: 3, Code: "101", Reason: "required field missing"}, "PID-3: required field missing"},
		{"no PID", edit("PID|", "ZPI|"),
			Error{Segment: "PID", Sequence: 1, Field: 3, Code: "101", Reason: "required field missing"}, "PID-3: required field missing"},
		{"PV1-2 missing", edit("PV1|1|I|", "PV1|1||"),
			Error{Segment: "PV1", Sequence: 1, Field: 2, Code: "101", Reason: "required field missing"}, "PV1-2: required field missing"},
		{"bad birth date", edit("19640312", "19641312"),
			Error{Segment: "PID", Sequence: 1, Field: 7, Code: "102", Reason: `invalid timestamp "19641312"`}, `PID-7: invalid timestamp "19641312"`},
		{"bad message time", edit("20260314101502", "2026-03-14 10:15"),
			Error{Segment: "MSH", Sequence: 1, Field: 7, Code: "102", Reason: `invalid timestamp "2026-03-14 10:15"`}, `MSH-7: invalid timestamp "2026-03-14 10:15"`},
		{"bad admit time", edit("|20260314100000\nPV2", "|20260314250000\nPV2"),
			Error{Segment: "PV1", Sequence: 1, Field: 44, Code: "102", Reason: `invalid timestamp "20260314250000"`}, `PV1-44: invalid timestamp "20260314250000"`},
		{"bad event time", edit("|20260314100000\nPID", "|2026031410000\nPID"),
			Error{Segment: "EVN", Sequence: 1, Field: 6, Code: "102", Reason: `invalid timestamp "2026031410000"`}, `EVN-6: invalid timestamp "2026031410000"`},
		{"unsupported event", edit("ADT^A01^ADT_A01", "ADT^A99^ADT_A01"),
			Error{Segment: "MSH", Sequence: 1, Field: 9, Component: 2, Code: "201", Reason: "unsupported event code A99"}, "MSH-9.2: unsupported event code A99"},
		{"not ADT", edit("ADT^A01^ADT_A01", "ORU^R01^ORU_R01"),
			Error{Segment: "MSH", Sequence: 1, Field: 9, Component: 1, Code: "200", Reason: "unsupported message type ORU"}, "MSH-9.1: unsupported message type ORU"},
		{"no message type", edit("ADT^A01^ADT_A01", ""),
			Error{Segment: "MSH", Sequence: 1, Field: 9, Component: 1, Code: "101", Reason: "required field missing"}, "MSH-9.1: required field missing"},
		{"no event", strings.Replace(edit("ADT^A01^ADT_A01", "ADT"), "EVN|A01|", "EVN||", 1),
			Error{Segment: "MSH", Sequence: 1, Field: 9, Component: 2, Code: "101", Reason: "required field missing"}, "MSH-9.2: required field missing"},
	}
	a40, err := os.ReadFile("testdata/a40.hl7")
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name, in string
		want     Error
		text     string
	}{"A40 without MRG-1", strings.Replace(string(a40), "MRG|RJ1H654321^^^RJ1^MR~9434765870^^^NHS^NH|", "MRG||", 1),
		Error{Segment: "MRG", Sequence: 1, Field: 1, Code: "101", Reason: "required field missing"}, "MRG-1: required field missing"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseADT(mustParse(t, []byte(tt.in)))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseADT error = %v, want *Error", err)
			}
			if *e != tt.want {
				t.Errorf("ParseADT error = %#v, want %#v", *e, tt.want)
			}
			if e.Error() != tt.text {
				t.Errorf("Error() = %q, want %q", e.Error(), tt.text)
			}
		})
	}
}

func TestParseADTEventFromEVN(t *testing.T) {
	m := mustParse(t, []byte("MSH|^~\\&|EPR|RJ1|||20260101||ADT|1|P|2.3\rEVN|A08|20260101\rPID|||9434765919^^^NHS\r"))
	a, err := ParseADT(m)
	if err != nil || a.Event != "A08" || a.NHSNumber != "9434765919" {
		t.Errorf("ParseADT = %+v, %v", a, err)
	}
	if _, err := ParseADT(nil); err == nil {
		t.Error("ParseADT(nil): no error")
	}
}
