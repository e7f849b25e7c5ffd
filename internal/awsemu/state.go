package awsemu

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Directory state. It is built from the Seed by load and not modified
// afterwards, so it may be read without holding Emulator.mu.

type orgState struct {
	id, arn          string
	rootID, rootARN  string
	mgmt             *account
	ous              []*orgUnit
	ouByID           map[string]*orgUnit
	ouByName         map[string]*orgUnit
	accounts         []*account
	accountByID      map[string]*account
	accountByName    map[string]*account
	featureSet       string
	rootName         string
	policyTypeStatus string
}

type orgUnit struct {
	id, arn, name string
	parentID      string // root or OU id
	path          string // o-…/r-…/ou-…/
}

type account struct {
	id, arn, name, email string
	state                string
	parentID             string
	path                 string
	joinedMethod         string
	joined               time.Time
}

type ssoState struct {
	instanceARN string
	instanceID  string // ssoins-…
	name        string
	psList      []*permissionSet
	psByARN     map[string]*permissionSet
	psByName    map[string]*permissionSet
}

type permissionSet struct {
	arn, name, description string
	sessionDuration        string
	created                time.Time
}

type idsState struct {
	storeID     string
	users       []*user
	userByID    map[string]*user
	userByName  map[string]*user // folded user name
	userByEmail map[string]*user // folded email
	groups      []*group
	groupByID   map[string]*group
	groupByName map[string]*group // folded display name
	memberships []*membership     // group order, then member order
}

type user struct {
	id, userName, displayName, email string
	givenName, familyName            string
	title, userType                  string
	enterprise                       *SeedEnterprise
	disabled                         bool
	created                          time.Time
}

type group struct {
	id, name, description string
	created               time.Time
}

type membership struct {
	id, groupID, userID string
	created             time.Time
}

// foldKey is the lookup key for names that AWS treats case-insensitively.
func foldKey(s string) string { return strings.ToLower(s) }

func seedErr(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// check validates a seed value against a model shape.
func check(s *shape, what, value string) error {
	var vs []violation
	s.validate(value, what, &vs)
	if len(vs) > 0 {
		return seedErr("%s %q: %s", what, value, vs[0].constraint)
	}
	return nil
}

// load builds the directory state and the standing assignments from seed.
func (e *Emulator) load(seed Seed) error {
	m := e.shapes
	e.region = seed.Region
	if e.region == "" {
		e.region = "us-east-1"
	}
	if err := check(m.RegionName, "region", e.region); err != nil {
		return err
	}
	if err := e.loadOrg(seed); err != nil {
		return err
	}
	if err := e.loadSSO(seed); err != nil {
		return err
	}
	if err := e.loadIdentityStore(seed); err != nil {
		return err
	}
	return e.loadAssignments(seed)
}

func (e *Emulator) loadOrg(seed Seed) error {
	m := e.shapes
	accounts := seed.Accounts
	mgmtID := seed.ManagementAccountID
	if len(accounts) == 0 {
		accounts = []SeedAccount{{ID: mgmtID, Name: "management"}}
	}
	o := &e.org
	o.accountByID = make(map[string]*account)
	o.accountByName = make(map[string]*account)
	o.ouByID = make(map[string]*orgUnit)
	o.ouByName = make(map[string]*orgUnit)
	o.featureSet = "ALL"
	o.rootName = "Root"
	o.policyTypeStatus = "ENABLED"

	ouNames := make([]string, len(accounts))
	for i, sa := range accounts {
		ouNames[i] = sa.OU
		a, err := e.buildAccount(sa, e.created)
		if err != nil {
			return err
		}
		o.accountByID[a.id] = a
		o.accountByName[a.name] = a
		o.accounts = append(o.accounts, a)
	}
	if mgmtID == "" {
		mgmtID = o.accounts[0].id
	}
	o.mgmt = o.accountByID[mgmtID]
	if o.mgmt == nil {
		return seedErr("management account %s is not among the accounts", mgmtID)
	}
	o.mgmt.joinedMethod = "INVITED"

	o.id = "o-" + hexID(10, "org", mgmtID)
	o.arn = fmt.Sprintf("arn:aws:organizations::%s:organization/%s", mgmtID, o.id)
	o.rootID = "r-" + hexID(4, "root", o.id)
	o.rootARN = fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", mgmtID, o.id, o.rootID)
	rootSuffix := strings.TrimPrefix(o.rootID, "r-")
	for _, a := range o.accounts {
		a.arn = fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", mgmtID, o.id, a.id)
	}

	for _, so := range seed.OUs {
		if err := check(m.OUName, "OU name", so.Name); err != nil {
			return err
		}
		if o.ouByName[so.Name] != nil {
			return seedErr("duplicate OU name %q", so.Name)
		}
		ou := &orgUnit{name: so.Name, id: "ou-" + rootSuffix + "-" + hexID(8, "ou", o.id, so.Name)}
		ou.arn = fmt.Sprintf("arn:aws:organizations::%s:ou/%s/%s", mgmtID, o.id, ou.id)
		if o.ouByID[ou.id] != nil {
			return seedErr("OU id collision for %q", so.Name)
		}
		o.ouByName[so.Name] = ou
		o.ouByID[ou.id] = ou
		o.ous = append(o.ous, ou)
	}
	parentID := func(name string) (string, error) {
		if name == "" {
			return o.rootID, nil
		}
		p := o.ouByName[name]
		if p == nil {
			return "", seedErr("unknown OU %q", name)
		}
		return p.id, nil
	}
	for i, so := range seed.OUs {
		pid, err := parentID(so.Parent)
		if err != nil {
			return fmt.Errorf("OU %q: %w", so.Name, err)
		}
		o.ous[i].parentID = pid
	}
	rootPath := o.id + "/" + o.rootID + "/"
	for _, ou := range o.ous {
		// Walk up to the root; more steps than OUs means a cycle.
		segs := []string{ou.id}
		cur := ou
		for steps := 0; cur.parentID != o.rootID; steps++ {
			if steps > len(o.ous) {
				return seedErr("OU %q is part of a parent cycle", ou.name)
			}
			cur = o.ouByID[cur.parentID]
			segs = append([]string{cur.id}, segs...)
		}
		ou.path = rootPath + strings.Join(segs, "/") + "/"
	}
	for i, a := range o.accounts {
		pid, err := parentID(ouNames[i])
		if err != nil {
			return fmt.Errorf("account %q: %w", a.name, err)
		}
		a.parentID = pid
		if ou := o.ouByID[pid]; ou != nil {
			a.path = ou.path + a.id + "/"
		} else {
			a.path = rootPath + a.id + "/"
		}
	}
	return nil
}

// buildAccount validates a seed account and fills in its defaults. It does
// not set the ARN, the parent or the path.
func (e *Emulator) buildAccount(sa SeedAccount, joined time.Time) (*account, error) {
	m := e.shapes
	o := &e.org
	a := &account{id: sa.ID, name: sa.Name, email: sa.Email, state: sa.State, joined: joined, joinedMethod: "CREATED"}
	if a.name == "" {
		return nil, seedErr("account %q has no name", a.id)
	}
	if err := check(m.AccountName, "account name", a.name); err != nil {
		return nil, err
	}
	if a.id == "" {
		a.id = derivedAccountID(a.name)
	}
	if err := check(m.OrgAccountID, "account id", a.id); err != nil {
		return nil, err
	}
	if a.email == "" {
		a.email = strings.ToLower(strings.ReplaceAll(a.name, " ", "-")) + "@example.com"
	}
	if err := check(m.OrgEmail, "account email", a.email); err != nil {
		return nil, err
	}
	if a.state == "" {
		a.state = "ACTIVE"
	}
	if err := check(m.AccountState, "account state", a.state); err != nil {
		return nil, err
	}
	if o.accountByID[a.id] != nil {
		return nil, seedErr("duplicate account id %s", a.id)
	}
	if o.accountByName[a.name] != nil {
		return nil, seedErr("duplicate account name %q", a.name)
	}
	return a, nil
}

func (e *Emulator) loadSSO(seed Seed) error {
	s := &e.sso
	s.instanceID = "ssoins-" + hexID(16, "instance", e.org.mgmt.id, e.region)
	s.instanceARN = "arn:aws:sso:::instance/" + s.instanceID
	s.name = "elevate-emulator"
	s.psByARN = make(map[string]*permissionSet)
	s.psByName = make(map[string]*permissionSet)
	for _, sp := range seed.PermissionSets {
		if _, err := e.addPermissionSetLocked(sp, e.created); err != nil {
			return err
		}
	}
	return nil
}

// addPermissionSetLocked validates a seed permission set and adds it.
func (e *Emulator) addPermissionSetLocked(sp SeedPermissionSet, created time.Time) (*permissionSet, error) {
	m := e.shapes
	s := &e.sso
	if err := check(m.PermissionSetNm, "permission set name", sp.Name); err != nil {
		return nil, err
	}
	if s.psByName[sp.Name] != nil {
		return nil, seedErr("duplicate permission set %q", sp.Name)
	}
	if sp.Description != "" {
		if err := check(m.PSDescription, "permission set description", sp.Description); err != nil {
			return nil, err
		}
	}
	dur := sp.SessionDuration
	if dur == "" {
		dur = "PT1H"
	}
	if err := check(m.Duration, "session duration", dur); err != nil {
		return nil, seedErr("permission set %q: session duration is not an ISO-8601 duration: %w", sp.Name, err)
	}
	d, err := parseISODuration(dur)
	if err != nil {
		return nil, seedErr("permission set %q: %w", sp.Name, err)
	}
	if d < time.Hour || d > 12*time.Hour {
		return nil, seedErr("permission set %q: session duration %s is outside 1 to 12 hours", sp.Name, dur)
	}
	ps := &permissionSet{
		arn:             "arn:aws:sso:::permissionSet/" + s.instanceID + "/ps-" + hexID(16, "ps", s.instanceID, sp.Name),
		name:            sp.Name,
		description:     sp.Description,
		sessionDuration: dur,
		created:         created,
	}
	if s.psByARN[ps.arn] != nil {
		return nil, seedErr("permission set ARN collision for %q", sp.Name)
	}
	s.psByARN[ps.arn] = ps
	s.psByName[ps.name] = ps
	s.psList = append(s.psList, ps)
	return ps, nil
}

func (e *Emulator) loadIdentityStore(seed Seed) error {
	st := &e.ids
	st.storeID = "d-" + hexID(10, "identitystore", e.org.mgmt.id, e.region)
	st.userByID = make(map[string]*user)
	st.userByName = make(map[string]*user)
	st.userByEmail = make(map[string]*user)
	st.groupByID = make(map[string]*group)
	st.groupByName = make(map[string]*group)
	for _, su := range seed.Users {
		if _, err := e.addUserLocked(su, e.created); err != nil {
			return err
		}
	}
	for _, sg := range seed.Groups {
		if _, err := e.addGroupLocked(sg, e.created); err != nil {
			return err
		}
	}
	return nil
}

// addUserLocked validates a seed user and adds it.
func (e *Emulator) addUserLocked(su SeedUser, created time.Time) (*user, error) {
	m := e.shapes
	st := &e.ids
	if err := check(m.UserName, "user name", su.UserName); err != nil {
		return nil, err
	}
	key := foldKey(su.UserName)
	if st.userByName[key] != nil {
		return nil, seedErr("duplicate user name %q", su.UserName)
	}
	u := &user{
		id:          principalID(st.storeID, "user", key),
		userName:    su.UserName,
		displayName: su.DisplayName,
		email:       su.Email,
		givenName:   su.GivenName,
		familyName:  su.FamilyName,
		disabled:    su.Disabled,
		title:       su.Title,
		userType:    su.UserType,
		enterprise:  su.Enterprise,
		created:     created,
	}
	if u.displayName == "" {
		u.displayName = strings.TrimSpace(u.givenName + " " + u.familyName)
	}
	if u.displayName == "" {
		u.displayName = u.userName
	}
	for what, v := range map[string]string{"display name": u.displayName, "email": u.email, "given name": u.givenName, "family name": u.familyName,
		"title": u.title, "user type": u.userType} {
		if v == "" {
			continue
		}
		if err := check(m.SensitiveString, "user "+what, v); err != nil {
			return nil, err
		}
	}
	if u.email != "" {
		if other := st.userByEmail[foldKey(u.email)]; other != nil {
			return nil, seedErr("users %q and %q share the email %s", other.userName, u.userName, u.email)
		}
		st.userByEmail[foldKey(u.email)] = u
	}
	st.userByID[u.id] = u
	st.userByName[key] = u
	st.users = append(st.users, u)
	return u, nil
}

// addGroupLocked validates a seed group and adds it with its members.
func (e *Emulator) addGroupLocked(sg SeedGroup, created time.Time) (*group, error) {
	m := e.shapes
	st := &e.ids
	if err := check(m.GroupDisplayName, "group name", sg.Name); err != nil {
		return nil, err
	}
	key := foldKey(sg.Name)
	if st.groupByName[key] != nil {
		return nil, seedErr("duplicate group %q", sg.Name)
	}
	if sg.Description != "" {
		if err := check(m.SensitiveString, "group description", sg.Description); err != nil {
			return nil, err
		}
	}
	members := make([]*user, 0, len(sg.Members))
	seen := make(map[string]bool)
	for _, name := range sg.Members {
		u := st.userByName[foldKey(name)]
		if u == nil {
			return nil, seedErr("group %q: unknown member %q", sg.Name, name)
		}
		if !seen[u.id] {
			seen[u.id] = true
			members = append(members, u)
		}
	}
	g := &group{id: principalID(st.storeID, "group", key), name: sg.Name, description: sg.Description, created: created}
	st.groupByID[g.id] = g
	st.groupByName[key] = g
	st.groups = append(st.groups, g)
	for _, u := range members {
		e.addMembershipLocked(g.id, u.id, created)
	}
	return g, nil
}

func (e *Emulator) loadAssignments(seed Seed) error {
	for i, sa := range seed.Assignments {
		acct := e.org.accountByID[sa.Account]
		if acct == nil {
			acct = e.org.accountByName[sa.Account]
		}
		if acct == nil {
			return seedErr("assignment %d: unknown account %q", i+1, sa.Account)
		}
		ps := e.sso.psByName[sa.PermissionSet]
		if ps == nil {
			return seedErr("assignment %d: unknown permission set %q", i+1, sa.PermissionSet)
		}
		a := Assignment{AccountID: acct.id, PermissionSetARN: ps.arn}
		switch {
		case sa.User != "" && sa.Group != "":
			return seedErr("assignment %d: both user and group set", i+1)
		case sa.User != "":
			u := e.ids.userByName[foldKey(sa.User)]
			if u == nil {
				return seedErr("assignment %d: unknown user %q", i+1, sa.User)
			}
			a.PrincipalType, a.PrincipalID = "USER", u.id
		case sa.Group != "":
			g := e.ids.groupByName[foldKey(sa.Group)]
			if g == nil {
				return seedErr("assignment %d: unknown group %q", i+1, sa.Group)
			}
			a.PrincipalType, a.PrincipalID = "GROUP", g.id
		default:
			return seedErr("assignment %d: neither user nor group set", i+1)
		}
		e.assignments[a] = e.created
		e.markProvisioned(a)
	}
	return nil
}

// parseISODuration accepts the ISO-8601 durations Identity Center uses for
// SessionDuration: PT<h>H<m>M<s>S with at least one part.
func parseISODuration(s string) (time.Duration, error) {
	re := regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)
	m := re.FindStringSubmatch(s)
	if m == nil || s == "PT" {
		return 0, fmt.Errorf("session duration %q is not an ISO-8601 duration like PT1H", s)
	}
	units := []time.Duration{time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, unit := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return 0, fmt.Errorf("session duration %q: %w", s, err)
		}
		d += time.Duration(n) * unit
	}
	return d, nil
}
