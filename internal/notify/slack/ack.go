package slack

import (
	"context"
	"time"
)

// DefaultAckBudget is how long a handler waits for its work (the database,
// AWS, Slack's Web API) before it answers Slack without it. Slack gives up
// on an answer after 3 seconds and shows the user an error; the budget
// leaves a second for the network and for writing the answer.
const DefaultAckBudget = 2 * time.Second

// workTimeout bounds the work that goes on after Slack was answered.
const workTimeout = 2 * time.Minute

// detached returns a context for work that outlives the HTTP request that
// started it (its values, such as the request id, are kept), bounded by
// workTimeout.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
}

// within runs work in its own goroutine, with its own context, and waits for
// it up to budget. It returns the result and true when the work finished in
// time. Otherwise it returns false at once, the work goes on, and late (when
// not nil) gets the result when it is done: the user is told then.
func within[T any](ctx context.Context, budget time.Duration, work func(context.Context) T, late func(context.Context, T)) (T, bool) {
	wctx, cancel := detached(ctx)
	done := make(chan T, 1)
	go func() { done <- work(wctx) }()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case v := <-done:
		cancel()
		return v, true
	case <-timer.C:
		go func() {
			defer cancel()
			v := <-done
			if late != nil {
				late(wctx, v)
			}
		}()
		var zero T
		return zero, false
	}
}

// background runs work after the answer, in its own context.
func background(ctx context.Context, work func(context.Context)) {
	wctx, cancel := detached(ctx)
	go func() {
		defer cancel()
		work(wctx)
	}()
}

// ackBudget is the handler's budget.
func (h *Interactions) ackBudget() time.Duration {
	if h.ask != nil && h.ask.cfg.AckBudget > 0 {
		return h.ask.cfg.AckBudget
	}
	return DefaultAckBudget
}

// decideWithin carries out a decision from a DM within the ack budget. When
// the database or AWS is slow, Slack is answered that the decision is being
// recorded, and the outcome goes to the user through the response_url.
func (h *Interactions) decideWithin(ctx context.Context, responseURL string, dec Decision) reply {
	rep, ok := within(ctx, h.ackBudget(), func(ctx context.Context) reply { return h.handle(ctx, dec) },
		func(ctx context.Context, rep reply) {
			if responseURL != "" {
				h.tell(ctx, responseURL, rep.Text)
			}
		})
	if !ok {
		return reply{OK: true, Code: "accepted", Text: "elevate is recording your decision: you will be told here when it is done."}
	}
	return rep
}
