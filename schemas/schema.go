package schemas

import _ "embed"

// EventV1Schema is the JSON Schema (draft 2020-12) agencies validate their records against.
//
//go:embed event.v1.schema.json
var EventV1Schema []byte
