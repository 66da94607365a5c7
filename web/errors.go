package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/fhir"
	"github.com/joinedup/joinedup/store"
)

// problem is a failure as the server shows it, whichever surface shows it:
// an HTTP status, a short code a program can act on, a message for a
// person, and the fields at fault. Every error a handler returns becomes a
// problem in one place (problemOf), and each surface writes problems in one
// place: JSON (writeJSONError), an HTML page (writePageError) and a FHIR
// OperationOutcome (writeOutcome).
type problem struct {
	status  int
	code    string
	message string
	fields  joinedup.FieldErrors
}

func (p *problem) Error() string { return fmt.Sprintf("%d %s: %s", p.status, p.code, p.message) }

// badRequest is a request HTTP cannot read: a body that is not JSON, a
// form that does not parse. What a request means is judged by the domain,
// which answers joinedup.ErrInvalid.
func badRequest(format string, args ...any) error {
	return &problem{http.StatusBadRequest, "bad_request", fmt.Sprintf(format, args...), nil}
}

// unavailable is a dependency down (the database), not a fault of the
// request.
func unavailable(message string) error {
	return &problem{http.StatusServiceUnavailable, "unavailable", message, nil}
}

// errorKinds maps each kind of the domain's error vocabulary to its status and
// code: the one place a domain error becomes HTTP.
var errorKinds = []struct {
	kind   error
	status int
	code   string
}{
	{joinedup.ErrInvalid, http.StatusUnprocessableEntity, "invalid"},
	{joinedup.ErrNotFound, http.StatusNotFound, "not_found"},
	{joinedup.ErrConflict, http.StatusConflict, "conflict"},
	{joinedup.ErrForbidden, http.StatusForbidden, "forbidden"},
	{joinedup.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{joinedup.ErrGone, http.StatusGone, "gone"},
}

// problemOf is the problem err shows as. internal reports an error of no
// known kind, a fault of the server shown as a 500 without its cause, or
// the database out of reach (restarting, say), shown as a 503 that asks
// for the same again later: either goes to the log with its cause.
func problemOf(err error) (p problem, internal bool) {
	var wp *problem
	if errors.As(err, &wp) {
		return *wp, false
	}
	if store.IsUnavailable(err) {
		return problem{http.StatusServiceUnavailable, "unavailable", "the database is unavailable; try again shortly", nil}, true
	}
	for _, k := range errorKinds {
		if !errors.Is(err, k.kind) {
			continue
		}
		p = problem{status: k.status, code: k.code, message: err.Error()}
		var je *joinedup.Error
		if errors.As(err, &je) {
			p.message = je.Message
			if je.Code != "" {
				p.code = je.Code
			}
		}
		var fe joinedup.FieldErrors
		if errors.As(err, &fe) {
			p.fields = fe
		}
		return p, false
	}
	return problem{http.StatusInternalServerError, "internal", "something went wrong; it has been logged", nil}, true
}

// errorBody is the one shape of every JSON error:
// {"error":{"code":"…","message":"…"}}, with "fields":{"name":"problem"}
// when a request had invalid fields.
type errorBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields,omitempty"`
	} `json:"error"`
}

// writeJSONError writes p as the JSON API's error body.
func writeJSONError(w http.ResponseWriter, p problem) {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Fields = p.code, p.message, p.fields
	writeJSON(w, p.status, b)
}

// outcomeCodes maps HTTP statuses to the OperationOutcome issue type.
var outcomeCodes = map[int]string{
	http.StatusBadRequest: "invalid", http.StatusUnauthorized: "login", http.StatusForbidden: "forbidden",
	http.StatusNotFound: "not-found", http.StatusConflict: "conflict", http.StatusGone: "deleted",
	http.StatusUnprocessableEntity: "invalid", http.StatusTooManyRequests: "throttled", http.StatusMethodNotAllowed: "not-supported",
	http.StatusServiceUnavailable: "transient",
}

// writeOutcome writes p as a FHIR OperationOutcome.
func writeOutcome(w http.ResponseWriter, p problem) {
	code := outcomeCodes[p.status]
	if code == "" {
		code = "exception"
	}
	writeJSONAs(w, p.status, FHIRContentType, fhir.NewOperationOutcome(code, p.message))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONAs(w, status, "application/json; charset=utf-8", v)
}

// writeJSONAs writes v as JSON with the given content type.
func writeJSONAs(w http.ResponseWriter, status int, contentType string, v any) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// decodeJSON reads a small JSON request body into v, refusing unknown
// fields so a misspelt field is an error rather than silently ignored.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("request body: %v", err)
	}
	return nil
}
