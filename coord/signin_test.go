package coord_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

const rightPassword = "correct horse battery staple"

// signInUser creates user with rightPassword, hashed cheaply to keep the
// tests fast (a check's cost comes from the stored hash's parameters).
func signInUser(t *testing.T, db *store.DB, cs *coord.Service, username string) {
	t.Helper()
	if _, err := cs.CreateUser(ctx, coord.System("test", now), coord.NewUser{Username: username, DisplayName: username,
		Role: joinedup.RoleGP}); err != nil {
		t.Fatal(err)
	}
	h, err := password.HashWith(rightPassword, password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPasswordHash(ctx, db, username, h); err != nil {
		t.Fatal(err)
	}
}

// unlimited is a rate no test reaches.
var unlimited = coord.Rate{N: 1 << 30, Per: time.Second}

func TestParseRate(t *testing.T) {
	for s, want := range map[string]coord.Rate{"10/1m": {10, time.Minute}, "60/1h": {60, time.Hour}, "5/90s": {5, 90 * time.Second}} {
		r, err := coord.ParseRate(s)
		if err != nil || r != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", s, r, err, want)
		}
		if r.String() != s && !(s == "5/90s" && r.String() == "5/1m30s") {
			t.Errorf("%v.String() = %q, want %q", r, r.String(), s)
		}
	}
	for _, s := range []string{"", "10", "10/", "/1m", "0/1m", "-1/1m", "10/0s", "10/-1m", "ten/1m", "10/minute"} {
		if _, err := coord.ParseRate(s); err == nil {
			t.Errorf("ParseRate(%q) accepted", s)
		}
	}
}

// TestSignInLimits: attempts over a username's or a client's limit are
// refused before any password is checked, with the time to wait; a
// success gives its attempt back; a locked username refuses the right
// password without checking it; and an attempt that finds every password
// check busy is refused within HashWait, unchecked, and counts towards the
// lock-out. Each refusal is logged.
func TestSignInLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		logs := &bytes.Buffer{}
		cs := coord.New(db, slog.New(slog.NewTextHandler(logs, nil)))
		signInUser(t, db, cs, "amy")
		signInUser(t, db, cs, "ben")
		attempt := func(g *coord.SignInGate, user, pw, client string, at time.Time) error {
			t.Helper()
			_, _, err := cs.SignIn(ctx, g, coord.SignInAttempt{Username: user, Password: pw, Client: client, At: at})
			return err
		}
		var throttled *coord.ThrottledError

		// Per username: three attempts a minute.
		g := coord.NewSignInGate(coord.SignInLimits{PerUsername: coord.Rate{N: 3, Per: time.Minute}, PerClient: unlimited})
		for i := range 3 {
			if err := attempt(g, "amy", "wrong", "192.0.2.1", now); !errors.Is(err, coord.ErrWrongPassword) {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		err := attempt(g, "amy", rightPassword, "192.0.2.2", now)
		if !errors.As(err, &throttled) || throttled.Busy || throttled.Retry != 20*time.Second {
			t.Fatalf("fourth attempt on amy: %v (%+v)", err, throttled)
		}
		if n := g.HashStats().Total; n != 3 {
			t.Fatalf("%d passwords checked, want 3: a limited attempt was checked", n)
		}
		if err := attempt(g, "ben", rightPassword, "192.0.2.1", now); err != nil {
			t.Fatalf("ben limited by amy's attempts: %v", err)
		}
		if err := attempt(g, "amy", rightPassword, "192.0.2.1", now.Add(20*time.Second)); err != nil {
			t.Fatalf("amy after 20 seconds: %v", err)
		}
		// Successes give their attempts back: the right password, again and again.
		for i := range 10 {
			if err := attempt(g, "ben", rightPassword, "192.0.2.1", now.Add(time.Minute)); err != nil {
				t.Fatalf("ben's success %d: %v", i+1, err)
			}
		}

		// Per client: three failures a minute from one address, whichever
		// usernames they try.
		g = coord.NewSignInGate(coord.SignInLimits{PerUsername: unlimited, PerClient: coord.Rate{N: 3, Per: time.Minute}})
		for i, user := range []string{"amy", "ben", "nobody"} {
			if err := attempt(g, user, "wrong", "192.0.2.9", now); !errors.Is(err, coord.ErrWrongPassword) {
				t.Fatalf("client attempt %d: %v", i+1, err)
			}
		}
		if err := attempt(g, "ben", rightPassword, "192.0.2.9", now); !errors.As(err, &throttled) {
			t.Fatalf("fourth attempt from one address: %v", err)
		}
		if err := attempt(g, "ben", rightPassword, "192.0.2.10", now); err != nil {
			t.Fatalf("another address: %v", err)
		}

		// Lock-out: the right password is refused, unchecked, until the
		// period after the last failure has passed.
		g = coord.NewSignInGate(coord.SignInLimits{Lockout: coord.Lockout{Threshold: 2, Period: time.Hour},
			PerUsername: unlimited, PerClient: unlimited})
		for range 2 {
			if err := attempt(g, "amy", "wrong", "192.0.2.1", now.Add(time.Hour)); !errors.Is(err, coord.ErrWrongPassword) {
				t.Fatal(err)
			}
		}
		var locked *coord.LockedError
		if err := attempt(g, "amy", rightPassword, "192.0.2.1", now.Add(90*time.Minute)); !errors.As(err, &locked) ||
			!locked.Until.Equal(now.Add(2*time.Hour)) || !errors.Is(err, joinedup.ErrForbidden) {
			t.Fatalf("right password while locked: %v", err)
		}
		if n := g.HashStats().Total; n != 2 {
			t.Fatalf("%d passwords checked, want 2: the locked attempt was checked", n)
		}
		if err := attempt(g, "amy", rightPassword, "192.0.2.1", now.Add(2*time.Hour)); err != nil {
			t.Fatalf("after the lock-out: %v", err)
		}

		// Busy: with the one password check taken, an attempt waits
		// HashWait and is refused, unchecked. It was claimed, so it
		// counts towards the lock-out (here of two failures).
		g = coord.NewSignInGate(coord.SignInLimits{Lockout: coord.Lockout{Threshold: 2, Period: time.Hour},
			PerUsername: unlimited, PerClient: unlimited, Hashes: 1, HashWait: 50 * time.Millisecond})
		release := g.HoldHashSlots()
		start := time.Now()
		err = attempt(g, "ben", rightPassword, "192.0.2.1", now.Add(3*time.Hour))
		if !errors.As(err, &throttled) || !throttled.Busy || throttled.Retry != 50*time.Millisecond || time.Since(start) > 5*time.Second {
			t.Fatalf("attempt with no free check: %v after %v", err, time.Since(start))
		}
		release()
		if n := g.HashStats().Total; n != 0 {
			t.Fatalf("%d passwords checked with no check free", n)
		}
		if err := attempt(g, "ben", "wrong", "192.0.2.1", now.Add(3*time.Hour)); !errors.Is(err, coord.ErrWrongPassword) {
			t.Fatal(err)
		}
		if err := attempt(g, "ben", rightPassword, "192.0.2.1", now.Add(3*time.Hour)); !errors.As(err, &locked) {
			t.Fatalf("a busy refusal and a failure, with a lock-out of two: %v", err)
		}

		for _, line := range []string{"sign-in refused: rate limited", "limit=username", "limit=client", "sign-in refused: locked",
			"sign-in refused: busy", "sign-in failed", "signed in", "client=192.0.2.1"} {
			if !strings.Contains(logs.String(), line) {
				t.Errorf("no log line with %q", line)
			}
		}
		if strings.Contains(logs.String(), rightPassword) {
			t.Error("a password was logged")
		}
	})
}

func TestDefaultHashes(t *testing.T) {
	n := coord.DefaultHashes()
	if n < 1 || n*int(password.Default.Memory)*1024 > 256<<20 {
		t.Fatalf("DefaultHashes() = %d: at least one, and no more than fit in 256 MiB", n)
	}
	l := coord.NewSignInGate(coord.SignInLimits{}).Limits()
	if l.Hashes != n || l.PerUsername != coord.DefaultPerUsername || l.PerClient != coord.DefaultPerClient ||
		l.HashWait != coord.DefaultHashWait || l.Lockout != (coord.Lockout{Threshold: 5, Period: 15 * time.Minute}) {
		t.Fatalf("defaults: %+v", l)
	}
}
