//go:build !(linux || darwin || freebsd)

package store

// roomLeft cannot tell on this system why there is no room to write.
func roomLeft(string) string { return "" }
