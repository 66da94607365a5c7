package auditanchor

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// GenerateKey makes a new signing key: the private key is written to path
// (PKCS #8 PEM, readable by its owner only) and the public key to
// path+".pub" (PKIX PEM). Neither file may exist already, so a key in use
// is never overwritten.
func GenerateKey(path string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate audit signing key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode audit signing key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode audit public key: %w", err)
	}
	if _, err := os.Stat(path + ".pub"); err == nil {
		return nil, fmt.Errorf("write audit public key: %s already exists", path+".pub")
	}
	if err := writeNew(path, 0o600, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})); err != nil {
		return nil, fmt.Errorf("write audit signing key: %w", err)
	}
	if err := writeNew(path+".pub", 0o644, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write audit public key: %w", err)
	}
	return pub, nil
}

// writeNew writes a file that must not exist yet, and syncs it.
func writeNew(path string, mode os.FileMode, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// ReadPrivateKey reads a signing key written by GenerateKey. A key file
// that anyone but its owner can read or write is refused: whoever can read
// it can sign checkpoints.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read audit signing key: %w", err)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		return nil, fmt.Errorf("audit signing key %s is open to others (mode %04o): make it readable by its owner only (chmod 600)", path, mode)
	}
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("audit signing key %s holds a %s, not a PRIVATE KEY", path, block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit signing key %s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit signing key %s is not an Ed25519 key", path)
	}
	return priv, nil
}

// ReadPublicKey reads the public key checkpoints are verified with: a
// PUBLIC KEY file written by GenerateKey (path.pub), or the private key
// itself, whose public half is taken.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("audit public key %s: %w", path, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("audit public key %s is not an Ed25519 key", path)
		}
		return pub, nil
	case "PRIVATE KEY":
		priv, err := ReadPrivateKey(path)
		if err != nil {
			return nil, err
		}
		return priv.Public().(ed25519.PublicKey), nil
	}
	return nil, fmt.Errorf("audit public key %s holds a %s, not a PUBLIC KEY", path, block.Type)
}

func readPEM(path string) (*pem.Block, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read audit key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("read audit key %s: %w", path, errNotPEM)
	}
	return block, nil
}

var errNotPEM = errors.New("not a PEM file")
