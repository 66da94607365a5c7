package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

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
	for _, v := range vs {
		if v.ID == id {
			return v, nil // the id itself, though others start with it
		}
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

// LatestPolicyVersionID returns the id of the most recently loaded policy
// version, without its files: what a caller that keeps loaded policies by
// id needs to ask on every change.
func LatestPolicyVersionID(ctx context.Context, q Querier) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, "SELECT id FROM policy_versions ORDER BY loaded_at DESC, id LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("no policy loaded: %w", joinedup.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read the latest policy version: %w", err)
	}
	return id, nil
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
