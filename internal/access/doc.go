// Package access is elevate's domain: requests for temporary elevated access,
// their grants (one Identity Center account assignment per account), the
// actors who act on them, the directory they are drawn from, and the pure
// transitions of the request lifecycle. It also holds the records the
// edges show and the engines store (tokens, sessions, notifications, run
// statuses, session activity, checkpoints: records_*.go), the decision log's
// hash chain (chain.go), and the two values a request context carries: the
// actor and the request id (context.go).
//
// It imports the standard library only. Every transition is a function of
// (request, actor, time) that returns the new request and the event to record,
// or an *Error that says why the transition is refused.
package access
