package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/joinedup/joinedup"
)

// apiError is an error with the HTTP status and code the client sees.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func errBadRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "bad_request", fmt.Sprintf(format, args...)}
}

func errNotFound(msg string) *apiError { return &apiError{http.StatusNotFound, "not_found", msg} }

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

// writeFieldErrors answers 400, naming every bad field. Handlers return
// joinedup.FieldErrors and the server writes them here.
func writeFieldErrors(w http.ResponseWriter, fe joinedup.FieldErrors) {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Fields = "bad_request", fe.Error(), fe
	writeJSON(w, http.StatusBadRequest, b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	var b errorBody
	b.Error.Code, b.Error.Message = e.code, e.message
	writeJSON(w, e.status, b)
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
		return errBadRequest("request body: %v", err)
	}
	return nil
}
