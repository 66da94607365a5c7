// Package policies ships JoinedUp's default policy inside the binary, so a
// fresh installation (and the demo) can stratify without the source tree.
// An LCN edits a copy of the folder and loads it as a new version.
package policies

import (
	"embed"
	"io/fs"
)

//go:embed lcn-default
var files embed.FS

// LCNDefault is the shipped starting policy: the folder policies/lcn-default.
func LCNDefault() fs.FS {
	sub, err := fs.Sub(files, "lcn-default")
	if err != nil {
		// The folder is embedded at build time; it is always there.
		panic(err)
	}
	return sub
}
