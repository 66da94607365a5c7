package hl7

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// MLLP (the Minimal Lower Layer Protocol) frames each message on a stream:
// a start block byte, the message, an end block byte and a carriage return.
const (
	startBlock = 0x0B // VT
	endBlock   = 0x1C // FS
	frameEnd   = 0x0D // CR
)

// ErrFrameTooLong is ReadFrame's error for a frame longer than its limit.
var ErrFrameTooLong = errors.New("hl7: MLLP frame longer than the limit")

// errBlockByte is WriteFrame's error for a message MLLP cannot frame.
var errBlockByte = errors.New("hl7: message holds an MLLP start or end block byte")

// ReadFrame reads the next MLLP frame from r and returns the message in it.
//
// Bytes before the start block (a newline a sender puts between frames, the
// rest of a frame too long to read) are skipped. A start block inside a
// frame starts the frame again: the sender broke off the message before it
// and will send it again when it has no acknowledgement. The carriage return
// after the end block is consumed when it has arrived; otherwise it is
// skipped with what comes before the next frame, so a sender that leaves it
// out is not kept waiting.
//
// A frame whose message is longer than max bytes is ErrFrameTooLong (max 0
// or less is no limit); the stream can be read on. The stream ending
// between frames is io.EOF, inside a frame io.ErrUnexpectedEOF.
func ReadFrame(r *bufio.Reader, max int) ([]byte, error) {
	for {
		c, err := r.ReadByte()
		if err != nil {
			return nil, err // io.EOF when the stream ends between frames
		}
		if c == startBlock {
			break
		}
	}
	msg := []byte{}
	for {
		chunk, err := r.ReadSlice(endBlock)
		if i := bytes.LastIndexByte(chunk, startBlock); i >= 0 {
			msg, chunk = msg[:0], chunk[i+1:]
		}
		if err == nil {
			chunk = chunk[:len(chunk)-1] // the end block
		}
		if max > 0 && len(msg)+len(chunk) > max {
			return nil, ErrFrameTooLong
		}
		msg = append(msg, chunk...)
		switch err {
		case nil:
			if r.Buffered() > 0 {
				if b, _ := r.Peek(1); b[0] == frameEnd {
					r.Discard(1)
				}
			}
			return msg, nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// WriteFrame writes msg to w as one MLLP frame, in one Write. A message
// holding a start or end block byte cannot be framed and is an error.
func WriteFrame(w io.Writer, msg []byte) error {
	if bytes.IndexByte(msg, startBlock) >= 0 || bytes.IndexByte(msg, endBlock) >= 0 {
		return errBlockByte
	}
	b := make([]byte, 0, len(msg)+3)
	b = append(b, startBlock)
	b = append(b, msg...)
	b = append(b, endBlock, frameEnd)
	_, err := w.Write(b)
	return err
}
