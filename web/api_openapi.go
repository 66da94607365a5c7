package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"gopkg.in/yaml.v3"
)

// openAPIYAML describes the JSON API, every route of it; it is written as
// YAML for people and served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

var openAPIDoc = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml as JSON: %w", err)
	}
	return b, nil
})

// openAPI serves the API description. It is public: it holds no data.
func (s *Server) openAPI(c *Call) error {
	b, err := openAPIDoc()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, json.RawMessage(b))
}
