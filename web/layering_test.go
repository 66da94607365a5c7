package web

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The web server is a door: it reads what it shows directly, and every
// change goes through the coordination layer (package coord), which
// validates, stores, brings the worklist in step and audits in one
// transaction. These tests hold the package to that by type-checking its
// source: no handler may call a store function that writes.

// storePath is the import path of the store.
const storePath = "github.com/joinedup/joinedup/store"

// writeCalls type-checks the package's non-test files, with extra files
// added, and returns every call in them that would write through the
// store, as "file:line: what".
func writeCalls(t *testing.T, extra map[string]string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is needed to read the package's dependencies")
	}
	out, err := exec.Command("go", "list", "-export", "-deps", "-json", ".").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	exports := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	var files []*ast.File
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	for n, src := range extra {
		f, err := parser.ParseFile(fset, n, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		return os.Open(exports[path])
	})}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Types: map[ast.Expr]types.TypeAndValue{}}
	if _, err := conf.Check("github.com/joinedup/joinedup/web", fset, files, info); err != nil {
		t.Fatalf("type-check web: %v", err)
	}
	var found []string
	report := func(n ast.Node, what string) {
		p := fset.Position(n.Pos())
		found = append(found, p.Filename+":"+strings.TrimPrefix(p.String(), p.Filename+":")+": "+what)
	}
	isStore := func(typ types.Type, name string) bool {
		if p, ok := typ.(*types.Pointer); ok {
			typ = p.Elem()
		}
		n, ok := typ.(*types.Named)
		return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == storePath && n.Obj().Name() == name
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case ast.Expr:
				if tv, ok := info.Types[n]; ok && tv.Type != nil && isStore(tv.Type, "Tx") {
					report(n, "holds a store transaction")
					return false
				}
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn *types.Func
			switch fun := call.Fun.(type) {
			case *ast.SelectorExpr:
				if sel, ok := info.Selections[fun]; ok {
					fn, _ = sel.Obj().(*types.Func)
					// Methods of the database itself (and of the
					// database/sql handle it wraps) that write or
					// begin a transaction.
					if fn != nil && isStore(sel.Recv(), "DB") {
						for _, w := range []string{"Exec", "Begin", "Prepare", "InTx", "WriteBatch", "Audit", "Migrate", "Analyze", "Conn"} {
							if strings.HasPrefix(fn.Name(), w) {
								report(call, "calls (*store.DB)."+fn.Name())
							}
						}
					}
				} else {
					fn, _ = info.Uses[fun.Sel].(*types.Func)
				}
			case *ast.Ident:
				fn, _ = info.Uses[fun].(*types.Func)
			}
			if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != storePath {
				return true
			}
			params := fn.Type().(*types.Signature).Params()
			for i := range params.Len() {
				if isStore(params.At(i).Type(), "Writer") || isStore(params.At(i).Type(), "Tx") {
					report(call, "calls store."+fn.Name()+", which writes")
				}
			}
			return true
		})
	}
	slices.Sort(found)
	return found
}

// TestHandlersNeverWrite fails if any code of the web server calls a store
// function that writes, holds a transaction, or writes through the
// database handle: a change made around the coordination layer would
// behave differently from the same change through another door.
func TestHandlersNeverWrite(t *testing.T) {
	if calls := writeCalls(t, nil); len(calls) > 0 {
		t.Errorf("the web server writes around the coordination layer:\n%s", strings.Join(calls, "\n"))
	}
}

// TestHandlersNeverWriteCatches shows the check above finds each way a
// handler could write: a store function that writes, a transaction, and
// a write through the database handle.
func TestHandlersNeverWriteCatches(t *testing.T) {
	bad := `package web

import (
	"context"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/store"
)

func (s *Server) sneakyConsent(c *Call) error {
	_, err := store.RecordConsent(context.Background(), s.db, joinedup.Consent{PatientID: c.Patient.ID})
	return err
}

func (s *Server) sneakyTx(c *Call) error {
	return s.db.InTx(context.Background(), func(tx *store.Tx) error { return nil })
}

func (s *Server) sneakyExec(c *Call) error {
	_, err := s.db.ExecContext(context.Background(), "DELETE FROM tasks")
	return err
}
`
	calls := writeCalls(t, map[string]string{"sneaky.go": bad})
	for _, want := range []string{"calls store.RecordConsent", "calls (*store.DB).InTx", "holds a store transaction", "calls (*store.DB).ExecContext"} {
		if !slices.ContainsFunc(calls, func(c string) bool { return strings.Contains(c, want) }) {
			t.Errorf("the check missed %q; found %q", want, calls)
		}
	}
}
