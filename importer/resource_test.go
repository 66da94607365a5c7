package importer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/joinedup/joinedup/importer"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// TestOneResourceFiles imports files of one JSON resource each, spread
// over lines as a system's "save as" writes them: each is one record, the
// patient's first, and one that is not JSON is a reject of its own.
func TestOneResourceFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a-condition.json": "{\n  \"resourceType\": \"Condition\",\n  \"id\": \"c1\",\n  \"subject\": {\"reference\": \"Patient/p1\"},\n" +
			"  \"code\": {\"coding\": [{\"system\": \"http://snomed.info/sct\", \"code\": \"38341003\"}]}\n}\n",
		"b-patient.json": "{\n  \"resourceType\": \"Patient\",\n  \"id\": \"p1\",\n" +
			"  \"identifier\": [{\"system\": \"https://fhir.nhs.uk/Id/nhs-number\", \"value\": \"9000000009\"}]\n}\n",
		"c-broken.json": "{\n  \"resourceType\": \"Observation\",\n  \"id\": \"o1\",\n  \"status\": \n}\n",
	}
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sum, rejects := importAll(t, db, importer.Options{}, dir)
		if len(rejects) != 1 || rejects[0].File != filepath.Join(dir, "c-broken.json") {
			t.Errorf("rejects %+v, want the broken file only", rejects)
		}
		if sum.ByType["Patient"].Imported != 1 || sum.ByType["Condition"].Imported != 1 || len(sum.Unread) != 0 {
			t.Errorf("summary %+v, unread %+v", sum.ByType, sum.Unread)
		}
	})
}
