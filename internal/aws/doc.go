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
//     then status lists and Describes (a deletion's Describe of a failure,
//     once its slot is free, ranks with the rest); then the rest (directory
//     sync and reconciliation reads). A lower level can be passed only for
//     that long, so nothing starves.
//
// # Polling
//
// One poller goroutine per kind (creation, deletion) polls every operation
// of that kind in progress, and wakes each waiting caller when its
// operation is done; it runs only while there are any. It polls in one of
// two ways, chosen at each turn:
//
//   - While operations wait for an in-flight slot, or fewer than 3 are in
//     progress, it describes each operation on its own at the time an
//     operation of its kind is expected to finish (learned from AWS's
//     answers: shrunk a little when one was finished by then, grown when
//     not), then at steps doubling from 1/64 of that time (1/4 without
//     waiters) up to MaxPollInterval while AWS says IN_PROGRESS. A
//     finished operation frees its slot within the round trip.
//   - Otherwise a cycle every ListPollInterval (default 150ms) calls
//     ListAccountAssignmentCreationStatus (or DeletionStatus) with Filter
//     Status=IN_PROGRESS, one call per 100, and frees at once the slot of
//     every operation that was listed before and no longer is (AWS has
//     finished it); every third cycle one list with Status=FAILED tells
//     which of those failed (they are described for the FailureReason) and
//     the others succeeded, without a call of their own. An operation no
//     list has shown yet is described.
//
// DeletionEnvelope reports the learned deletion time and how often a
// deletion can start at capacity, for planning revocations ahead of their
// end (the workflow's revoke_ahead). A
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
