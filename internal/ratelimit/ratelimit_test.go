package ratelimit

import (
	"strconv"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestAllowBurstThenRefill(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(Rate{N: 3, Per: time.Minute}, c.now)
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 20*time.Second {
		t.Fatalf("4th event: ok=%v wait=%s, want refused for 20s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares a's bucket")
	}
	c.t = c.t.Add(20 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("not refilled after one event's time")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("refilled more than one event")
	}
	if RetryAfterSeconds(wait) != 20 || RetryAfterSeconds(time.Millisecond) != 1 {
		t.Fatal("RetryAfterSeconds rounds wrong")
	}
}

func TestBlockedRecord(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(Rate{N: 2, Per: time.Minute}, c.now)
	if b, _ := l.Blocked("ip"); b {
		t.Fatal("blocked before any failure")
	}
	l.Record("ip")
	l.Record("ip")
	l.Record("ip") // stays at empty
	b, wait := l.Blocked("ip")
	if !b || wait != 30*time.Second {
		t.Fatalf("after 2 failures: blocked=%v wait=%s, want 30s", b, wait)
	}
	c.t = c.t.Add(30 * time.Second)
	if b, _ := l.Blocked("ip"); b {
		t.Fatal("still blocked after refill")
	}
}

func TestOffAndNil(t *testing.T) {
	if New(Rate{}, nil) != nil || New(Rate{N: 5}, nil) != nil {
		t.Fatal("an off rate made a limiter")
	}
	var l *Limiter
	if ok, _ := l.Allow("x"); !ok {
		t.Fatal("nil limiter refused")
	}
	if b, _ := l.Blocked("x"); b {
		t.Fatal("nil limiter blocked")
	}
	l.Record("x")
}

func TestPruneKeepsMemoryBounded(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(Rate{N: 1, Per: time.Second}, c.now)
	l.Allow("old")
	c.t = c.t.Add(time.Hour)
	l.buckets["old"].at = c.t.Add(-time.Hour)
	for i := range maxKeys {
		l.buckets[strconv.Itoa(i)] = &bucket{tokens: 1, at: c.t}
	}
	l.Allow("new")
	if _, ok := l.buckets["old"]; ok {
		t.Fatal("a full bucket survived pruning")
	}
}
