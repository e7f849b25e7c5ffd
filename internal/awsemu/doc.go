// Package awsemu is an in-process emulator of the AWS APIs that elevate uses:
// IAM Identity Center administration (sso-admin), the Identity Store and
// AWS Organizations. It speaks the awsJson1_1 wire protocol over HTTP, so the
// real aws-sdk-go-v2 clients talk to it unchanged once their BaseEndpoint
// points at the emulator.
//
// One [Emulator] serves all three services from a single [http.Handler],
// routing on the X-Amz-Target header. Its state comes from a [Seed]
// (organization, accounts, permission sets, users, groups, standing
// assignments); identifiers are derived deterministically from the seed, so a
// restarted process with the same seed sees the same ids.
//
// Account assignments follow the asynchronous behaviour of the real service:
// CreateAccountAssignment and DeleteAccountAssignment answer IN_PROGRESS and
// finish after [Options.ProvisioningDelay]. Faults can be injected per
// operation ([Emulator.InjectError]) and per provisioning request
// ([Emulator.FailNext]). Request members are checked against constraints taken
// from AWS's service models (required members, lengths, patterns, enums,
// ranges) before an operation runs.
//
// The emulator is used by tests and by `elevate demo`; see [Listen] for a
// ready-made HTTP server.
package awsemu
