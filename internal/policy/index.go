package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/elevate/elevate/internal/access"
)

// Index is the directory arranged for evaluation: lookups by id and by
// (case-insensitive) name, every user's groups, every group's members, and
// every account's chain of OU ancestors (nearest first, the root last).
type Index struct {
	accounts      []access.Account
	accountByID   map[string]int32
	accountByName map[string][]int32
	chain         [][]int32 // per account: OU indexes from the parent up to the root

	ous      []access.OU
	ouByID   map[string]int32
	ouByName map[string][]int32

	sets      []access.PermissionSet
	setByARN  map[string]int32
	setByName map[string]int32

	users      []access.User
	userByID   map[string]int32
	userByName map[string]int32 // user name and email

	groups      []access.Group
	groupByID   map[string]int32
	groupByName map[string]int32

	userGroups   [][]int32
	groupMembers [][]int32

	acctRank []int32 // position of each account ordered by name, then id
	setRank  []int32 // position of each permission set ordered by name
	acctAt   []int32 // account at each rank
	setAt    []int32 // permission set at each rank
}

// NewIndex indexes a directory snapshot. Memberships that name an unknown
// user or group are ignored; an OU cycle is cut where it closes.
func NewIndex(d access.Directory) *Index {
	x := &Index{
		accounts: d.Accounts, accountByID: make(map[string]int32, len(d.Accounts)), accountByName: make(map[string][]int32, len(d.Accounts)),
		ous: d.OUs, ouByID: make(map[string]int32, len(d.OUs)), ouByName: make(map[string][]int32, len(d.OUs)),
		sets: d.PermissionSets, setByARN: make(map[string]int32, len(d.PermissionSets)), setByName: make(map[string]int32, len(d.PermissionSets)),
		users: d.Users, userByID: make(map[string]int32, len(d.Users)), userByName: make(map[string]int32, 2*len(d.Users)),
		groups: d.Groups, groupByID: make(map[string]int32, len(d.Groups)), groupByName: make(map[string]int32, len(d.Groups)),
	}
	for i, o := range d.OUs {
		x.ouByID[o.ID] = int32(i)
		k := strings.ToLower(o.Name)
		x.ouByName[k] = append(x.ouByName[k], int32(i))
	}
	x.chain = make([][]int32, len(d.Accounts))
	ouChain := map[int32][]int32{}
	for i, a := range d.Accounts {
		x.accountByID[a.ID] = int32(i)
		k := strings.ToLower(a.Name)
		x.accountByName[k] = append(x.accountByName[k], int32(i))
		if p, ok := x.ouByID[a.ParentID]; ok {
			x.chain[i] = x.ouAncestry(p, ouChain)
		}
	}
	for i, p := range d.PermissionSets {
		x.setByARN[p.ARN] = int32(i)
		if p.Name != "" { // one AWS would not describe may be known by ARN only
			x.setByName[strings.ToLower(p.Name)] = int32(i)
		}
	}
	for i, u := range d.Users {
		x.userByID[u.ID] = int32(i)
		x.userByName[strings.ToLower(u.UserName)] = int32(i)
		if u.Email != "" {
			if _, taken := x.userByName[strings.ToLower(u.Email)]; !taken {
				x.userByName[strings.ToLower(u.Email)] = int32(i)
			}
		}
	}
	for i, g := range d.Groups {
		x.groupByID[g.ID] = int32(i)
		x.groupByName[strings.ToLower(g.Name)] = int32(i)
	}
	x.userGroups = make([][]int32, len(d.Users))
	x.groupMembers = make([][]int32, len(d.Groups))
	for _, m := range d.Memberships {
		u, ok1 := x.userByID[m.UserID]
		g, ok2 := x.groupByID[m.GroupID]
		if !ok1 || !ok2 {
			continue
		}
		x.userGroups[u] = append(x.userGroups[u], g)
		x.groupMembers[g] = append(x.groupMembers[g], u)
	}
	x.acctAt, x.acctRank = rank(len(d.Accounts), func(a, b int) int {
		return cmp.Or(cmp.Compare(d.Accounts[a].Name, d.Accounts[b].Name), cmp.Compare(d.Accounts[a].ID, d.Accounts[b].ID))
	})
	x.setAt, x.setRank = rank(len(d.PermissionSets), func(a, b int) int {
		return cmp.Or(cmp.Compare(d.PermissionSets[a].Name, d.PermissionSets[b].Name), cmp.Compare(d.PermissionSets[a].ARN, d.PermissionSets[b].ARN))
	})
	return x
}

// rank orders n items: at lists them in order, rank gives each one's position.
func rank(n int, compare func(a, b int) int) (at, ranks []int32) {
	at = make([]int32, n)
	for i := range at {
		at[i] = int32(i)
	}
	slices.SortFunc(at, func(a, b int32) int { return compare(int(a), int(b)) })
	ranks = make([]int32, n)
	for r, i := range at {
		ranks[i] = int32(r)
	}
	return at, ranks
}

// ouAncestry returns the OU and its ancestors, nearest first, memoized.
func (x *Index) ouAncestry(ou int32, memo map[int32][]int32) []int32 {
	if c, ok := memo[ou]; ok {
		return c
	}
	var c []int32
	seen := map[int32]bool{}
	for cur, ok := ou, true; ok && !seen[cur]; cur, ok = x.ouByID[x.ous[cur].ParentID] {
		seen[cur] = true
		c = append(c, cur)
	}
	memo[ou] = c
	return c
}

// Account returns the account with the given id or (unique) name.
func (x *Index) Account(ref string) (access.Account, bool) {
	i, ok := x.account(ref)
	if !ok {
		return access.Account{}, false
	}
	return x.accounts[i], true
}

func (x *Index) account(ref string) (int32, bool) {
	if i, ok := x.accountByID[ref]; ok {
		return i, true
	}
	if is := x.accountByName[strings.ToLower(ref)]; len(is) == 1 {
		return is[0], true
	}
	return 0, false
}

func (x *Index) user(ref string) (int32, bool) {
	if i, ok := x.userByID[ref]; ok {
		return i, true
	}
	i, ok := x.userByName[strings.ToLower(ref)]
	return i, ok
}

func (x *Index) group(ref string) (int32, bool) {
	if i, ok := x.groupByID[ref]; ok {
		return i, true
	}
	i, ok := x.groupByName[strings.ToLower(ref)]
	return i, ok
}

func (x *Index) set(ref string) (int32, bool) {
	if i, ok := x.setByARN[ref]; ok {
		return i, true
	}
	i, ok := x.setByName[strings.ToLower(ref)]
	return i, ok
}

func (x *Index) ou(ref string) []int32 {
	if i, ok := x.ouByID[ref]; ok {
		return []int32{i}
	}
	return x.ouByName[strings.ToLower(ref)]
}

func (x *Index) accountsNamed(ref string) []int32 {
	if i, ok := x.accountByID[ref]; ok {
		return []int32{i}
	}
	return x.accountByName[strings.ToLower(ref)]
}

// ouPath renders an account's OU chain from the root down, for explanations.
func (x *Index) ouPath(acct int32) string {
	c := x.chain[acct]
	parts := make([]string, 0, len(c))
	for i := len(c) - 1; i >= 0; i-- {
		parts = append(parts, x.ous[c[i]].Name)
	}
	if len(parts) == 0 {
		return "(no OU)"
	}
	return strings.Join(parts, "/")
}

// undescribedNote, appended to "is not in the directory", names the
// permission sets known by ARN only (AWS refused to describe them and no
// sync ever read their names), since a name may be one of them.
func (x *Index) undescribedNote() string {
	var arns []string
	for _, p := range x.sets {
		if p.Name == "" {
			arns = append(arns, p.ARN)
		}
	}
	if len(arns) == 0 {
		return ""
	}
	return fmt.Sprintf(" (it may be one of the %d permission set(s) managed in the management account that elevate knows by ARN only: %s)",
		len(arns), strings.Join(arns, ", "))
}
