package password_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/joinedup/joinedup/password"
)

func TestHashVerify(t *testing.T) {
	h, err := password.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id with the default parameters", h)
	}
	if ok, err := password.Verify(h, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := password.Verify(h, "correct horse battery stapler"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	h2, _ := password.Hash("correct horse battery staple")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestParametersTravelWithTheHash(t *testing.T) {
	cheap := password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 8, KeyLen: 16}
	h, err := password.HashWith("a long enough password", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=64,t=1,p=1$") {
		t.Fatalf("parameters not recorded: %q", h)
	}
	if ok, _ := password.Verify(h, "a long enough password"); !ok {
		t.Fatal("hash made with other parameters does not verify")
	}
}

func TestRejects(t *testing.T) {
	if _, err := password.Hash("short"); !errors.Is(err, password.ErrTooShort) {
		t.Fatalf("short password: %v", err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5", "$argon2id$v=19$m=1,t=1,p=1$!!$a2V5"} {
		if _, err := password.Verify(bad, "whatever"); !errors.Is(err, password.ErrFormat) {
			t.Errorf("Verify(%q) error = %v, want ErrFormat", bad, err)
		}
	}
}
