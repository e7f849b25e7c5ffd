package awsemu

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Run-time changes to the directory, for tests that need users, groups,
// accounts or permission sets to appear, change or go away while the
// product runs. Values are checked like the seed's.

// ErrNotFound is returned (wrapped) when a run-time change names a user,
// group, account, OU or permission set that does not exist.
var ErrNotFound = errors.New("not found")

func (e *Emulator) nowLocked() time.Time { return e.now().UTC().Truncate(time.Millisecond) }

// AddUser adds an Identity Store user and returns its id.
func (e *Emulator) AddUser(u SeedUser) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	nu, err := e.addUserLocked(u, e.nowLocked())
	if err != nil {
		return "", fmt.Errorf("awsemu: add user: %w", err)
	}
	return nu.id, nil
}

// RemoveUser deletes a user with its group memberships and USER account
// assignments.
func (e *Emulator) RemoveUser(userName string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := &e.ids
	u := st.userByName[foldKey(userName)]
	if u == nil {
		return fmt.Errorf("awsemu: remove user %q: %w", userName, ErrNotFound)
	}
	delete(st.userByName, foldKey(u.userName))
	delete(st.userByID, u.id)
	if u.email != "" {
		delete(st.userByEmail, foldKey(u.email))
	}
	st.users = slices.DeleteFunc(slices.Clone(st.users), func(x *user) bool { return x == u })
	st.memberships = slices.DeleteFunc(slices.Clone(st.memberships), func(m *membership) bool { return m.userID == u.id })
	e.dropAssignmentsLocked(func(a Assignment) bool { return a.PrincipalType == "USER" && a.PrincipalID == u.id })
	e.publishIdentityEventLocked("aws.identitystore", "DeleteUser", map[string]any{"userId": u.id})
	return nil
}

// SetUserDisabled enables or disables a user (UserStatus).
func (e *Emulator) SetUserDisabled(userName string, disabled bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.ids.userByName[foldKey(userName)]
	if u == nil {
		return fmt.Errorf("awsemu: set user disabled %q: %w", userName, ErrNotFound)
	}
	if u.disabled == disabled {
		return nil
	}
	u.disabled = disabled
	name := "EnableUser"
	if disabled {
		name = "DisableUser"
	}
	e.publishIdentityEventLocked("aws.sso-directory", name, map[string]any{"userId": u.id})
	return nil
}

// AddGroup adds an Identity Store group (with its members, which must
// exist) and returns its id.
func (e *Emulator) AddGroup(g SeedGroup) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ng, err := e.addGroupLocked(g, e.nowLocked())
	if err != nil {
		return "", fmt.Errorf("awsemu: add group: %w", err)
	}
	return ng.id, nil
}

// RemoveGroup deletes a group with its memberships and GROUP account
// assignments.
func (e *Emulator) RemoveGroup(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := &e.ids
	g := st.groupByName[foldKey(name)]
	if g == nil {
		return fmt.Errorf("awsemu: remove group %q: %w", name, ErrNotFound)
	}
	delete(st.groupByName, foldKey(g.name))
	delete(st.groupByID, g.id)
	st.groups = slices.DeleteFunc(slices.Clone(st.groups), func(x *group) bool { return x == g })
	st.memberships = slices.DeleteFunc(slices.Clone(st.memberships), func(m *membership) bool { return m.groupID == g.id })
	e.dropAssignmentsLocked(func(a Assignment) bool { return a.PrincipalType == "GROUP" && a.PrincipalID == g.id })
	e.publishIdentityEventLocked("aws.sso-directory", "DeleteGroup", map[string]any{"groupId": g.id})
	return nil
}

// SetGroupMember adds the user to the group (member true) or removes it.
// Adding an existing member or removing a non-member is a no-op.
func (e *Emulator) SetGroupMember(groupName, userName string, member bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.ids.groupByName[foldKey(groupName)]
	u := e.ids.userByName[foldKey(userName)]
	if g == nil || u == nil {
		return fmt.Errorf("awsemu: group member %q/%q: %w", groupName, userName, ErrNotFound)
	}
	m := e.findMembership(g.id, u.id)
	params := map[string]any{"groupId": g.id, "member": map[string]any{"memberId": u.id}}
	switch {
	case member && m == nil:
		e.addMembershipLocked(g.id, u.id, e.nowLocked())
		e.publishIdentityEventLocked("aws.sso-directory", "AddMemberToGroup", params)
	case !member && m != nil:
		e.ids.memberships = slices.DeleteFunc(slices.Clone(e.ids.memberships), func(x *membership) bool { return x == m })
		e.publishIdentityEventLocked("aws.sso-directory", "RemoveMemberFromGroup", params)
	}
	return nil
}

// AddAccount adds a member account to the organization (under the OU
// named sa.OU, or the root) and returns its id.
func (e *Emulator) AddAccount(sa SeedAccount) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := &e.org
	parent, err := e.parentByNameLocked(sa.OU)
	if err != nil {
		return "", fmt.Errorf("awsemu: add account: %w", err)
	}
	a, err := e.buildAccount(sa, e.nowLocked())
	if err != nil {
		return "", fmt.Errorf("awsemu: add account: %w", err)
	}
	a.arn = fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", o.mgmt.id, o.id, a.id)
	e.setParentLocked(a, parent)
	o.accountByID[a.id] = a
	o.accountByName[a.name] = a
	o.accounts = append(o.accounts, a)
	return a.id, nil
}

// RemoveAccount removes an account (not the management account) from the
// organization, with its account assignments.
func (e *Emulator) RemoveAccount(accountID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := &e.org
	a := o.accountByID[accountID]
	if a == nil {
		return fmt.Errorf("awsemu: remove account %s: %w", accountID, ErrNotFound)
	}
	if a == o.mgmt || accountID == e.caller {
		return fmt.Errorf("awsemu: remove account %s: the management and the caller's account cannot leave the organization", accountID)
	}
	delete(o.accountByID, a.id)
	delete(o.accountByName, a.name)
	o.accounts = slices.DeleteFunc(slices.Clone(o.accounts), func(x *account) bool { return x == a })
	e.dropAssignmentsLocked(func(x Assignment) bool { return x.AccountID == a.id })
	delete(e.provisioned, a.id)
	return nil
}

// MoveAccount moves an account under the OU named ouName ("" for the
// root).
func (e *Emulator) MoveAccount(accountID, ouName string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.org.accountByID[accountID]
	if a == nil {
		return fmt.Errorf("awsemu: move account %s: %w", accountID, ErrNotFound)
	}
	parent, err := e.parentByNameLocked(ouName)
	if err != nil {
		return fmt.Errorf("awsemu: move account %s: %w", accountID, err)
	}
	e.setParentLocked(a, parent)
	return nil
}

// AddPermissionSet adds a permission set and returns its ARN.
func (e *Emulator) AddPermissionSet(sp SeedPermissionSet) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ps, err := e.addPermissionSetLocked(sp, e.nowLocked())
	if err != nil {
		return "", fmt.Errorf("awsemu: add permission set: %w", err)
	}
	return ps.arn, nil
}

// RemovePermissionSet deletes a permission set with its assignments and
// provisioning.
func (e *Emulator) RemovePermissionSet(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &e.sso
	ps := s.psByName[name]
	if ps == nil {
		return fmt.Errorf("awsemu: remove permission set %q: %w", name, ErrNotFound)
	}
	delete(s.psByName, ps.name)
	delete(s.psByARN, ps.arn)
	s.psList = slices.DeleteFunc(slices.Clone(s.psList), func(x *permissionSet) bool { return x == ps })
	e.dropAssignmentsLocked(func(a Assignment) bool { return a.PermissionSetARN == ps.arn })
	for _, set := range e.provisioned {
		delete(set, ps.arn)
	}
	return nil
}

// SetProvisioned marks a permission set as provisioned (or not) to an
// account, independently of assignments; e.g. to provision a permission set
// to the management account for the delegated-administrator rules.
func (e *Emulator) SetProvisioned(accountID, permissionSetName string, provisioned bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ps := e.sso.psByName[permissionSetName]
	if ps == nil || e.org.accountByID[accountID] == nil {
		return fmt.Errorf("awsemu: set provisioned %s/%q: %w", accountID, permissionSetName, ErrNotFound)
	}
	if provisioned {
		e.markProvisioned(Assignment{AccountID: accountID, PermissionSetARN: ps.arn})
	} else {
		delete(e.provisioned[accountID], ps.arn)
	}
	return nil
}

func (e *Emulator) dropAssignmentsLocked(match func(Assignment) bool) {
	e.settleLocked(e.now())
	for a := range e.assignments {
		if match(a) {
			delete(e.assignments, a)
		}
	}
}

// parentByNameLocked returns the id of the OU named name, or of the root
// for "".
func (e *Emulator) parentByNameLocked(name string) (string, error) {
	if name == "" {
		return e.org.rootID, nil
	}
	ou := e.org.ouByName[name]
	if ou == nil {
		return "", fmt.Errorf("OU %q: %w", name, ErrNotFound)
	}
	return ou.id, nil
}

func (e *Emulator) setParentLocked(a *account, parentID string) {
	a.parentID = parentID
	if ou := e.org.ouByID[parentID]; ou != nil {
		a.path = ou.path + a.id + "/"
	} else {
		a.path = e.org.id + "/" + e.org.rootID + "/" + a.id + "/"
	}
}
