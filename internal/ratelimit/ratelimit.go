// Package ratelimit is a keyed token-bucket limiter with an injected clock,
// used by the server (sign-in per client IP, failed bearer tokens per IP,
// requests per token) and by portal sign-in (attempts per user). It keeps
// its state in memory: each replica limits on its own.
package ratelimit

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Rate is N events per Per. A zero or negative N turns the limit off.
type Rate struct {
	N   int
	Per time.Duration
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.N <= 0 || r.Per <= 0 }

func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	return fmt.Sprintf("%d per %s", r.N, r.Per)
}

// maxKeys bounds the memory a flood of distinct keys can take: past it,
// buckets that have refilled completely are dropped (they hold no state).
const maxKeys = 100_000

type bucket struct {
	tokens float64
	at     time.Time
}

// Limiter allows up to Rate.N events per key in a burst, refilled evenly
// over Rate.Per. It is safe for concurrent use. A nil *Limiter allows
// everything.
type Limiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

// New returns a limiter for rate, or nil when the rate is off. now is the
// clock; nil means time.Now.
func New(rate Rate, now func() time.Time) *Limiter {
	if rate.Off() {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: rate, now: now, buckets: map[string]*bucket{}}
}

// Rate returns the limiter's rate.
func (l *Limiter) Rate() Rate {
	if l == nil {
		return Rate{}
	}
	return l.rate
}

// perToken is how long one event takes to refill.
func (l *Limiter) perToken() time.Duration { return l.rate.Per / time.Duration(l.rate.N) }

// refill returns key's bucket brought up to now; the caller holds mu.
func (l *Limiter) refill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxKeys {
			l.prune(now)
		}
		b = &bucket{tokens: float64(l.rate.N), at: now}
		l.buckets[key] = b
		return b
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = math.Min(float64(l.rate.N), b.tokens+float64(el)/float64(l.perToken()))
		b.at = now
	}
	return b
}

func (l *Limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if float64(now.Sub(b.at))/float64(l.perToken())+b.tokens >= float64(l.rate.N) {
			delete(l.buckets, k)
		}
	}
}

// wait is how long until the bucket holds one whole event again.
func (l *Limiter) wait(b *bucket) time.Duration {
	return time.Duration(math.Ceil((1 - b.tokens) * float64(l.perToken())))
}

// Allow takes one event from key's bucket. When the bucket is empty it
// returns false and how long until an event is allowed again.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens < 1 {
		return false, l.wait(b)
	}
	b.tokens--
	return true, 0
}

// Blocked reports, without taking an event, whether key's bucket is empty,
// and for how long. With Record it counts failures: refuse while Blocked,
// Record each failure.
func (l *Limiter) Blocked(key string) (bool, time.Duration) {
	if l == nil {
		return false, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens < 1 {
		return true, l.wait(b)
	}
	return false, 0
}

// Record takes one event from key's bucket, going no lower than empty.
func (l *Limiter) Record(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	b.tokens = math.Max(0, b.tokens-1)
}

// RetryAfterSeconds rounds d up to whole seconds, at least 1, for the
// Retry-After header.
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}
