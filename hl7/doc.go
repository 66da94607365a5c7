// Package hl7 reads and writes HL7 version 2.x messages and carries them over
// MLLP, the framing HL7 v2 interfaces in NHS trusts use on a TCP connection.
//
// It provides:
//
//   - Parse, which splits a message into segments, fields, repetitions,
//     components and subcomponents with the delimiters the message declares
//     in MSH-1 and MSH-2, and Message.Get, which reads one value by a
//     terser-like path ("PID-3(2).1") with the escape sequences undone;
//   - ParseADT, which validates an ADT (admission, discharge and transfer)
//     message of the events JoinedUp takes — A01, A02, A03, A04, A05, A08,
//     A11, A12, A13 and A40 — and reads the patient, the NHS number and the
//     visit from it;
//   - ACK, the acknowledgement a receiver returns, with an ERR segment coded
//     from HL7 table 0357 when the message is refused;
//   - ReadFrame and WriteFrame, MLLP framing with a limit on a frame's size.
//
// It is our own rather than a third-party HL7 library because JoinedUp needs
// a small, well-defined part of HL7 v2 — ADT in and ACK out — and a parser
// that holds a message exactly as sent, never panics on what a network peer
// sends (it is fuzzed), reads times in Europe/London where a message gives no
// offset, and depends on the standard library alone.
package hl7
