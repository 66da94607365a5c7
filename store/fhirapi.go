package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/joinedup/joinedup"
)

// This file holds what the FHIR API and Bulk Data export need beyond the
// facts: registered system clients and their tokens, export jobs, every
// task, referral and consent of a patient, and finding the patient a record
// belongs to from the record's id alone.

// CreateClient registers a system client with its public JWK set (JSON) and
// the scopes it may be granted.
func CreateClient(ctx context.Context, q Writer, c joinedup.Client, jwks string, now time.Time) (joinedup.Client, error) {
	if strings.TrimSpace(c.Name) == "" {
		return c, errors.New("create client: a name is required")
	}
	if len(c.Scopes) == 0 {
		return c, fmt.Errorf("create client %s: no scopes", c.Name)
	}
	if c.ID == "" {
		c.ID = NewID()
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM api_clients WHERE name = $1", c.Name).Scan(&n); err != nil {
		return c, fmt.Errorf("create client %s: %w", c.Name, err)
	}
	if n > 0 {
		return c, fmt.Errorf("a client named %s already exists: %w", c.Name, joinedup.ErrConflict)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO api_clients (id, name, jwks, scopes, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, c.Name, jwks, strings.Join(c.Scopes, " "), c.Disabled, dbTime(now))
	if err != nil {
		return c, fmt.Errorf("create client %s: %w", c.Name, err)
	}
	return c, nil
}

// GetClient returns a registered client and its JWK set by id.
func GetClient(ctx context.Context, q Querier, id string) (joinedup.Client, string, error) {
	c := joinedup.Client{ID: id}
	var scopes, jwks string
	err := q.QueryRowContext(ctx, "SELECT name, jwks, scopes, disabled FROM api_clients WHERE id = $1", id).
		Scan(&c.Name, &jwks, &scopes, &c.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return c, "", fmt.Errorf("client %s: %w", id, joinedup.ErrNotFound)
	}
	if err != nil {
		return c, "", fmt.Errorf("read client %s: %w", id, err)
	}
	c.Scopes = strings.Fields(scopes)
	return c, jwks, nil
}

// ListClients returns every registered client, by name.
func ListClients(ctx context.Context, q Querier) ([]joinedup.Client, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, name, scopes, disabled FROM api_clients ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list clients: %w", err)
	}
	defer rows.Close()
	var out []joinedup.Client
	for rows.Next() {
		var c joinedup.Client
		var scopes string
		if err := rows.Scan(&c.ID, &c.Name, &scopes, &c.Disabled); err != nil {
			return nil, fmt.Errorf("list clients: %w", err)
		}
		c.Scopes = strings.Fields(scopes)
		out = append(out, c)
	}
	return out, rows.Err()
}

// UseAssertion records that the client's assertion with this jti was used;
// it returns an error wrapping joinedup.ErrConflict when it was used before, so an
// intercepted assertion buys no second token. Expired records are removed.
func UseAssertion(ctx context.Context, q Writer, clientID, jti string, expires, now time.Time) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM api_assertions WHERE expires_at < $1", dbTime(now)); err != nil {
		return fmt.Errorf("expire assertions: %w", err)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO api_assertions (client_id, jti, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (client_id, jti) DO NOTHING`, clientID, jti, dbTime(expires))
	if err != nil {
		return fmt.Errorf("record assertion of client %s: %w", clientID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("assertion %s of client %s was already used: %w", jti, clientID, joinedup.ErrConflict)
	}
	return nil
}

// CreateAccessToken stores an issued access token by its hash.
func CreateAccessToken(ctx context.Context, q Writer, tokenHash, clientID string, scopes []string, issued, expires time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO api_tokens (token_hash, client_id, scopes, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		tokenHash, clientID, strings.Join(scopes, " "), dbTime(issued), dbTime(expires))
	if err != nil {
		return fmt.Errorf("store access token of client %s: %w", clientID, err)
	}
	return nil
}

// ClientByToken returns the client an unexpired access token was issued to,
// with Scopes set to the token's scopes (which may be narrower than the
// client's registration). An unknown or expired token gives joinedup.ErrNotFound.
func ClientByToken(ctx context.Context, q Querier, tokenHash string, now time.Time) (joinedup.Client, error) {
	var c joinedup.Client
	var scopes string
	err := q.QueryRowContext(ctx, `SELECT c.id, c.name, c.disabled, t.scopes FROM api_tokens t JOIN api_clients c ON c.id = t.client_id
		WHERE t.token_hash = $1 AND t.expires_at > $2`, tokenHash, dbTime(now)).Scan(&c.ID, &c.Name, &c.Disabled, &scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("access token: %w", joinedup.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read access token: %w", err)
	}
	c.Scopes = strings.Fields(scopes)
	return c, nil
}

// Export job statuses.
const (
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
)

// ExportJob is one Bulk Data export request and its state.
type ExportJob struct {
	ID              string
	ClientID        string
	Request         string // the kick-off URL, as the manifest repeats it
	Level           string // "system" or "patient"
	Types           []string
	Since           time.Time // zero when not given
	Status          string
	Progress        string
	Error           string
	TransactionTime time.Time
	Finished        time.Time
	Files           []ExportFile
}

// ExportFile is one NDJSON output file of a finished job.
type ExportFile struct {
	ResourceType string
	Name         string // file name within the job's folder
	Count        int
}

// CreateExportJob stores a new running job.
func CreateExportJob(ctx context.Context, q Writer, j ExportJob) error {
	j.Status = ExportRunning
	_, err := q.ExecContext(ctx, `INSERT INTO export_jobs (id, client_id, request, level, types, since, status, transaction_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, j.ID, j.ClientID, j.Request, j.Level, strings.Join(j.Types, ","),
		nullTime(dbTime(j.Since)), j.Status, dbTime(j.TransactionTime))
	if err != nil {
		return fmt.Errorf("create export job: %w", err)
	}
	return nil
}

// GetExportJob returns a job with its files.
func GetExportJob(ctx context.Context, q Querier, id string) (ExportJob, error) {
	j := ExportJob{ID: id}
	var types string
	var since, tt, fin nt
	err := q.QueryRowContext(ctx, `SELECT client_id, request, level, types, since, status, progress, error, transaction_time, finished_at
		FROM export_jobs WHERE id = $1`, id).Scan(&j.ClientID, &j.Request, &j.Level, &types, &since, &j.Status, &j.Progress, &j.Error, &tt, &fin)
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("export job %s: %w", id, joinedup.ErrNotFound)
	}
	if err != nil {
		return j, fmt.Errorf("read export job %s: %w", id, err)
	}
	j.Types = strings.Split(types, ",")
	j.Since, j.TransactionTime, j.Finished = since.t(), tt.t(), fin.t()
	rows, err := q.QueryContext(ctx, "SELECT resource_type, name, count FROM export_files WHERE job_id = $1 ORDER BY seq", id)
	if err != nil {
		return j, fmt.Errorf("read files of export job %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f ExportFile
		if err := rows.Scan(&f.ResourceType, &f.Name, &f.Count); err != nil {
			return j, fmt.Errorf("read files of export job %s: %w", id, err)
		}
		j.Files = append(j.Files, f)
	}
	return j, rows.Err()
}

// SetExportProgress records a running job's progress, as X-Progress shows it.
func SetExportProgress(ctx context.Context, q Writer, id, progress string) error {
	_, err := q.ExecContext(ctx, "UPDATE export_jobs SET progress = $2 WHERE id = $1 AND status = $3", id, progress, ExportRunning)
	if err != nil {
		return fmt.Errorf("export job %s progress: %w", id, err)
	}
	return nil
}

// FinishExportJob marks a job done with its files.
func FinishExportJob(ctx context.Context, q Writer, id string, files []ExportFile, now time.Time) error {
	for i, f := range files {
		if _, err := q.ExecContext(ctx, `INSERT INTO export_files (job_id, seq, resource_type, name, count) VALUES ($1, $2, $3, $4, $5)`,
			id, i, f.ResourceType, f.Name, f.Count); err != nil {
			return fmt.Errorf("finish export job %s: %w", id, err)
		}
	}
	if _, err := q.ExecContext(ctx, "UPDATE export_jobs SET status = $2, progress = '', finished_at = $3 WHERE id = $1",
		id, ExportDone, dbTime(now)); err != nil {
		return fmt.Errorf("finish export job %s: %w", id, err)
	}
	return nil
}

// FailExportJobs marks failed the given running job, or, with id "", every
// running job (at start-up: their goroutines died with the last process).
func FailExportJobs(ctx context.Context, q Writer, id, reason string, now time.Time) error {
	cond, args := "status = $1", []any{ExportRunning, reason, dbTime(now)}
	if id != "" {
		cond, args = cond+" AND id = $4", append(args, id)
	}
	if _, err := q.ExecContext(ctx, "UPDATE export_jobs SET status = 'failed', error = $2, finished_at = $3 WHERE "+cond, args...); err != nil {
		return fmt.Errorf("fail export jobs: %w", err)
	}
	return nil
}

// DeleteExportJob removes a job and its file records (the caller removes
// the files).
func DeleteExportJob(ctx context.Context, q Writer, id string) error {
	if _, err := q.ExecContext(ctx, "DELETE FROM export_files WHERE job_id = $1", id); err != nil {
		return fmt.Errorf("delete export job %s: %w", id, err)
	}
	if _, err := q.ExecContext(ctx, "DELETE FROM export_jobs WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete export job %s: %w", id, err)
	}
	return nil
}

// Tasks returns every task of the patient, open and closed, oldest first.
func Tasks(ctx context.Context, q Querier, patientID string) ([]joinedup.Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, title, reason, assignee_org, assignee_user, due, priority, status, dedupe_key,
		created_at, closed_at, version FROM tasks WHERE patient_id = $1 ORDER BY created_at, id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read tasks of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.Task
	for rows.Next() {
		t := joinedup.Task{PatientID: patientID}
		var org, user sql.NullString
		var due, created, closed nt
		if err := rows.Scan(&t.ID, &t.Kind, &t.Title, &t.Reason, &org, &user, &due, &t.Priority, &t.Status, &t.DedupeKey,
			&created, &closed, &t.Version); err != nil {
			return nil, fmt.Errorf("read tasks of %s: %w", patientID, err)
		}
		t.AssigneeOrg, t.AssigneeUser, t.Due, t.CreatedAt, t.ClosedAt = org.String, user.String, due.t(), created.t(), closed.t()
		out = append(out, t)
	}
	return out, rows.Err()
}

// Referrals returns every referral of the patient, open and closed, oldest
// first.
func Referrals(ctx context.Context, q Querier, patientID string) ([]joinedup.Referral, error) {
	return queryReferrals(ctx, q, "referrals of "+patientID, `patient_id = $1 ORDER BY created_at, id`, patientID)
}

// Consents returns every consent recorded for the patient, oldest first;
// the last is the one in force.
func Consents(ctx context.Context, q Querier, patientID string) ([]joinedup.Consent, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, social_care, voluntary, note, recorded_by, recorded_at, voluntary_fields FROM consents
		WHERE patient_id = $1 ORDER BY recorded_at, id`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read consents of patient %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.Consent
	for rows.Next() {
		c := joinedup.Consent{PatientID: patientID}
		var at nt
		var fields string
		if err := rows.Scan(&c.ID, &c.SocialCare, &c.Voluntary, &c.Note, &c.RecordedBy, &at, &fields); err != nil {
			return nil, fmt.Errorf("read consents of patient %s: %w", patientID, err)
		}
		c.RecordedAt, c.VoluntaryFields = at.t(), splitList(fields)
		out = append(out, c)
	}
	return out, rows.Err()
}

// patientScopedTables are the tables PatientOf looks in: a fixed list, so
// no caller's text ever becomes part of the SQL.
var patientScopedTables = map[string]bool{
	"patients": true, "conditions": true, "observations": true, "medications": true, "encounters": true,
	"appointments": true, "carers": true, "assessments": true, "tier_decisions": true, "tasks": true,
	"referrals": true, "consents": true, "care_plans": true,
}

// PatientOf returns the patient the record with this id in table belongs
// to, or joinedup.ErrNotFound.
func PatientOf(ctx context.Context, q Querier, table, id string) (string, error) {
	if !patientScopedTables[table] {
		return "", fmt.Errorf("patient of %s %s: not a patient-scoped table", table, id)
	}
	col := "patient_id"
	if table == "patients" {
		col = "id"
	}
	var pid string
	err := q.QueryRowContext(ctx, "SELECT "+col+" FROM "+table+" WHERE id = $1 LIMIT 1", id).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("%s %s: %w", table, id, joinedup.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("patient of %s %s: %w", table, id, err)
	}
	return pid, nil
}

// PatientIDsAfter returns up to limit patient ids greater than after, in
// order: the walk population-wide searches and exports page through.
func PatientIDsAfter(ctx context.Context, q Querier, after string, limit int) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT id FROM patients WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
	if err != nil {
		return nil, fmt.Errorf("walk patients: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("walk patients: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UserNames maps user ids to display names, for showing who decided or
// recorded something.
func UserNames(ctx context.Context, q Querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, display_name FROM users")
	if err != nil {
		return nil, fmt.Errorf("read user names: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("read user names: %w", err)
		}
		out[id] = name
	}
	return out, rows.Err()
}

// HeldIDs reports which of ids are ids of records held in table (patients
// or organisations): the importer links a JoinedUp export's references,
// which name JoinedUp's own ids, with it.
func HeldIDs(ctx context.Context, q Querier, table string, ids []string) (map[string]bool, error) {
	if table != "patients" && table != "organisations" {
		return nil, fmt.Errorf("held ids in %s: not patients or organisations", table)
	}
	out := map[string]bool{}
	err := inChunks(q.engine(), ids, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, "SELECT id FROM "+table+" WHERE id "+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("held ids in %s: %w", table, err)
	}
	return out, nil
}
