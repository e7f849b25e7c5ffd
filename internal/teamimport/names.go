package teamimport

import (
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// names indexes the synced directory by id, and counts names, so that an
// id becomes the readable name a policy document uses only when that name
// means this one thing (elevate refuses a name that matches several
// accounts or OUs, and resolves an id before any name).
type names struct {
	accounts   map[string]access.Account
	ous        map[string]access.OU
	sets       map[string]access.PermissionSet // by ARN
	setsByName map[string]access.PermissionSet // by lower-cased name
	users      map[string]access.User
	groups     map[string]access.Group
	members    map[string][]string // group id -> user ids
	direct     map[string][]string // OU id -> ids of the accounts directly in it
	taken      map[string]int      // lower-cased name or id -> how many things it names, per kind
}

func newNames(d access.Directory) *names {
	n := &names{accounts: map[string]access.Account{}, ous: map[string]access.OU{}, sets: map[string]access.PermissionSet{},
		setsByName: map[string]access.PermissionSet{}, users: map[string]access.User{}, groups: map[string]access.Group{},
		members: map[string][]string{}, direct: map[string][]string{}, taken: map[string]int{}}
	count := func(kind string, keys ...string) {
		for _, k := range keys {
			if k != "" {
				n.taken[kind+"\x00"+strings.ToLower(k)]++
			}
		}
	}
	for _, a := range d.Accounts {
		n.accounts[a.ID] = a
		n.direct[a.ParentID] = append(n.direct[a.ParentID], a.ID)
		count("account", a.ID, a.Name)
	}
	for _, o := range d.OUs {
		n.ous[o.ID] = o
		count("ou", o.ID, o.Name)
	}
	for _, p := range d.PermissionSets {
		n.sets[p.ARN] = p
		n.setsByName[strings.ToLower(p.Name)] = p
		count("set", p.ARN, p.Name)
	}
	for _, u := range d.Users {
		n.users[u.ID] = u
		count("user", u.ID, u.UserName)
		if !strings.EqualFold(u.Email, u.UserName) {
			count("user", u.Email)
		}
	}
	for _, g := range d.Groups {
		n.groups[g.ID] = g
		count("group", g.ID, g.Name)
	}
	for _, m := range d.Memberships {
		n.members[m.GroupID] = append(n.members[m.GroupID], m.UserID)
	}
	return n
}

// ref returns name when it names nothing else of its kind, else the id.
func (n *names) ref(kind, name, id string) string {
	if name != "" && n.taken[kind+"\x00"+strings.ToLower(name)] == 1 && !strings.EqualFold(name, id) {
		return name
	}
	return id
}

func (n *names) accountRef(a access.Account) string   { return n.ref("account", a.Name, a.ID) }
func (n *names) ouRef(o access.OU) string             { return n.ref("ou", o.Name, o.ID) }
func (n *names) setRef(p access.PermissionSet) string { return n.ref("set", p.Name, p.ARN) }
func (n *names) userRef(u access.User) string         { return n.ref("user", u.UserName, u.ID) }
func (n *names) groupRef(g access.Group) string       { return n.ref("group", g.Name, g.ID) }
