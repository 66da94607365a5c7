package coord

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/joinedup/joinedup"
	"github.com/joinedup/joinedup/password"
)

// What a password sign-in may cost. An argon2id check holds
// password.Default.Memory (19 MiB) and a core for tens of milliseconds, so
// a flood of attempts, on one account or on many, could otherwise exhaust
// the server's memory. Each attempt therefore passes, in order and before
// any password is checked: a limit on attempts per username and per client
// address (in memory, cheap), the username's lock-out (claimed in the
// database in one statement, so parallel attempts cannot all pass it), and
// a bound on the password checks running at once, waited for only briefly.

// Rate is N attempts per Per: up to N at once, then one more each Per/N.
type Rate struct {
	N   int
	Per time.Duration
}

// ParseRate reads a rate written N/DURATION, such as "10/1m" or "60/1h".
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(s, "/")
	r := Rate{}
	var err error
	if ok {
		if r.N, err = strconv.Atoi(n); err == nil {
			r.Per, err = time.ParseDuration(per)
		}
	}
	if !ok || err != nil || r.N < 1 || r.Per <= 0 {
		return Rate{}, fmt.Errorf("rate %q: want attempts/duration, such as 10/1m", s)
	}
	return r, nil
}

func (r Rate) String() string {
	per := r.Per.String()
	for _, zero := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(per, zero) {
			per = per[:len(per)-2]
		}
	}
	return fmt.Sprintf("%d/%s", r.N, per)
}

// The default limits.
var (
	// DefaultPerUsername lets a username be tried 10 times a minute.
	DefaultPerUsername = Rate{N: 10, Per: time.Minute}
	// DefaultPerClient lets one client address make 60 attempts a
	// minute that fail or are refused: generous, since a whole practice
	// or trust may reach the service through one address.
	DefaultPerClient = Rate{N: 60, Per: time.Minute}
	// DefaultHashWait is how long an attempt waits for a free password
	// check before it is refused as busy.
	DefaultHashWait = time.Second
)

// hashMemoryBudget is the most memory the password checks running at once
// may hold by default.
const hashMemoryBudget = 256 << 20

// DefaultHashes is how many passwords are checked at once unless the
// operator says otherwise: one per CPU the process may use (a check is all
// computation), and no more than fit in 256 MiB at password.Default's
// memory cost.
func DefaultHashes() int {
	per := int(password.Default.Memory) * 1024
	return max(1, min(runtime.GOMAXPROCS(0), hashMemoryBudget/per))
}

// SignInLimits bound password sign-ins. Zero fields take the defaults.
type SignInLimits struct {
	// Lockout locks a username after failures in a row. It is kept in
	// the database, so every server shares it. Default 5 in 15 minutes.
	Lockout Lockout
	// PerUsername limits the attempts on one username, and PerClient
	// those from one client address, before any password is checked.
	// A successful sign-in gives its attempt back, so only attempts that
	// fail or are refused use them up.
	PerUsername, PerClient Rate
	// Hashes is how many passwords may be checked at once; default
	// DefaultHashes().
	Hashes int
	// HashWait is how long an attempt waits for a free check before it
	// is refused as busy; default DefaultHashWait.
	HashWait time.Duration
}

// SignInGate holds the in-memory state of the sign-in limits of one
// server: the attempts per username and per client address, and the
// password checks running. Make one per server with NewSignInGate and pass
// it to every Service.SignIn.
type SignInGate struct {
	limits         SignInLimits
	users, clients *buckets
	slots          chan struct{}

	running, peak, total atomic.Int64
	// onCheck, when set, is called as each password check starts.
	onCheck atomic.Pointer[func()]
}

// NewSignInGate returns a gate enforcing l, its zero fields defaulted.
func NewSignInGate(l SignInLimits) *SignInGate {
	if l.Lockout.Threshold <= 0 {
		l.Lockout.Threshold = 5
	}
	if l.Lockout.Period <= 0 {
		l.Lockout.Period = 15 * time.Minute
	}
	if l.PerUsername.N <= 0 || l.PerUsername.Per <= 0 {
		l.PerUsername = DefaultPerUsername
	}
	if l.PerClient.N <= 0 || l.PerClient.Per <= 0 {
		l.PerClient = DefaultPerClient
	}
	if l.Hashes <= 0 {
		l.Hashes = DefaultHashes()
	}
	if l.HashWait <= 0 {
		l.HashWait = DefaultHashWait
	}
	return &SignInGate{limits: l, users: newBuckets(l.PerUsername), clients: newBuckets(l.PerClient),
		slots: make(chan struct{}, l.Hashes)}
}

// Limits returns the limits the gate enforces, defaults filled in.
func (g *SignInGate) Limits() SignInLimits { return g.limits }

// HashStats counts the password checks a gate has let run: in all, and
// the most at one time.
type HashStats struct {
	Total, Peak int
}

// HashStats returns the password checks run so far, for monitoring and
// tests.
func (g *SignInGate) HashStats() HashStats {
	return HashStats{Total: int(g.total.Load()), Peak: int(g.peak.Load())}
}

// allow takes one attempt from the client's allowance and then the
// username's, saying how long to wait when either has none left. A client
// over its limit uses up nothing of the username's.
func (g *SignInGate) allow(a SignInAttempt) (string, time.Duration, bool) {
	if wait, ok := g.clients.take(a.Client, a.At); !ok {
		return "client", wait, false
	}
	if wait, ok := g.users.take(a.Username, a.At); !ok {
		return "username", wait, false
	}
	return "", 0, true
}

// refund gives a successful attempt back to the client and the username.
func (g *SignInGate) refund(a SignInAttempt) {
	g.clients.give(a.Client, a.At)
	g.users.give(a.Username, a.At)
}

// errBusy is every password check slot staying taken for HashWait.
var errBusy = errors.New("every password check is in use")

// acquire waits up to HashWait for a free password check, returning the
// function that frees it.
func (g *SignInGate) acquire(ctx context.Context) (func(), error) {
	release := func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(g.limits.HashWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// check runs one password check, counting it.
func (g *SignInGate) check(verify func()) {
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			break
		}
	}
	g.total.Add(1)
	if f := g.onCheck.Load(); f != nil {
		(*f)()
	}
	verify()
}

// OnCheck sets fn to be called as each password check starts (holding its
// slot), for monitoring, and for tests that wait for a check to be running.
func (g *SignInGate) OnCheck(fn func()) { g.onCheck.Store(&fn) }

// ThrottledError is a sign-in refused before its password was checked,
// because too many attempts came on its username or from its client
// address, or (Busy) because the server was already checking as many
// passwords as it may. Retry is how long to wait before trying again.
type ThrottledError struct {
	Busy  bool
	Retry time.Duration
}

func (e *ThrottledError) Error() string {
	if e.Busy {
		return "too many sign-ins at once; try again in a moment"
	}
	return fmt.Sprintf("too many sign-in attempts; try again in %s", e.Retry.Round(time.Second))
}

// Unwrap makes a throttled sign-in a joinedup.ErrForbidden.
func (e *ThrottledError) Unwrap() error { return joinedup.ErrForbidden }

// maxKeys is the most usernames or client addresses a limit tracks.
const maxKeys = 100_000

// buckets is a token bucket for each key (a username, a client address):
// a key may spend rate.N attempts at once and gets one back every
// rate.Per/rate.N. A bucket that has filled up again says nothing a new
// one would not, so buckets are dropped once full, when the map is swept
// (each time it has doubled). Past maxKeys keys with recent attempts, a
// new key is let through untracked rather than refused: a flood of
// made-up usernames cannot grow memory without bound nor lock everyone
// out, and the lock-out and the bound on password checks still hold.
type buckets struct {
	mu      sync.Mutex
	rate    Rate
	every   time.Duration // one attempt back each
	m       map[string]*bucket
	sweepAt int
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newBuckets(r Rate) *buckets {
	return &buckets{rate: r, every: r.Per / time.Duration(r.N), m: map[string]*bucket{}, sweepAt: 1024}
}

// fill adds what bk has earned back since it was last looked at.
func (b *buckets) fill(bk *bucket, now time.Time) {
	if now.After(bk.at) {
		bk.tokens = min(float64(b.rate.N), bk.tokens+float64(now.Sub(bk.at))/float64(b.every))
		bk.at = now
	}
}

// take spends one attempt of key's at now, or says how long until it has
// one.
func (b *buckets) take(key string, now time.Time) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.m[key]
	if bk == nil {
		if len(b.m) >= b.sweepAt {
			b.sweep(now)
		}
		if len(b.m) >= maxKeys {
			return 0, true
		}
		bk = &bucket{tokens: float64(b.rate.N), at: now}
		b.m[key] = bk
	}
	b.fill(bk, now)
	if bk.tokens < 1 {
		return time.Duration((1 - bk.tokens) * float64(b.every)), false
	}
	bk.tokens--
	return 0, true
}

// give returns an attempt to key.
func (b *buckets) give(key string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bk := b.m[key]; bk != nil {
		b.fill(bk, now)
		bk.tokens = min(float64(b.rate.N), bk.tokens+1)
	}
}

// sweep drops the full buckets.
func (b *buckets) sweep(now time.Time) {
	for k, bk := range b.m {
		if b.fill(bk, now); bk.tokens >= float64(b.rate.N) {
			delete(b.m, k)
		}
	}
	b.sweepAt = max(1024, 2*len(b.m))
}
