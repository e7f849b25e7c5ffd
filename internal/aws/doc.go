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
// The package depends on internal/access and the AWS SDK only. The SDK
// clients sit behind small interfaces declared here, so the provider can run
// against fakes as well as against AWS or internal/awsemu.
package aws
