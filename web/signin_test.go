package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/coord"
	"github.com/joinedup/joinedup/password"
	"github.com/joinedup/joinedup/store"
	"github.com/joinedup/joinedup/store/storetest"
)

// signinFrom posts a sign-in from the client address addr.
func (f *fixture) signinFrom(addr, user, pw string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "http://joinedup.test/signin", strings.NewReader(signinForm(user, pw)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, req)
	return w
}

// TestSignInFlood sends 100 sign-ins at once with wrong passwords, then the
// right one, with passwords hashed at the production cost (19 MiB a check).
// On one account, with the per-username and per-client limits out of the
// way, the lock-out claimed in the database lets no more attempts be
// checked than its threshold; with the shipped limits too; and on 100
// accounts, where nothing locks, the bound on password checks is all that
// holds. Every time: no more checks run at once than configured, memory
// grows by less than 100 MB, every answer is a refusal (401 or 429, never
// an error), and the right password is refused while the account is
// locked.
func TestSignInFlood(t *testing.T) {
	const (
		pw     = "correct horse battery staple"
		checks = 2
		n      = 100
	)
	unlimited := coord.Rate{N: 1 << 30, Per: time.Second}
	cases := []struct {
		name     string
		opt      Options
		accounts int // distinct usernames the flood is spread over
		// maxChecks is the most passwords the flood may have checked.
		maxChecks int
	}{
		{"one account, no rate limits", Options{SignInPerUsername: unlimited, SignInPerClient: unlimited}, 1, 5},
		{"one account, shipped limits", Options{}, 1, 5},
		{"many accounts", Options{SignInPerUsername: unlimited, SignInPerClient: unlimited}, n, n},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				opt := tc.opt
				opt.PasswordChecks = checks
				f := newFixture(t, db, opt)
				h, err := password.Hash(pw) // production cost
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.ExecContext(ctx, "UPDATE users SET password_hash = $1", h); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(time.Second)

				mem := watchMemory()
				var (
					wg     sync.WaitGroup
					mu     sync.Mutex
					status = map[int]int{}
				)
				start := make(chan struct{})
				for i := range n {
					user := "user-gp"
					if tc.accounts > 1 {
						user = fmt.Sprint("no-such-user-", i) // an unknown username costs a check too
					}
					// Shipped limits: one address, as a single attacker.
					addr := "198.51.100.7:4000"
					if tc.opt.SignInPerClient.N > 0 {
						addr = fmt.Sprintf("198.51.%d.%d:4000", i/250, i%250+1)
					}
					wg.Go(func() {
						<-start
						w := f.signinFrom(addr, user, fmt.Sprint("guess ", i))
						mu.Lock()
						status[w.Code]++
						mu.Unlock()
					})
				}
				close(start)
				wg.Wait()
				grew := mem()

				stats := f.srv.signins.HashStats()
				t.Logf("answers %v; %d passwords checked, at most %d at once; memory in use grew at most %d MB",
					status, stats.Total, stats.Peak, grew>>20)
				if stats.Peak > checks {
					t.Errorf("%d passwords checked at once, configured %d", stats.Peak, checks)
				}
				if stats.Total > tc.maxChecks {
					t.Errorf("%d passwords checked, want at most %d", stats.Total, tc.maxChecks)
				}
				if grew >= 100<<20 {
					t.Errorf("memory in use grew %d MB, want under 100", grew>>20)
				}
				if status[http.StatusUnauthorized]+status[http.StatusTooManyRequests] != n {
					t.Errorf("answers %v: want only 401 and 429", status)
				}
				if status[http.StatusUnauthorized] != stats.Total {
					t.Errorf("%d refused as wrong, but %d passwords checked", status[http.StatusUnauthorized], stats.Total)
				}

				w := f.signinFrom("203.0.113.5:4000", "user-gp", pw)
				if tc.accounts == 1 {
					// Refused at once (by the lock-out or, under the
					// shipped limits, by the username's), and still
					// locked once the username's limit has refilled.
					if w.Code != http.StatusTooManyRequests || sessionFrom(w) != "" {
						t.Fatalf("right password on the locked account: %d, session %q", w.Code, sessionFrom(w))
					}
					f.clock.Advance(2 * time.Minute)
					w = f.signinFrom("203.0.113.5:4000", "user-gp", pw)
					if w.Code != http.StatusTooManyRequests || sessionFrom(w) != "" || !strings.Contains(w.Body.String(), "Too many failed attempts") {
						t.Fatalf("right password on the locked account two minutes on: %d, session %q\n%s", w.Code, sessionFrom(w), w.Body)
					}
					if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 || ra > 15*60 {
						t.Errorf("locked: Retry-After %q, want the seconds until the lock-out ends", w.Header().Get("Retry-After"))
					}
					return
				}
				if w.Code != http.StatusSeeOther || sessionFrom(w) == "" {
					t.Fatalf("right password after a flood on other usernames: %d", w.Code)
				}
			})
		})
	}
}

// watchMemory watches the memory the process holds from its system (all it
// has mapped, less what it has handed back) every millisecond until the
// function it returns is called, which returns the most it rose above its
// start. An argon2id check holds its memory for tens of milliseconds, so
// no check escapes the watch.
func watchMemory() func() uint64 {
	samples := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	held := func() uint64 {
		metrics.Read(samples)
		return samples[0].Value.Uint64() - samples[1].Value.Uint64()
	}
	runtime.GC()
	start, peak := held(), uint64(0)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			peak = max(peak, held())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return max(peak, held()) - min(start, peak, held())
	}
}

// TestSignInLimitPages: the page refuses attempts over the per-client
// limit with 429, a Retry-After and a message saying when to try again;
// an attempt that finds every password check busy with 429 and a message
// to try again shortly; clients are told apart by the proxy's header when
// the operator names one.
func TestSignInLimitPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, Options{SignInPerClient: coord.Rate{N: 2, Per: time.Minute}, ClientAddressHeader: "X-Forwarded-For"})
		const pw = "correct horse battery staple"
		f.setPassword(t, joinedup.RoleGP, pw)
		from := func(client, user, pw string) *httptest.ResponseRecorder {
			return f.do("POST", "/signin", signinForm(user, pw), "", "X-Forwarded-For", "192.0.2.200, "+client)
		}
		for range 2 {
			if w := from("198.51.100.1", "user-gp", "wrong"); w.Code != http.StatusUnauthorized {
				t.Fatalf("wrong password: %d", w.Code)
			}
		}
		w := from("198.51.100.1", "user-gp", pw)
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "30" || sessionFrom(w) != "" ||
			!strings.Contains(w.Body.String(), "Too many sign-in attempts. Try again in 30 seconds.") {
			t.Fatalf("over the client's limit: %d, Retry-After %q\n%s", w.Code, w.Header().Get("Retry-After"), w.Body)
		}
		if w := from("198.51.100.2", "user-gp", pw); w.Code != http.StatusSeeOther {
			t.Fatalf("another client behind the same proxy: %d", w.Code)
		}
		if !strings.Contains(f.logs.String(), "client=198.51.100.1") {
			t.Errorf("the client's address is not in the log:\n%s", f.logs)
		}

	})
}

// TestSignInBusyPage: a sign-in that finds every password check taken is
// refused within PasswordCheckWait, with 429, a Retry-After and a message
// to try again shortly.
func TestSignInBusyPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const pw = "correct horse battery staple"
		// One password check, taken by a sign-in whose hash is slow to
		// check (about a second).
		f := newFixture(t, db, Options{PasswordChecks: 1, PasswordCheckWait: 10 * time.Millisecond})
		f.setPassword(t, joinedup.RoleGP, pw)
		slow, err := password.HashWith(pw, password.Params{Memory: 32 * 1024, Time: 6, Threads: 1, SaltLen: 16, KeyLen: 32})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SetPasswordHash(ctx, db, "user-admin", slow); err != nil {
			t.Fatal(err)
		}
		checking := make(chan struct{})
		var once sync.Once
		f.srv.signins.OnCheck(func() { once.Do(func() { close(checking) }) })
		done := make(chan int)
		go func() { done <- f.do("POST", "/signin", signinForm("user-admin", pw), "").Code }()
		<-checking // the slow check holds the only slot
		w := f.do("POST", "/signin", signinForm("user-gp", pw), "")
		if code := <-done; code != http.StatusSeeOther {
			t.Fatalf("the slow sign-in: %d", code)
		}
		if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" || sessionFrom(w) != "" ||
			!strings.Contains(w.Body.String(), "Too many people are signing in at once. Try again in a few seconds.") {
			t.Fatalf("no password check free: %d, Retry-After %q\n%s", w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	})
}

func TestSignInClientAddress(t *testing.T) {
	plain := &Server{}
	proxied := &Server{opt: Options{ClientAddressHeader: "X-Forwarded-For"}}
	for _, c := range []struct {
		srv        *Server
		remote     string
		header     []string
		want       string
		reasonable string
	}{
		{plain, "192.0.2.1:1234", nil, "192.0.2.1", "the connection's address"},
		{plain, "192.0.2.1:1234", []string{"198.51.100.1"}, "192.0.2.1", "a header no one named is not believed"},
		{plain, "[2001:db8:1:2:3:4:5:6]:1234", nil, "2001:db8:1:2::/64", "IPv6 by its /64"},
		{plain, "[::ffff:192.0.2.1]:1234", nil, "192.0.2.1", "IPv4 written as IPv6"},
		{plain, "[fe80::1%eth0]:1234", nil, "fe80::/64", "a zone"},
		{plain, "@", nil, "@", "no address at all"},
		{proxied, "10.0.0.1:1234", []string{"198.51.100.1"}, "198.51.100.1", "the proxy's header"},
		{proxied, "10.0.0.1:1234", []string{"203.0.113.9, 198.51.100.1"}, "198.51.100.1", "the last address, the one the proxy saw"},
		{proxied, "10.0.0.1:1234", []string{"203.0.113.9", "198.51.100.1"}, "198.51.100.1", "the last header"},
		{proxied, "10.0.0.1:1234", []string{"garbage"}, "10.0.0.1", "a header that is not an address"},
		{proxied, "10.0.0.1:1234", nil, "10.0.0.1", "no header"},
	} {
		r := httptest.NewRequest("POST", "/signin", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.header {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := c.srv.clientAddress(r); got != c.want {
			t.Errorf("%s: clientAddress = %q, want %q", c.reasonable, got, c.want)
		}
	}
}
