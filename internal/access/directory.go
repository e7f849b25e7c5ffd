package access

import "time"

// Account is an AWS account of the organization.
type Account struct {
	ID       string // 12 digits
	Name     string
	Email    string
	State    string // ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...
	ParentID string // the root or OU that holds it
	// Limit says why elevate may not assign access in this account, in
	// words (empty: it may). Set by the directory sync for the management
	// account when elevate runs as a delegated administrator.
	Limit string
}

// OU is an organizational unit, or the root when ParentID is empty.
type OU struct {
	ID       string
	Name     string
	ParentID string
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	ARN             string
	Name            string
	Description     string
	SessionDuration time.Duration // how long a console or CLI session lasts once signed in
	// Limit says why elevate may not assign this permission set, in words
	// (empty: it may): it is provisioned to the management account, or AWS
	// refuses to describe it to elevate. Such a permission set stays in the
	// directory, by ARN and by the name a previous sync read, so that
	// messages say why it cannot be used rather than that it is unknown.
	Limit string
}

// Reasons the directory sync records in Account.Limit and
// PermissionSet.Limit.
const (
	// LimitManagementAccount: the account is the management account and
	// elevate runs as a delegated administrator.
	LimitManagementAccount = "it is the management account, and elevate runs as a delegated administrator, which AWS does not let assign access there"
	// LimitManagementProvisioned: the permission set is provisioned to the
	// management account, which a delegated administrator may not assign.
	LimitManagementProvisioned = "it is managed in the management account (provisioned to it), and AWS does not let a delegated administrator assign it in any account"
	// LimitNotDescribable: AWS refused DescribePermissionSet to elevate.
	LimitNotDescribable = "it is managed in the management account: AWS refuses to describe it to elevate, a delegated administrator"
)

// LimitedName names a permission set in messages: its name, else its ARN.
func (p PermissionSet) LimitedName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.ARN
}

// User is an Identity Center identity store user.
type User struct {
	ID          string // identity store user id, immutable
	UserName    string
	DisplayName string
	Email       string
	Active      bool
	// Attributes are the directory attributes rules may name: the core
	// ones (title, userType, ...) and those of the enterprise extension
	// (department, costCenter, division, organization, employeeNumber,
	// manager), by their identity store names; empty ones are left out.
	Attributes map[string]string
}

// Group is an identity store group.
type Group struct {
	ID   string
	Name string // DisplayName in the identity store
}

// Membership says that a user is a direct member of a group.
type Membership struct {
	GroupID string
	UserID  string
}

// Directory is a snapshot of the organization and the identity store.
type Directory struct {
	Accounts       []Account
	OUs            []OU
	PermissionSets []PermissionSet
	Users          []User
	Groups         []Group
	Memberships    []Membership
}

// Assignment is one Identity Center account assignment for a user: the unit
// elevate creates and deletes.
type Assignment struct {
	AccountID        string
	PermissionSetARN string
	UserID           string
}

// DirectoryEvent is an identity store change that reached elevate as an
// event (an EventBridge rule feeding an SQS queue), between syncs.
type DirectoryEvent struct {
	EventID string    // the CloudTrail event's id
	Source  string    // the EventBridge source: aws.sso-directory or aws.identitystore
	Name    string    // the API call: DisableUser, DeleteUser, RemoveMemberFromGroup, ...
	UserID  string    // the user it names; "" when it names only a membership or a group
	At      time.Time // when the change was made
}
