package apitest

import (
	"time"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/workflow"
)

// Tokens of the seeded users.
const (
	AliceToken   = "elv_alice000000000000000000000" // requester
	BobToken     = "elv_bob00000000000000000000000" // approver
	CarolToken   = "elv_carol000000000000000000000" // approver
	AuditorToken = "elv_audit000000000000000000000" // auditor
)

// Seeded accounts and permission sets.
const (
	ProdAccount    = "111111111111" // AdministratorAccess, 1 approval, at most 4h
	SandboxAccount = "222222222222" // ReadOnlyAccess, no approval, at most 8h
	AdminSetARN    = "arn:aws:sso:::permissionSet/ssoins-1/ps-admin"
	ReadOnlySetARN = "arn:aws:sso:::permissionSet/ssoins-1/ps-readonly"
)

// Seeded users.
var (
	// GroupNames names the seed's groups.
	GroupNames = map[string]string{"g-eng": "engineers", "g-sre": "sre", "g-aud": "auditors"}
	Alice      = access.Actor{UserID: "u-alice", UserName: "alice", Email: "alice@example.com", Groups: []string{"g-eng"}}
	Bob        = access.Actor{UserID: "u-bob", UserName: "bob", Email: "bob@example.com", Groups: []string{"g-sre"}}
	Carol      = access.Actor{UserID: "u-carol", UserName: "carol", Email: "carol@example.com", Groups: []string{"g-sre"}}
	Auditor    = access.Actor{UserID: "u-audit", UserName: "audrey", Email: "audrey@example.com", Groups: []string{"g-aud"}, Auditor: true}
)

// NewSeeded returns a Fake with four users (alice requests, bob and carol
// approve, audrey audits), a prod account that needs one approval for
// AdministratorAccess and a sandbox account that needs none for
// ReadOnlyAccess.
func NewSeeded() *Fake {
	f := New()
	f.AddUser(AliceToken, Alice)
	f.AddUser(BobToken, Bob)
	f.AddUser(CarolToken, Carol)
	f.AddUser(AuditorToken, Auditor)
	f.SetApprovers(Bob.UserID, Carol.UserID)
	f.AddEligible(workflow.Eligible{
		Account:           access.Account{ID: ProdAccount, Name: "prod", Email: "aws-prod@example.com", State: "ACTIVE"},
		PermissionSet:     access.PermissionSet{ARN: AdminSetARN, Name: "AdministratorAccess", Description: "full access", SessionDuration: time.Hour},
		Rule:              "prod-admin",
		MaxDuration:       4 * time.Hour,
		ApprovalsRequired: 1,
		TicketRequired:    false,
	})
	f.AddEligible(workflow.Eligible{
		Account:       access.Account{ID: SandboxAccount, Name: "sandbox", Email: "aws-sandbox@example.com", State: "ACTIVE"},
		PermissionSet: access.PermissionSet{ARN: ReadOnlySetARN, Name: "ReadOnlyAccess", Description: "read only", SessionDuration: 2 * time.Hour},
		Rule:          "sandbox-read",
		MaxDuration:   8 * time.Hour,
	})
	return f
}
