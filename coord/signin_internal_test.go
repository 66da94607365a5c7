package coord

import (
	"fmt"
	"testing"
	"time"
)

// TestSignInBuckets: a key spends its burst, waits the refill time for
// each attempt after it, gets a successful attempt back, and keys are
// independent; full buckets are forgotten, and past maxKeys new keys are
// let through untracked.
func TestSignInBuckets(t *testing.T) {
	t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	b := newBuckets(Rate{N: 3, Per: time.Minute})
	for i := range 3 {
		if _, ok := b.take("amy", t0); !ok {
			t.Fatalf("attempt %d of the burst refused", i+1)
		}
	}
	wait, ok := b.take("amy", t0)
	if ok || wait != 20*time.Second {
		t.Fatalf("fourth attempt: ok %v, wait %v; want refused, 20s", ok, wait)
	}
	if _, ok := b.take("ben", t0); !ok {
		t.Fatal("another key was limited")
	}
	if wait, ok := b.take("amy", t0.Add(15*time.Second)); ok || wait != 5*time.Second {
		t.Fatalf("after 15s: ok %v, wait %v; want refused, 5s", ok, wait)
	}
	if _, ok := b.take("amy", t0.Add(20*time.Second)); !ok {
		t.Fatal("one attempt back after 20s refused")
	}
	if _, ok := b.take("amy", t0.Add(20*time.Second)); ok {
		t.Fatal("two attempts after 20s")
	}
	b.give("amy", t0.Add(20*time.Second))
	if _, ok := b.take("amy", t0.Add(20*time.Second)); !ok {
		t.Fatal("an attempt given back was not there")
	}
	// A clock that goes back gives nothing back and takes nothing.
	if _, ok := b.take("amy", t0); ok {
		t.Fatal("a clock going back refilled")
	}

	// Full buckets are dropped when the map is swept.
	b = newBuckets(Rate{N: 2, Per: time.Minute})
	for i := range 1024 {
		b.take(fmt.Sprint("user", i), t0)
	}
	b.take("late", t0.Add(10*time.Second)) // sweeps, when none is full yet
	for i := range 1023 {
		b.take(fmt.Sprint("more", i), t0.Add(10*time.Second))
	}
	if len(b.m) != 2048 {
		t.Fatalf("%d buckets kept, want 2048; none was full yet", len(b.m))
	}
	b.take("later", t0.Add(10*time.Minute))
	if len(b.m) != 1 {
		t.Fatalf("%d buckets kept after a sweep; the full ones should have gone", len(b.m))
	}

	// Past maxKeys, a new key is let through and not tracked.
	b = newBuckets(Rate{N: 1, Per: time.Hour})
	for i := range maxKeys {
		b.take(fmt.Sprint("user", i), t0)
	}
	for range 3 {
		if _, ok := b.take("one more", t0); !ok {
			t.Fatal("a key past maxKeys was refused")
		}
	}
	if len(b.m) != maxKeys {
		t.Fatalf("%d keys tracked, want %d", len(b.m), maxKeys)
	}
}
