// Package workflow holds elevate's use cases: Submit, Approve, Reject,
// Cancel, End, and the job steps Activate, Revoke and Expire. Each runs in
// one store transaction that writes the state change, its audit events and
// its follow-up jobs together, so a crash can delay work but never lose it.
//
// It declares the interfaces it needs (Provider, Scheduler, DirectorySource,
// Clock); the aws and jobs packages satisfy them.
package workflow
