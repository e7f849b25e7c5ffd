package api

import (
	_ "embed"
	"slices"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns a copy of the OpenAPI 3.1 document that describes
// the API, as served at /api/v1/openapi.json.
func OpenAPIDocument() []byte { return slices.Clone(openAPIDocument) }
