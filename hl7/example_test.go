package hl7_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup/hl7"
)

func Example() {
	msg := strings.Join([]string{
		`MSH|^~\&|EDIS|RJ1|JOINEDUP|LCN|20260720231547||ADT^A04^ADT_A01|RJ1ED000004471|P|2.4`,
		`EVN|A04|20260720231545||||20260720231200`,
		`PID|1||RJ1H123456^^^RJ1^MR~9434765919^^^NHS^NH||CHAPMAN^AMELIA||19640312|F`,
		`PV1|1|E|EMERGENCY DEPARTMENT^MAJORS^CUBICLE 12^RJ1`,
	}, "\r")

	// A receiver reads a frame, parses it, reads the ADT and acknowledges.
	var conn bytes.Buffer
	hl7.WriteFrame(&conn, []byte(msg))
	b, _ := hl7.ReadFrame(bufio.NewReader(&conn), 1<<20)
	m, err := hl7.Parse(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := hl7.ParseADT(m)
	var e *hl7.Error
	code := "AA"
	if errors.As(err, &e) {
		code = "AE"
	}
	fmt.Println(a.Event, a.NHSNumber, a.Family, a.PatientClass, a.Location)
	fmt.Println(a.EventTime.UTC())
	fmt.Println(m.Get("PID-3(1).4"), m.Repeats("PID", 3))

	now := time.Date(2026, 7, 20, 22, 15, 48, 0, time.UTC)
	ack := hl7.ACK(m, code, e, now)
	fmt.Println(strings.ReplaceAll(string(ack), "\r", "\n"))
	// Output:
	// A04 9434765919 CHAPMAN E EMERGENCY DEPARTMENT, MAJORS, CUBICLE 12, RJ1
	// 2026-07-20 22:12:00 +0000 UTC
	// RJ1 2
	// MSH|^~\&|JOINEDUP|LCN|EDIS|RJ1|20260720221548+0000||ACK^A04^ACK|20260720221548453c50|P|2.4
	// MSA|AA|RJ1ED000004471
}

func ExampleError() {
	m, _ := hl7.Parse([]byte("MSH|^~\\&|EPR|RJ1|||20260101||ADT^A99|42|P|2.4\rPID|||9434765919^^^NHS\r"))
	_, err := hl7.ParseADT(m)
	fmt.Println(err)
	fmt.Println(strings.ReplaceAll(string(hl7.ACK(m, "AR", err.(*hl7.Error), time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))), "\r", "\n"))
	// Output:
	// MSH-9.2: unsupported event code A99
	// MSH|^~\&|||EPR|RJ1|20260101090000+0000||ACK^A99^ACK|20260101090000c96fa8|P|2.4
	// MSA|AR|42
	// ERR||MSH^1^9^1^2|201^Unsupported event code^HL70357|E||||unsupported event code A99
}
