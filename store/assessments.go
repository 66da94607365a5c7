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
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/joinedup/joinedup"
)

// PolicyVersion is a stored, immutable policy: its id is the content hash of
// its files, which are kept so the version can be shown and re-run exactly.
type PolicyVersion struct {
	ID       string
	Name     string
	Files    map[string]string // file name → content
	LoadedBy string
	LoadedAt time.Time
}

// SavePolicyVersion stores v unless a version with its id is already there;
// created reports which.
func SavePolicyVersion(ctx context.Context, q Writer, v PolicyVersion) (created bool, err error) {
	res, err := q.ExecContext(ctx, `INSERT INTO policy_versions (id, name, files, loaded_by, loaded_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, v.ID, v.Name, jsonText(v.Files), v.LoadedBy, v.LoadedAt.UTC())
	if err != nil {
		return false, fmt.Errorf("save policy version %s: %w", v.ID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// GetPolicyVersion returns the version whose id is id or starts with it (a
// short hash is enough when it is unambiguous).
func GetPolicyVersion(ctx context.Context, q Querier, id string) (PolicyVersion, error) {
	vs, err := policyVersions(ctx, q, "WHERE id LIKE $1 ORDER BY loaded_at DESC", strings.ReplaceAll(id, "%", "")+"%")
	if err != nil {
		return PolicyVersion{}, err
	}
	switch len(vs) {
	case 0:
		return PolicyVersion{}, fmt.Errorf("policy version %q: %w", id, joinedup.ErrNotFound)
	case 1:
		return vs[0], nil
	}
	return PolicyVersion{}, fmt.Errorf("policy version %q is ambiguous: %d versions start with it", id, len(vs))
}

// LatestPolicyVersion returns the most recently loaded policy version.
func LatestPolicyVersion(ctx context.Context, q Querier) (PolicyVersion, error) {
	vs, err := policyVersions(ctx, q, "ORDER BY loaded_at DESC, id LIMIT 1")
	if err != nil {
		return PolicyVersion{}, err
	}
	if len(vs) == 0 {
		return PolicyVersion{}, fmt.Errorf("no policy loaded: %w", joinedup.ErrNotFound)
	}
	return vs[0], nil
}

// PolicyVersions lists every stored version, newest first.
func PolicyVersions(ctx context.Context, q Querier) ([]PolicyVersion, error) {
	return policyVersions(ctx, q, "ORDER BY loaded_at DESC, id")
}

func policyVersions(ctx context.Context, q Querier, where string, args ...any) ([]PolicyVersion, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, name, files, loaded_by, loaded_at FROM policy_versions "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read policy versions: %w", err)
	}
	defer rows.Close()
	var out []PolicyVersion
	for rows.Next() {
		var v PolicyVersion
		var files string
		var at nt
		if err := rows.Scan(&v.ID, &v.Name, &files, &v.LoadedBy, &at); err != nil {
			return nil, fmt.Errorf("read policy versions: %w", err)
		}
		v.LoadedAt = at.t()
		if err := json.Unmarshal([]byte(files), &v.Files); err != nil {
			return nil, fmt.Errorf("policy version %s files: %w", v.ID, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AssessmentInput is an assessment to save and the facts version it saw.
type AssessmentInput struct {
	Assessment   joinedup.Assessment
	FactsVersion int64
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
		id := NewID()
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

// column is a column insertColumns writes, with its PostgreSQL type: one
// of text, date (given as "YYYY-MM-DD"), bool, int, bigint and timestamp.
type column struct{ name, typ string }

// insertColumns inserts rows, each statement followed by suffix. On
// PostgreSQL the rows go as one array per column, unnested into
// rows by one small statement: the server neither parses a statement the
// size of the batch nor binds thousands of parameters. Otherwise it is
// insertMany.
func insertColumns(ctx context.Context, q Writer, tableName string, cols []column, rows [][]any, suffix string) error {
	names := make([]string, len(cols))
	for j, c := range cols {
		names[j] = c.name
	}
	if q.engine() != Postgres || len(rows) == 0 {
		return insertMany(ctx, q, tableName, names, rows, suffix)
	}
	arrays := make([]any, len(cols))
	var from, sel strings.Builder
	for j, c := range cols {
		var err error
		if arrays[j], err = columnArray(rows, j, c.typ); err != nil {
			return fmt.Errorf("insert into %s, column %s: %w", tableName, c.name, err)
		}
		if j > 0 {
			from.WriteString(", ")
			sel.WriteString(", ")
		}
		arrayType := c.typ
		if c.typ == "date" {
			arrayType = "text"
		}
		fmt.Fprintf(&from, "$%d::%s[]", j+1, arrayType)
		if c.typ == "date" {
			fmt.Fprintf(&sel, "CAST(c%d AS DATE)", j)
		} else {
			fmt.Fprintf(&sel, "c%d", j)
		}
	}
	aliases := make([]string, len(cols))
	for j := range cols {
		aliases[j] = fmt.Sprintf("c%d", j)
	}
	stmt := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM UNNEST(%s) AS v(%s)%s", tableName, strings.Join(names, ", "),
		sel.String(), from.String(), strings.Join(aliases, ", "), suffix)
	if _, err := q.ExecContext(ctx, stmt, arrays...); err != nil {
		return fmt.Errorf("insert into %s: %w", tableName, err)
	}
	return nil
}

// columnArray is column j of rows as a slice of typ, a nil value being
// NULL.
func columnArray(rows [][]any, j int, typ string) (any, error) {
	switch typ {
	case "text", "date":
		// A slice of strings is encoded far faster than one of pointers;
		// pointers are only for a column with NULLs in it.
		out := make([]string, len(rows))
		var nulls []bool
		for i, r := range rows {
			switch v := r[j].(type) {
			case nil:
				if nulls == nil {
					nulls = make([]bool, len(rows))
				}
				nulls[i] = true
			case string:
				out[i] = v
			default:
				return nil, fmt.Errorf("row %d: %T for %s", i, v, typ)
			}
		}
		if nulls == nil {
			return out, nil
		}
		withNulls := make([]*string, len(rows))
		for i := range out {
			if !nulls[i] {
				withNulls[i] = &out[i]
			}
		}
		return withNulls, nil
	case "bool":
		out := make([]bool, len(rows))
		for i, r := range rows {
			v, ok := r[j].(bool)
			if !ok {
				return nil, fmt.Errorf("row %d: %T for %s", i, r[j], typ)
			}
			out[i] = v
		}
		return out, nil
	case "int", "bigint":
		out := make([]int64, len(rows))
		for i, r := range rows {
			switch v := r[j].(type) {
			case int:
				out[i] = int64(v)
			case int64:
				out[i] = v
			default:
				return nil, fmt.Errorf("row %d: %T for %s", i, v, typ)
			}
		}
		return out, nil
	case "timestamp":
		out := make([]time.Time, len(rows))
		for i, r := range rows {
			v, ok := r[j].(time.Time)
			if !ok {
				return nil, fmt.Errorf("row %d: %T for %s", i, r[j], typ)
			}
			out[i] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("no array of %s", typ)
}

// insertMany inserts rows, each statement followed by suffix (e.g. an ON
// CONFLICT clause): in multi-row statements on PostgreSQL, else through one
// prepared single-row statement.
func insertMany(ctx context.Context, q Writer, tableName string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	if q.engine() != Postgres {
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", tableName, strings.Join(cols, ", "))
		writeValues(&b, 1, len(cols))
		b.WriteString(suffix)
		stmt, err := q.PrepareContext(ctx, b.String())
		if err != nil {
			return fmt.Errorf("insert into %s: %w", tableName, err)
		}
		defer stmt.Close()
		for _, r := range rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				return fmt.Errorf("insert into %s: %w", tableName, err)
			}
		}
		return nil
	}
	per := maxParams / len(cols)
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", tableName, strings.Join(cols, ", "))
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(len(args) + j + 1))
			}
			b.WriteByte(')')
			args = append(args, r...)
		}
		b.WriteString(suffix)
		if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", tableName, err)
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

// SaveDecision stores a tier decision and makes it the patient's current
// tier.
func SaveDecision(ctx context.Context, q Writer, d *joinedup.TierDecision) error {
	if d.ID == "" {
		d.ID = NewID()
	}
	_, err := q.ExecContext(ctx, `INSERT INTO tier_decisions (patient_id, id, assessment_id, suggested_tier, tier, overridden, reason, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, d.PatientID, d.ID, d.AssessmentID, string(d.SuggestedTier), string(d.Tier),
		d.Overridden, d.Reason, d.DecidedBy, d.DecidedAt.UTC())
	if err != nil {
		return fmt.Errorf("save tier decision for %s: %w", d.PatientID, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO current_tiers (patient_id, decision_id, tier, overridden, decided_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (patient_id) DO UPDATE SET decision_id = excluded.decision_id, tier = excluded.tier,
		overridden = excluded.overridden, decided_at = excluded.decided_at`, d.PatientID, d.ID, string(d.Tier), d.Overridden, d.DecidedAt.UTC())
	if err != nil {
		return fmt.Errorf("set current tier for %s: %w", d.PatientID, err)
	}
	return nil
}

const decisionCols = "id, patient_id, assessment_id, suggested_tier, tier, overridden, reason, decided_by, decided_at"

func scanDecision(sc interface{ Scan(...any) error }) (joinedup.TierDecision, error) {
	var d joinedup.TierDecision
	var suggested, tier string
	var at nt
	err := sc.Scan(&d.ID, &d.PatientID, &d.AssessmentID, &suggested, &tier, &d.Overridden, &d.Reason, &d.DecidedBy, &at)
	d.SuggestedTier, d.Tier, d.DecidedAt = joinedup.Tier(suggested), joinedup.Tier(tier), at.t()
	return d, err
}

// Decisions returns the patient's tier decisions, newest first.
func Decisions(ctx context.Context, q Querier, patientID string) ([]joinedup.TierDecision, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+decisionCols+" FROM tier_decisions WHERE patient_id = $1 ORDER BY decided_at DESC, id DESC", patientID)
	if err != nil {
		return nil, fmt.Errorf("read tier decisions of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.TierDecision
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			return nil, fmt.Errorf("read tier decisions of %s: %w", patientID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// CurrentDecision returns the patient's latest tier decision; ok is false
// when no clinician has decided yet.
func CurrentDecision(ctx context.Context, q Querier, patientID string) (d joinedup.TierDecision, ok bool, err error) {
	d, err = scanDecision(q.QueryRowContext(ctx, "SELECT "+decisionCols+` FROM tier_decisions
		WHERE patient_id = $1 AND id = (SELECT decision_id FROM current_tiers WHERE patient_id = $1)`, patientID))
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("read current tier of %s: %w", patientID, err)
	}
	return d, true, nil
}

// CurrentDecisions returns the current decision of each of the patients
// that have one.
func CurrentDecisions(ctx context.Context, q Querier, patientIDs []string) (map[string]joinedup.Tier, error) {
	out := map[string]joinedup.Tier{}
	for start := 0; start < len(patientIDs); start += 1000 {
		chunk := patientIDs[start:min(start+1000, len(patientIDs))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT patient_id, tier FROM current_tiers WHERE patient_id IN ("+placeholders(1, len(chunk))+")", args...)
		if err != nil {
			return nil, fmt.Errorf("read current tiers: %w", err)
		}
		for rows.Next() {
			var p, t string
			if err := rows.Scan(&p, &t); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read current tiers: %w", err)
			}
			out[p] = joinedup.Tier(t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read current tiers: %w", err)
		}
	}
	return out, nil
}

// SaveDriftEvents stores drift events.
func SaveDriftEvents(ctx context.Context, q Writer, events []joinedup.DriftEvent, now time.Time) error {
	rows := make([][]any, len(events))
	for i, e := range events {
		rows[i] = []any{e.PatientID, NewID(), string(e.Kind), e.AsOf.UTC().Format(time.DateOnly), string(e.FromTier), string(e.ToTier), e.Item, e.Cause, now.UTC()}
	}
	return insertMany(ctx, q, "drift_events", []string{"patient_id", "id", "kind", "as_of", "from_tier", "to_tier", "item", "cause", "created_at"}, rows, "")
}

// DriftEvents returns the patient's drift events, newest first.
func DriftEvents(ctx context.Context, q Querier, patientID string) ([]joinedup.DriftEvent, error) {
	rows, err := q.QueryContext(ctx, "SELECT kind, as_of, from_tier, to_tier, item, cause FROM drift_events WHERE patient_id = $1 ORDER BY as_of DESC, created_at DESC, id", patientID)
	if err != nil {
		return nil, fmt.Errorf("read drift events of %s: %w", patientID, err)
	}
	defer rows.Close()
	var out []joinedup.DriftEvent
	for rows.Next() {
		e := joinedup.DriftEvent{PatientID: patientID}
		var kind, from, to string
		var asOf nt
		if err := rows.Scan(&kind, &asOf, &from, &to, &e.Item, &e.Cause); err != nil {
			return nil, fmt.Errorf("read drift events of %s: %w", patientID, err)
		}
		e.Kind, e.AsOf, e.FromTier, e.ToTier = joinedup.DriftKind(kind), asOf.t(), joinedup.Tier(from), joinedup.Tier(to)
		out = append(out, e)
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

// DecisionOutcome is one clinician decision with what it decided on: the
// suggestion, the rules behind it and the patient's practice. Agreement
// reports are built from these.
type DecisionOutcome struct {
	PatientID  string
	PracticeID string
	Suggested  joinedup.Tier
	Tier       joinedup.Tier
	Overridden bool
	Reason     string
	RulesFired []joinedup.RuleFired
}

// DecisionOutcomes returns every tier decision with its assessment's rules
// and the patient's practice.
func DecisionOutcomes(ctx context.Context, q Querier) ([]DecisionOutcome, error) {
	rows, err := q.QueryContext(ctx, `SELECT d.patient_id, COALESCE(p.practice_id, ''), d.suggested_tier, d.tier, d.overridden, d.reason, COALESCE(a.detail, '{}')
		FROM tier_decisions d
		JOIN patients p ON p.id = d.patient_id
		LEFT JOIN assessments a ON a.patient_id = d.patient_id AND a.id = d.assessment_id
		ORDER BY d.decided_at, d.id`)
	if err != nil {
		return nil, fmt.Errorf("read decisions: %w", err)
	}
	defer rows.Close()
	var out []DecisionOutcome
	for rows.Next() {
		var d DecisionOutcome
		var suggested, tier, detail string
		if err := rows.Scan(&d.PatientID, &d.PracticeID, &suggested, &tier, &d.Overridden, &d.Reason, &detail); err != nil {
			return nil, fmt.Errorf("read decisions: %w", err)
		}
		d.Suggested, d.Tier = joinedup.Tier(suggested), joinedup.Tier(tier)
		var a struct {
			RulesFired []joinedup.RuleFired `json:"rules_fired"`
		}
		if err := json.Unmarshal([]byte(detail), &a); err != nil {
			return nil, fmt.Errorf("decode assessment of decision for %s: %w", d.PatientID, err)
		}
		d.RulesFired = a.RulesFired
		out = append(out, d)
	}
	return out, rows.Err()
}
