package importer_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// groupedNDJSON writes the Synthea fixtures' Bundles as one NDJSON file,
// each patient's records together (as a practice extract lists them), and
// returns the file's bytes and, for each line, the patient it belongs to.
func groupedNDJSON(t *testing.T) ([]byte, []int) {
	t.Helper()
	var out bytes.Buffer
	var group []int
	for g, b := range bundleResources(t, fixtures("synthea-r4-bundles")) {
		for _, r := range b {
			out.Write(r)
			out.WriteByte('\n')
			group = append(group, g)
		}
	}
	return out.Bytes(), group
}

// wholeGroups returns the lines of data of the groups before g.
func wholeGroups(data []byte, group []int, g int) []byte {
	var out []byte
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if i >= len(group) || group[i] >= g {
			break
		}
		out = append(out, line...)
	}
	return out
}

// TestTruncatedFile cuts a grouped extract at every tenth of its length,
// plain and gzip-compressed (cut in the compressed bytes), and imports
// each cut file: the database holds exactly what a clean import of the
// patients before the one it broke off in holds (that patient's records,
// and the organisations among them, are not written), the file is named as
// unread at the line it broke off, and a re-run of the whole file reaches
// the whole file's checksum.
//
// The patient whose records the last whole line holds is left out even
// when that line happens to be its last: the importer cannot know, and
// leaving out a patient the re-run will write is safe, where writing part
// of one is not.
func TestTruncatedFile(t *testing.T) {
	data, group := groupedNDJSON(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dir := t.TempDir()
		full := filepath.Join(dir, "full.ndjson")
		os.WriteFile(full, data, 0o600)
		fullDB := storetest.Open(t, db.Engine)
		importAll(t, fullDB, importer.Options{Source: "gp"}, full)
		fullSum, _ := store.Checksum(ctx, fullDB)

		for _, form := range []string{"plain", "gzip"} {
			for tenth := 1; tenth <= 9; tenth++ {
				var cut []byte
				var readable []byte // what a reader gets of it before the break
				if form == "plain" {
					at := len(data) * tenth / 10
					for data[at-1] == '\n' {
						at++ // a cut at the end of a line leaves a whole file
					}
					cut, readable = data[:at], data[:at]
				} else {
					cut = gz.Bytes()[:gz.Len()*tenth/10]
					zr, err := gzip.NewReader(bytes.NewReader(cut))
					if err != nil {
						t.Fatal(err)
					}
					readable, err = io.ReadAll(zr)
					if err == nil {
						t.Fatal("a gzip file cut short read without error")
					}
				}
				whole := bytes.Count(readable, []byte("\n")) // lines read whole
				if whole == 0 {
					continue
				}
				broken := group[whole-1] // the patient of the last whole line
				want := wholeGroups(data, group, broken)

				t.Run(fmt.Sprintf("%s/cut at %d0 percent", form, tenth), func(t *testing.T) {
					cleanDB := storetest.Open(t, db.Engine)
					clean := filepath.Join(t.TempDir(), "clean.ndjson")
					os.WriteFile(clean, want, 0o600)
					importAll(t, cleanDB, importer.Options{Source: "gp"}, clean)
					wantSum, _ := store.Checksum(ctx, cleanDB)

					cutDB := storetest.Open(t, db.Engine)
					path := filepath.Join(t.TempDir(), "cut.ndjson")
					if form == "gzip" {
						path += ".gz"
					}
					os.WriteFile(path, cut, 0o600)
					sum, _ := importAll(t, cutDB, importer.Options{Source: "gp"}, path)
					if len(sum.Unread) != 1 || sum.Unread[0].File != path || sum.Unread[0].Line != whole+1 {
						t.Errorf("unread %+v, want %s at line %d", sum.Unread, path, whole+1)
					}
					if got, _ := store.Checksum(ctx, cutDB); got != wantSum {
						counts, _ := store.Counts(ctx, cutDB)
						wantCounts, _ := store.Counts(ctx, cleanDB)
						t.Errorf("cut at line %d: database %v, a clean import of the %d whole patients %v", whole+1, counts, broken, wantCounts)
					}
					importAll(t, cutDB, importer.Options{Source: "gp"}, full)
					if got, _ := store.Checksum(ctx, cutDB); got != fullSum {
						t.Error("a re-run of the whole file did not reach its checksum")
					}
				})
			}
		}
	})
}
