package access

import "time"

// Account is an AWS account of the organization.
type Account struct {
	ID       string // 12 digits
	Name     string
	Email    string
	State    string // ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...
	ParentID string // the root or OU that holds it
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
}

// User is an Identity Center identity store user.
type User struct {
	ID          string // identity store user id, immutable
	UserName    string
	DisplayName string
	Email       string
	Active      bool
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
