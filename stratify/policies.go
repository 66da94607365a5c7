package stratify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/policy"
	"github.com/joinedup/joinedup/store"
)

// LoadPolicy reads the policy folder dir and stores it as an immutable
// version (a no-op when that exact content is already stored). created
// reports whether the version is new.
func LoadPolicy(ctx context.Context, db store.Writer, dir, by string, now time.Time) (p *policy.Policy, created bool, err error) {
	return LoadPolicyFS(ctx, db, os.DirFS(dir), filepath.Base(filepath.Clean(dir)), by, now)
}

// LoadPolicyFS is LoadPolicy over any file system whose root is the policy
// folder; name is used when the policy does not name itself.
func LoadPolicyFS(ctx context.Context, db store.Writer, fsys fs.FS, name, by string, now time.Time) (p *policy.Policy, created bool, err error) {
	files, err := policy.FilesFS(fsys)
	if err != nil {
		return nil, false, err
	}
	p, err = policy.LoadFiles(files)
	if err != nil {
		return nil, false, err
	}
	if p.Name != "" {
		name = p.Name
	}
	created, err = store.SavePolicyVersion(ctx, db, store.PolicyVersion{ID: p.Hash(), Name: name, Files: files, LoadedBy: by, LoadedAt: now})
	return p, created, err
}

// ResolvePolicy finds the policy a command names: a folder on disk (stored
// as a version on first use), a stored version id or a prefix of one, or,
// when ref is empty, the latest stored version.
func ResolvePolicy(ctx context.Context, db store.Writer, ref, by string, now time.Time) (*policy.Policy, error) {
	if ref != "" {
		if st, err := os.Stat(ref); err == nil && st.IsDir() {
			p, _, err := LoadPolicy(ctx, db, ref, by, now)
			return p, err
		}
	}
	var v store.PolicyVersion
	var err error
	if ref == "" {
		v, err = store.LatestPolicyVersion(ctx, db)
	} else {
		v, err = store.GetPolicyVersion(ctx, db, ref)
	}
	if errors.Is(err, joinedup.ErrNotFound) && ref == "" {
		return nil, fmt.Errorf("no policy loaded: run `joinedup policy load DIR` or pass --policy DIR")
	}
	if err != nil {
		return nil, err
	}
	p, err := policy.LoadFiles(v.Files)
	if err != nil {
		return nil, fmt.Errorf("stored policy version %s: %w", v.ID, err)
	}
	if p.Hash() != v.ID {
		return nil, fmt.Errorf("stored policy version %s does not match its content (hash %s)", v.ID, p.Hash())
	}
	return p, nil
}
