// Package aws is elevate's AWS IAM Identity Center provider, built on
// aws-sdk-go-v2.
//
// A Provider creates and deletes account assignments (one permission set for
// one user on one account), waiting for AWS's asynchronous provisioning to
// finish, and reads the directory: the organization's roots, OUs and
// accounts, the instance's permission sets, and the identity store's users,
// groups and memberships.
//
// Every SDK call is retried on ThrottlingException, ConflictException (which
// the SDK alone does not retry), 5xx and connection errors, with exponential
// backoff and jitter. AWS's final refusals come back as
// *access.ProvisioningError; every other error is transient and wrapped, so a
// durable job may retry it later (creating and deleting assignments is
// idempotent).
//
// # Staying inside AWS's limits
//
// Identity Center allows about 20 API calls per second per account in
// total, and about 10 create/delete operations in flight. The
// provider keeps within both by itself instead of relying on retries:
//
//   - Rate. Every sso-admin HTTP request of the provider (creates, deletes,
//     status polls, directory reads, Doctor, and each SDK retry) waits for
//     one shared token bucket: Config.CallsPerSecond, default 18 (20 minus a
//     10% margin), Config.CallBurst, default 2, so at most 20 calls in any
//     second and 18/s sustained. The bucket is
//     an SDK middleware placed right after the retry middleware, so retries
//     are paced and counted too. Identity store and organizations calls
//     have their own buckets (default 10/s each). Waiting respects ctx.
//   - In flight. A create or delete takes one of Config.MaxInFlight slots
//     (default 10) before its Create/Delete call and holds it until AWS
//     reports SUCCEEDED or FAILED. If the operation times out
//     (OperationTimeout) it stays in flight at AWS, so the poller keeps
//     polling it and frees the slot only when it has finished (or
//     OperationTimeout after it was abandoned). OperationTimeout starts
//     once the slot is held.
//   - Waiting is not working. A create or delete runs in its own
//     goroutine, from its wait for a slot to AWS's final status; its caller
//     only follows it. When the caller's ctx ends first (a job's deadline)
//     the caller gets a *WaitingError, which says it was only waiting its
//     turn, and the operation goes on in its place in line. A later call
//     for the same assignment (the job's next run) joins it instead of
//     sending a second Create or Delete. Operations on one assignment run
//     one at a time, so a delete never overtakes a create in AWS; a delete
//     drops a create of the same assignment that has not been sent yet. A
//     call whose ctx ends while it waits for the rate limiter gets a
//     *WaitingError too.
//   - Priority. Slots go to waiters in priority order, not first come first
//     served: a deletion ranks by the deadline it is given, so when many
//     grants end at once the earliest deadlines are removed first; a
//     creation, or a deletion without a deadline, ranks by its time of
//     arrival. Ties go by arrival.
//   - Call order. Calls waiting for the rate limiter go by arrival time
//     plus 40 tokens' worth of time per priority level: creates, deletes
//     and AssignmentExists first, since each create or delete already
//     holds its slot and a grant waits for nothing else before its create;
//     then status lists (and Describes while they are what frees a slot,
//     and a creation's outcome Describe); then the rest (a deletion's outcome
//     Describe, once its slot is free; directory sync and reconciliation
//     reads). A lower level can be passed only for
//     that long, so nothing starves.
//
// # Polling
//
// One poller goroutine per kind (creation, deletion) polls every operation
// of that kind in progress, and wakes each waiting caller when its
// operation is done; it runs only while there are any. Each cycle picks the
// cheaper way: with 3 or more operations in progress it calls
// ListAccountAssignmentCreationStatus (or DeletionStatus) with Filter
// Status=IN_PROGRESS, one call per 100, frees at once the slot of every
// operation that was listed before and no longer is (AWS has finished it),
// and describes those operations in the background to learn SUCCEEDED or
// FAILED and the FailureReason; with fewer it describes each. In list mode
// the cycle comes every ListPollInterval (default 150ms), since it costs
// one call whatever the number of operations; otherwise it starts at
// PollInterval after a new operation and grows by half up to
// MaxPollInterval. A
// ResourceNotFoundException from a Describe within 30s of the start means
// "not visible yet" (eventual consistency). Provider.Stats counts calls by
// operation, throttles and retries, so the cost per operation can be
// measured.
//
// # Diagnostics and permissions
//
// Provider.Doctor checks credentials, instance, management-account versus
// delegated-administrator setup and every permission elevate uses.
// IAMPolicy prints the least-privilege policy of elevate's own role; a test
// checks that it grants every operation in the SDK interfaces of provider.go.
//
// The package depends on internal/access and the AWS SDK only. The SDK
// clients sit behind small interfaces declared here, so the provider can run
// against fakes as well as against AWS or internal/awsemu.
package aws
