package awsemu

import (
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// Seed is the initial state of an Emulator: one organization with its OUs and
// accounts, one Identity Center instance with its permission sets, users,
// groups and standing account assignments. In YAML the keys are snake_case.
type Seed struct {
	// Region is the Identity Center home region. Default "us-east-1".
	Region string `yaml:"region,omitempty"`
	// ManagementAccountID is the organization's management account. It must
	// be one of Accounts; when empty, the first account is used (or, with no
	// accounts at all, an account named "management" is created).
	ManagementAccountID string              `yaml:"management_account_id,omitempty"`
	OUs                 []SeedOU            `yaml:"ous,omitempty"`
	Accounts            []SeedAccount       `yaml:"accounts,omitempty"`
	PermissionSets      []SeedPermissionSet `yaml:"permission_sets,omitempty"`
	Users               []SeedUser          `yaml:"users,omitempty"`
	Groups              []SeedGroup         `yaml:"groups,omitempty"`
	// Assignments are standing account assignments, present from the start.
	Assignments []SeedAssignment `yaml:"assignments,omitempty"`
	// IdentityEventsQueue names an SQS queue to create, to which every
	// identity store change is published as EventBridge delivers it
	// (Emulator.SetIdentityEventsQueue); its URL is
	// https://sqs.<region>.amazonaws.com/<caller account>/<name>. Default none.
	IdentityEventsQueue string `yaml:"identity_events_queue,omitempty"`
}

// SeedOU is an organizational unit. OU names must be unique in a seed.
type SeedOU struct {
	Name string `yaml:"name"`
	// Parent is the name of the parent OU; "" means the root.
	Parent string `yaml:"parent,omitempty"`
}

// SeedAccount is a member account of the organization.
type SeedAccount struct {
	// ID is the 12-digit account id; when empty it is derived from Name.
	ID   string `yaml:"id,omitempty"`
	Name string `yaml:"name"`
	// Email defaults to "<name>@example.com".
	Email string `yaml:"email,omitempty"`
	// OU is the name of the parent OU; "" means the root.
	OU string `yaml:"ou,omitempty"`
	// State is one of PENDING_ACTIVATION, ACTIVE, SUSPENDED,
	// PENDING_CLOSURE, CLOSED. Default ACTIVE.
	State string `yaml:"state,omitempty"`
}

// SeedPermissionSet is a permission set of the Identity Center instance.
type SeedPermissionSet struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// SessionDuration is an ISO-8601 duration such as PT1H (default),
	// between 1 and 12 hours.
	SessionDuration string `yaml:"session_duration,omitempty"`
}

// SeedUser is an Identity Store user.
type SeedUser struct {
	UserName string `yaml:"user_name"`
	// DisplayName defaults to "GivenName FamilyName", or UserName.
	DisplayName string `yaml:"display_name,omitempty"`
	Email       string `yaml:"email,omitempty"`
	GivenName   string `yaml:"given_name,omitempty"`
	FamilyName  string `yaml:"family_name,omitempty"`
	Disabled    bool   `yaml:"disabled,omitempty"`
	// Title and UserType are core attributes; Enterprise the attributes of
	// the enterprise extension (aws:identitystore:enterprise).
	Title      string          `yaml:"title,omitempty"`
	UserType   string          `yaml:"user_type,omitempty"`
	Enterprise *SeedEnterprise `yaml:"enterprise,omitempty"`
}

// SeedEnterprise is a user's enterprise extension.
type SeedEnterprise struct {
	EmployeeNumber string `yaml:"employee_number,omitempty" json:"employeeNumber,omitempty"`
	CostCenter     string `yaml:"cost_center,omitempty" json:"costCenter,omitempty"`
	Organization   string `yaml:"organization,omitempty" json:"organization,omitempty"`
	Division       string `yaml:"division,omitempty" json:"division,omitempty"`
	Department     string `yaml:"department,omitempty" json:"department,omitempty"`
	// Manager is the manager's user name; the extension names their user id.
	Manager string `yaml:"manager,omitempty" json:"-"`
}

// SeedGroup is an Identity Store group.
type SeedGroup struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Members are user names.
	Members []string `yaml:"members,omitempty"`
}

// SeedAssignment is a standing account assignment. Exactly one of User and
// Group is set.
type SeedAssignment struct {
	// Account is an account id or name.
	Account string `yaml:"account"`
	// PermissionSet is a permission set name.
	PermissionSet string `yaml:"permission_set"`
	// User is a user name.
	User string `yaml:"user,omitempty"`
	// Group is a group name.
	Group string `yaml:"group,omitempty"`
}

// LoadSeedFile reads a Seed from a YAML file with snake_case keys. Unknown
// keys are an error; an empty file is an empty Seed.
func LoadSeedFile(path string) (Seed, error) {
	f, err := os.Open(path)
	if err != nil {
		return Seed{}, fmt.Errorf("awsemu: open seed: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only or already-failed: its close error cannot matter
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	var s Seed
	if err := dec.Decode(&s); err != nil && !errors.Is(err, io.EOF) {
		return Seed{}, fmt.Errorf("awsemu: parse seed %s: %w", path, err)
	}
	return s, nil
}

// DemoSeed returns a small but realistic organization: a root with the OUs
// Security, Workloads (with Prod and NonProd) and Sandbox; eight accounts;
// the permission sets AdministratorAccess, ReadOnlyAccess and
// PowerUserAccess; five users and four groups; and a few standing group
// assignments.
func DemoSeed() Seed {
	return Seed{
		Region:              "us-east-1",
		ManagementAccountID: "111122223333",
		OUs: []SeedOU{
			{Name: "Security"},
			{Name: "Workloads"},
			{Name: "Prod", Parent: "Workloads"},
			{Name: "NonProd", Parent: "Workloads"},
			{Name: "Sandbox"},
		},
		Accounts: []SeedAccount{
			{ID: "111122223333", Name: "management", Email: "aws-management@example.com"},
			{ID: "222233334444", Name: "audit", Email: "aws-audit@example.com", OU: "Security"},
			{ID: "333344445555", Name: "log-archive", Email: "aws-log-archive@example.com", OU: "Security"},
			{ID: "444455556666", Name: "prod", Email: "aws-prod@example.com", OU: "Prod"},
			{ID: "555566667777", Name: "staging", Email: "aws-staging@example.com", OU: "NonProd"},
			{ID: "666677778888", Name: "dev", Email: "aws-dev@example.com", OU: "NonProd"},
			{ID: "777788889999", Name: "sandbox-1", Email: "aws-sandbox-1@example.com", OU: "Sandbox"},
			{ID: "888899990000", Name: "sandbox-2", Email: "aws-sandbox-2@example.com", OU: "Sandbox"},
		},
		PermissionSets: []SeedPermissionSet{
			{Name: "AdministratorAccess", Description: "Full access to AWS services and resources", SessionDuration: "PT1H"},
			{Name: "ReadOnlyAccess", Description: "Read-only access to AWS services and resources", SessionDuration: "PT8H"},
			{Name: "PowerUserAccess", Description: "Full access except IAM and Organizations management", SessionDuration: "PT4H"},
		},
		Users: []SeedUser{
			{UserName: "alice", DisplayName: "Alice Anders", Email: "alice@example.com", GivenName: "Alice", FamilyName: "Anders",
				Title: "Site Reliability Engineer", UserType: "Employee",
				Enterprise: &SeedEnterprise{Department: "SRE", CostCenter: "CC-100", Division: "Engineering", Organization: "Platform", EmployeeNumber: "1001", Manager: "carol"}},
			{UserName: "bob", DisplayName: "Bob Baker", Email: "bob@example.com", GivenName: "Bob", FamilyName: "Baker"},
			{UserName: "carol", DisplayName: "Carol Chen", Email: "carol@example.com", GivenName: "Carol", FamilyName: "Chen"},
			{UserName: "dave", DisplayName: "Dave Dixon", Email: "dave@example.com", GivenName: "Dave", FamilyName: "Dixon"},
			{UserName: "erin", DisplayName: "Erin Evans", Email: "erin@example.com", GivenName: "Erin", FamilyName: "Evans"},
		},
		Groups: []SeedGroup{
			{Name: "engineers", Description: "Application engineers", Members: []string{"alice"}},
			{Name: "approvers", Description: "May approve access requests", Members: []string{"bob", "carol"}},
			{Name: "auditors", Description: "Security and compliance auditors", Members: []string{"dave"}},
			{Name: "admins", Description: "Cloud platform administrators", Members: []string{"erin"}},
		},
		Assignments: []SeedAssignment{
			{Account: "dev", PermissionSet: "ReadOnlyAccess", Group: "engineers"},
			{Account: "audit", PermissionSet: "ReadOnlyAccess", Group: "auditors"},
			{Account: "log-archive", PermissionSet: "ReadOnlyAccess", Group: "auditors"},
		},
	}
}
