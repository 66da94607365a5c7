package policy

import (
	"fmt"
	"io/fs"
	"os"
	"testing/fstest"
)

// Files reads the policy folder's files (the rules file and the code lists
// it references) into memory, keyed by path within the folder, so a version
// can be stored whole and loaded again exactly.
func Files(dir string) (map[string]string, error) {
	return FilesFS(os.DirFS(dir))
}

// FilesFS is Files over any file system whose root is the policy folder.
func FilesFS(fsys fs.FS) (map[string]string, error) {
	p, err := LoadFS(fsys)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range append([]string{RulesFile}, p.CodeListFiles()...) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read policy file %s: %w", name, err)
		}
		out[name] = string(b)
	}
	return out, nil
}

// LoadFiles loads a policy from files as Files returns them.
func LoadFiles(files map[string]string) (*Policy, error) {
	m := fstest.MapFS{}
	for name, body := range files {
		m[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o444}
	}
	return LoadFS(m)
}
