package directory

import (
	"bytes"
	_ "embed"
)

//go:embed demo/lambeth-southwark.json
var demoJSON []byte

// DemoJSON returns the demo directory: about thirty community and
// voluntary services across the five localities of Lambeth and Southwark,
// in the Open Referral UK shape.
func DemoJSON() []byte { return bytes.Clone(demoJSON) }
