package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/joinedup/joinedup"
)

// AssessmentInput is an assessment to save and the facts version it saw.
type AssessmentInput struct {
	Assessment   joinedup.Assessment
	FactsVersion int64
	// ID, when set, is the id a new assessment is stored under: an import
	// keeps the id an assessment was made with. Empty gives a new id.
	ID string
}

// SavedAssessment says what SaveAssessments did with one input.
type SavedAssessment struct {
	ID string // the assessment now current for the patient
	// Changed is false when the input equals the patient's current
	// assessment (same policy, as-of date and findings): nothing new is
	// stored, so re-running stratification adds no history.
	Changed bool
	// HadPrevious says there was a current assessment before, and
	// WasEligible whether it found the patient eligible.
	HadPrevious, WasEligible bool
	// Previous is the assessment that was current before, when Changed
	// and its findings differ from the new one's: what drift is measured
	// against. Where only the as-of date moved there is no drift to
	// measure, and it is not read.
	Previous *joinedup.Assessment
}

// NewID returns a new time-ordered id (UUIDv7) for records JoinedUp creates.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// SaveAssessments stores a batch of assessments as the patients' current
// ones, keeping the earlier ones as history, and marks the facts versions
// they saw as assessed: with one array per column on PostgreSQL, a row at a
// time through prepared statements on SQLite.
func SaveAssessments(ctx context.Context, q Writer, in []AssessmentInput, now time.Time) ([]SavedAssessment, error) {
	if len(in) == 0 {
		return nil, nil
	}
	// The patient's practice, name and death are kept beside the current
	// assessment for lists; they are read here, from the patient row, so
	// no caller can leave them out.
	type current struct {
		had, eligible, inStep bool
		id, hash, asOf        string
		registered            sql.NullString
		family, given         string
		dead                  bool
	}
	cur := make(map[string]current, len(in))
	ids := make([]string, len(in))
	for i, a := range in {
		ids[i] = a.Assessment.PatientID
	}
	err := inChunks(q.engine(), ids, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, `SELECT p.id, p.practice_id, p.family_name, p.given_name, p.deceased IS NOT NULL,
			ca.assessment_id IS NOT NULL, COALESCE(ca.assessment_id, ''), COALESCE(ca.detail_hash, ''),
			COALESCE(ca.eligible, FALSE), COALESCE(CAST(ca.as_of AS TEXT), ''), COALESCE(`+listCopiesInStep("ca")+`, FALSE)
			FROM patients p LEFT JOIN current_assessments ca ON ca.patient_id = p.id WHERE p.id `+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p string
			var c current
			if err := rows.Scan(&p, &c.registered, &c.family, &c.given, &c.dead, &c.had, &c.id, &c.hash, &c.eligible, &c.asOf, &c.inStep); err != nil {
				return err
			}
			cur[p] = c
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read current assessments: %w", err)
	}

	out := make([]SavedAssessment, len(in))
	var history, currents [][]any
	var prevIDs, moved []string
	prevOf := map[string]int{}
	now = now.UTC()
	for i, item := range in {
		a := item.Assessment
		detail, hash, err := encodeAssessment(a)
		if err != nil {
			return nil, err
		}
		c := cur[a.PatientID]
		asOf := a.AsOf.UTC().Format(time.DateOnly)
		if c.had && c.hash == hash && strings.HasPrefix(c.asOf, asOf) {
			out[i] = SavedAssessment{ID: c.id, HadPrevious: true, WasEligible: c.eligible}
			if !c.inStep {
				moved = append(moved, a.PatientID)
			}
			continue
		}
		id := item.ID
		if id == "" {
			id = NewID()
		}
		out[i] = SavedAssessment{ID: id, Changed: true, HadPrevious: c.had, WasEligible: c.eligible}
		if c.had && c.hash != hash {
			prevIDs = append(prevIDs, c.id)
			prevOf[c.id] = i
		}
		history = append(history, []any{a.PatientID, id, a.PolicyVersion, asOf, a.Eligible, string(a.SuggestedTier),
			len(a.LTCs), len(a.RiskFactors), len(a.DataGaps), item.FactsVersion, string(detail), now})
		currents = append(currents, []any{a.PatientID, id, a.PolicyVersion, asOf, a.Eligible, string(a.SuggestedTier), len(a.DataGaps), hash,
			nullString(c.registered.String), c.family, c.given, c.dead})
	}

	// Previous assessments are read only for the patients whose assessment
	// changed, which after the first run is a small share of them.
	err = inChunks(q.engine(), prevIDs, func(in string, args []any) error {
		rows, err := q.QueryContext(ctx, "SELECT id, detail FROM assessments WHERE id "+in, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, detail string
			if err := rows.Scan(&id, &detail); err != nil {
				return err
			}
			var prev joinedup.Assessment
			if err := json.Unmarshal([]byte(detail), &prev); err != nil {
				return fmt.Errorf("decode assessment %s: %w", id, err)
			}
			out[prevOf[id]].Previous = &prev
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read previous assessments: %w", err)
	}

	if err := insertColumns(ctx, q, "assessments", []column{{"patient_id", "text"}, {"id", "text"}, {"policy_version", "text"},
		{"as_of", "date"}, {"eligible", "bool"}, {"suggested_tier", "text"}, {"ltc_count", "int"}, {"risk_factor_count", "int"},
		{"data_gap_count", "int"}, {"facts_version", "bigint"}, {"detail", "text"}, {"created_at", "timestamp"}}, history, ""); err != nil {
		return nil, err
	}
	if err := insertColumns(ctx, q, "current_assessments", []column{{"patient_id", "text"}, {"assessment_id", "text"},
		{"policy_version", "text"}, {"as_of", "date"}, {"eligible", "bool"}, {"suggested_tier", "text"}, {"data_gap_count", "int"},
		{"detail_hash", "text"}, {"practice_id", "text"}, {"family_name", "text"}, {"given_name", "text"}, {"deceased", "bool"}}, currents,
		` ON CONFLICT (patient_id) DO UPDATE SET assessment_id = excluded.assessment_id, policy_version = excluded.policy_version,
		as_of = excluded.as_of, eligible = excluded.eligible, suggested_tier = excluded.suggested_tier,
		data_gap_count = excluded.data_gap_count, detail_hash = excluded.detail_hash, practice_id = excluded.practice_id,
		family_name = excluded.family_name, given_name = excluded.given_name, deceased = excluded.deceased`); err != nil {
		return nil, err
	}
	// An unchanged assessment of a patient who has since moved practice,
	// changed name or died still follows the patient's row.
	if err := followPatients(ctx, q, moved); err != nil {
		return nil, err
	}
	// assessed_version only moves forward, so an assessment of older facts
	// never hides a newer change from the next incremental run.
	if err := markAssessed(ctx, q, in); err != nil {
		return nil, err
	}
	return out, nil
}

// zeroAsOf is how an assessment with no as-of date encodes it.
var zeroAsOf = []byte(`"as_of":"0001-01-01T00:00:00Z"`)

// encodeAssessment returns the assessment as stored (JSON) and the hash of
// its findings: everything but the as-of date, so that a run at a new date
// that finds the same can tell so without reading the earlier assessment.
func encodeAssessment(a joinedup.Assessment) (detail []byte, findingsHash string, err error) {
	asOf := a.AsOf
	a.AsOf = time.Time{}
	findings, err := json.Marshal(a)
	if err != nil {
		return nil, "", fmt.Errorf("encode assessment of patient %s: %w", a.PatientID, err)
	}
	sum := sha256.Sum256(findings)
	// The as-of date is a top-level field written before any finding,
	// so its first occurrence is the one to fill in.
	i := bytes.Index(findings, zeroAsOf)
	if i < 0 {
		return nil, "", fmt.Errorf("encode assessment of patient %s: no as-of date in %.80s", a.PatientID, findings)
	}
	date, err := json.Marshal(asOf)
	if err != nil {
		return nil, "", fmt.Errorf("encode assessment of patient %s: %w", a.PatientID, err)
	}
	detail = make([]byte, 0, len(findings)+len(date))
	detail = append(detail, findings[:i+len(`"as_of":`)]...)
	detail = append(detail, date...)
	detail = append(detail, findings[i+len(zeroAsOf):]...)
	return detail, hex.EncodeToString(sum[:16]), nil
}

// markAssessed records the facts version each assessment saw: on
// PostgreSQL in one statement for the batch (a statement per patient is a
// round trip each), on SQLite through one prepared statement.
func markAssessed(ctx context.Context, q Writer, in []AssessmentInput) error {
	if q.engine() == Postgres {
		ids := make([]string, len(in))
		versions := make([]int64, len(in))
		for i, item := range in {
			ids[i], versions[i] = item.Assessment.PatientID, item.FactsVersion
		}
		_, err := q.ExecContext(ctx, `UPDATE patients SET assessed_version = v.facts_version
			FROM (SELECT UNNEST($1::text[]) AS id, UNNEST($2::bigint[]) AS facts_version) v
			WHERE patients.id = v.id AND patients.assessed_version < v.facts_version`, ids, versions)
		if err != nil {
			return fmt.Errorf("mark %d patients assessed: %w", len(in), err)
		}
		return nil
	}
	mark, err := q.PrepareContext(ctx, "UPDATE patients SET assessed_version = $1 WHERE id = $2 AND assessed_version < $1")
	if err != nil {
		return fmt.Errorf("mark patients assessed: %w", err)
	}
	defer mark.Close()
	for _, item := range in {
		if _, err := mark.ExecContext(ctx, item.FactsVersion, item.Assessment.PatientID); err != nil {
			return fmt.Errorf("mark patient %s assessed: %w", item.Assessment.PatientID, err)
		}
	}
	return nil
}

// CurrentAssessment returns the patient's current assessment and its id.
func CurrentAssessment(ctx context.Context, q Querier, patientID string) (string, joinedup.Assessment, error) {
	var id, detail string
	err := q.QueryRowContext(ctx, `SELECT a.id, a.detail FROM current_assessments c
		JOIN assessments a ON a.patient_id = c.patient_id AND a.id = c.assessment_id WHERE c.patient_id = $1`, patientID).Scan(&id, &detail)
	if errors.Is(err, sql.ErrNoRows) {
		return "", joinedup.Assessment{}, fmt.Errorf("assessment of patient %s: %w", patientID, joinedup.ErrNotFound)
	}
	if err != nil {
		return "", joinedup.Assessment{}, fmt.Errorf("read assessment of patient %s: %w", patientID, err)
	}
	var a joinedup.Assessment
	if err := json.Unmarshal([]byte(detail), &a); err != nil {
		return "", a, fmt.Errorf("decode assessment %s: %w", id, err)
	}
	return id, a, nil
}

// StoredAssessment is an assessment with its id and when it was made.
type StoredAssessment struct {
	ID         string
	CreatedAt  time.Time
	Assessment joinedup.Assessment
}

// AssessmentHistory returns every assessment of the patient, newest first.
func AssessmentHistory(ctx context.Context, q Querier, patientID string) ([]StoredAssessment, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, created_at, detail FROM assessments WHERE patient_id = $1 ORDER BY created_at DESC, id DESC", patientID)
	if err != nil {
		return nil, fmt.Errorf("read assessment history of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []StoredAssessment
	for rows.Next() {
		var s StoredAssessment
		var at nt
		var detail string
		if err := rows.Scan(&s.ID, &at, &detail); err != nil {
			return nil, fmt.Errorf("read assessment history of %s: %w", patientID, err)
		}
		s.CreatedAt = at.t()
		if err := json.Unmarshal([]byte(detail), &s.Assessment); err != nil {
			return nil, fmt.Errorf("decode assessment %s: %w", s.ID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PastAssessment is what a history of assessments shows of each: the
// columns stored beside the detail, so listing them decodes no evidence.
type PastAssessment struct {
	ID            string
	CreatedAt     time.Time
	AsOf          time.Time
	Eligible      bool
	SuggestedTier joinedup.Tier
	LTCs          int // long-term conditions found
	RiskFactors   int // risk factors found
}

// PastAssessments returns a summary of every assessment of the
// patient, newest first, as AssessmentHistory orders them.
func PastAssessments(ctx context.Context, q Querier, patientID string) ([]PastAssessment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, created_at, as_of, eligible, suggested_tier, ltc_count, risk_factor_count
		FROM assessments WHERE patient_id = $1 ORDER BY created_at DESC, id DESC`, patientID)
	if err != nil {
		return nil, fmt.Errorf("read assessment history of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []PastAssessment
	for rows.Next() {
		var (
			s        PastAssessment
			at, asOf nt
			tier     string
		)
		if err := rows.Scan(&s.ID, &at, &asOf, &s.Eligible, &tier, &s.LTCs, &s.RiskFactors); err != nil {
			return nil, fmt.Errorf("read assessment history of %s: %w", patientID, err)
		}
		s.CreatedAt, s.AsOf, s.SuggestedTier = at.t(), asOf.t(), joinedup.Tier(tier)
		out = append(out, s)
	}
	return out, rows.Err()
}

// AssessmentSummary is what lists need of a current assessment.
type AssessmentSummary struct {
	AssessmentID  string
	Eligible      bool
	SuggestedTier joinedup.Tier
	DataGaps      int
}

// CurrentSummaries returns the current assessment summary of each of the
// patients that have one.
func CurrentSummaries(ctx context.Context, q Querier, patientIDs []string) (map[string]AssessmentSummary, error) {
	out := map[string]AssessmentSummary{}
	for start := 0; start < len(patientIDs); start += 1000 {
		chunk := patientIDs[start:min(start+1000, len(patientIDs))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT patient_id, assessment_id, eligible, suggested_tier, data_gap_count FROM current_assessments WHERE patient_id IN ("+
			placeholders(1, len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("read current assessments: %w", err)
		}
		for rows.Next() {
			var p, tier string
			var s AssessmentSummary
			if err := rows.Scan(&p, &s.AssessmentID, &s.Eligible, &tier, &s.DataGaps); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read current assessments: %w", err)
			}
			s.SuggestedTier = joinedup.Tier(tier)
			out[p] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read current assessments: %w", err)
		}
	}
	return out, nil
}
