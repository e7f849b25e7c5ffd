// Package access is elevate's domain: requests for temporary elevated access,
// their grants (one Identity Center account assignment per account), the
// actors who act on them, the directory they are drawn from, and the pure
// transitions of the request lifecycle.
//
// It imports the standard library only. Every transition is a function of
// (request, actor, time) that returns the new request and the event to record,
// or an *Error that says why the transition is refused.
package access
