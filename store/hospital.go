package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/joinedup/joinedup"
)

// HospitalMessage is a received message as stored.
type HospitalMessage struct {
	ID         string
	Sender     string
	Kind       joinedup.HospitalEventKind
	NHSNumber  string
	PatientID  string
	Status     joinedup.HospitalMessageStatus
	Reason     string
	ReceivedAt time.Time
	Raw        string
}

// RecordHospitalMessage stores a received message unless one with its id
// is held already; it reports whether it was new.
func RecordHospitalMessage(ctx context.Context, q Writer, m HospitalMessage) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO hospital_messages (id, sender, kind, nhs_number, patient_id, status, reason, received_at, raw)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		m.ID, m.Sender, string(m.Kind), m.NHSNumber, nullString(m.PatientID), string(m.Status), m.Reason, dbTime(m.ReceivedAt), m.Raw)
	if err != nil {
		return false, fmt.Errorf("record hospital message %s: %w", m.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// HospitalMessages returns the messages of one status, oldest first.
func HospitalMessages(ctx context.Context, q Querier, status joinedup.HospitalMessageStatus) ([]HospitalMessage, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, sender, kind, nhs_number, COALESCE(patient_id, ''), status, reason, received_at, raw
		FROM hospital_messages WHERE status = $1 ORDER BY received_at, id`, string(status))
	if err != nil {
		return nil, fmt.Errorf("list hospital messages: %w", err)
	}
	defer rows.Close()
	var out []HospitalMessage
	for rows.Next() {
		var m HospitalMessage
		var kind, st string
		var at nt
		if err := rows.Scan(&m.ID, &m.Sender, &kind, &m.NHSNumber, &m.PatientID, &st, &m.Reason, &at, &m.Raw); err != nil {
			return nil, fmt.Errorf("list hospital messages: %w", err)
		}
		m.Kind, m.Status, m.ReceivedAt = joinedup.HospitalEventKind(kind), joinedup.HospitalMessageStatus(st), at.t()
		out = append(out, m)
	}
	return out, rows.Err()
}

// ResolveHeldMessage records what became of a held message on review:
// applied to a patient, held still (with a new reason) or dismissed. A
// message no longer held is a conflict: someone reviewed it already.
func ResolveHeldMessage(ctx context.Context, q Writer, id, patientID string, status joinedup.HospitalMessageStatus, reason string) error {
	res, err := q.ExecContext(ctx, `UPDATE hospital_messages SET status = $2, patient_id = $3, reason = $4 WHERE id = $1 AND status = $5`,
		id, string(status), nullString(patientID), reason, string(joinedup.MessageHeld))
	if err != nil {
		return fmt.Errorf("review hospital message %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return joinedup.Conflict("hospital message %s is not held for review (reviewed already, or never received)", id)
	}
	return nil
}

// GetHospitalMessage returns one stored message.
func GetHospitalMessage(ctx context.Context, q Querier, id string) (HospitalMessage, error) {
	var m HospitalMessage
	var kind, st string
	var at nt
	err := q.QueryRowContext(ctx, `SELECT id, sender, kind, nhs_number, COALESCE(patient_id, ''), status, reason, received_at, raw
		FROM hospital_messages WHERE id = $1`, id).Scan(&m.ID, &m.Sender, &kind, &m.NHSNumber, &m.PatientID, &st, &m.Reason, &at, &m.Raw)
	if errors.Is(err, sql.ErrNoRows) {
		return m, joinedup.NotFound("hospital message %s", id)
	}
	if err != nil {
		return m, fmt.Errorf("read hospital message %s: %w", id, err)
	}
	m.Kind, m.Status, m.ReceivedAt = joinedup.HospitalEventKind(kind), joinedup.HospitalMessageStatus(st), at.t()
	return m, nil
}
