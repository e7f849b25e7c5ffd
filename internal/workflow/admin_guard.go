package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/elevate/elevate/internal/access"
	"github.com/elevate/elevate/internal/policy"
	"github.com/elevate/elevate/internal/store"
)

// EventAdminRecovered records `elevate admin recover`: a user added to the
// settings' admins list from the server's host, with the settings before
// and after.
const EventAdminRecovered access.EventType = "admin.recovered"

// roleDirectory answers who holds a role under some settings, from a
// directory snapshot: group names match case-insensitively, as
// FindGroupByName does, and only active users count.
type roleDirectory struct {
	users   map[string]access.User
	groups  map[string][]string // lower-case group name -> group ids
	members map[string][]string // group id -> user ids
}

func newRoleDirectory(dir access.Directory) roleDirectory {
	rd := roleDirectory{users: map[string]access.User{}, groups: map[string][]string{}, members: map[string][]string{}}
	for _, u := range dir.Users {
		rd.users[u.ID] = u
	}
	for _, g := range dir.Groups {
		k := strings.ToLower(g.Name)
		rd.groups[k] = append(rd.groups[k], g.ID)
	}
	for _, m := range dir.Memberships {
		rd.members[m.GroupID] = append(rd.members[m.GroupID], m.UserID)
	}
	return rd
}

// groupMembers returns the active members of the named group, and whether
// the directory has the group.
func (rd roleDirectory) groupMembers(name string) (map[string]bool, bool) {
	ids, ok := rd.groups[strings.ToLower(strings.TrimSpace(name))]
	out := map[string]bool{}
	for _, id := range ids {
		for _, uid := range rd.members[id] {
			if rd.users[uid].Active {
				out[uid] = true
			}
		}
	}
	return out, ok
}

// user resolves an admins entry (a user name, an email or an id).
func (rd roleDirectory) user(ref string) (access.User, bool) {
	if u, ok := rd.users[ref]; ok {
		return u, true
	}
	for _, u := range rd.users {
		if strings.EqualFold(u.UserName, ref) || (u.Email != "" && strings.EqualFold(u.Email, ref)) {
			return u, true
		}
	}
	return access.User{}, false
}

// admins returns the active users who are admins under the settings.
func (rd roleDirectory) admins(set policy.Settings) map[string]bool {
	out, _ := rd.groupMembers(set.AdminsGroup)
	for _, ref := range set.Admins {
		if u, ok := rd.user(ref); ok && u.Active {
			out[u.ID] = true
		}
	}
	return out
}

// isListedAdmin says whether the user is named in the settings' admins list.
func isListedAdmin(set policy.Settings, u access.User) bool {
	return slices.ContainsFunc(set.Admins, func(ref string) bool {
		return ref == u.ID || strings.EqualFold(ref, u.UserName) || (u.Email != "" && strings.EqualFold(ref, u.Email))
	})
}

// roleProblems reports the changes of the admins and auditors settings that
// would lock people out: a role group that the synced directory does not
// have or that has no active member, and a change that takes the acting
// admin's own admin role away. force (an admin's explicit choice) waives
// those, but never the last one: a change that leaves no admin at all is
// always refused, since only editing the database could undo it.
func roleProblems(dir access.Directory, cur, next policy.Settings, actor access.Actor, force bool) []policy.Problem {
	rd := newRoleDirectory(dir)
	var ps []policy.Problem
	lockout := func(path, msg string) {
		if !force {
			ps = append(ps, policy.Problem{Path: path, Message: msg + " (apply with force to do it anyway while another admin remains)"})
		}
	}
	for _, g := range []struct {
		path, role string
		cur, next  string
	}{{"settings.admins_group", "admin", cur.AdminsGroup, next.AdminsGroup}, {"settings.auditors_group", "auditor", cur.AuditorsGroup, next.AuditorsGroup}} {
		if strings.EqualFold(g.cur, g.next) {
			continue
		}
		members, ok := rd.groupMembers(g.next)
		switch {
		case !ok:
			lockout(g.path, fmt.Sprintf("group %q is not in the directory: nobody would be an %s through it; check the name (group names are the identity store's display names), or sync the directory first", g.next, g.role))
		case len(members) == 0:
			lockout(g.path, fmt.Sprintf("group %q has no active members: nobody would be an %s through it", g.next, g.role))
		}
	}
	for i, ref := range next.Admins {
		if _, ok := rd.user(ref); !ok {
			ps = append(ps, policy.Problem{Path: fmt.Sprintf("settings.admins[%d]", i), Message: fmt.Sprintf("user %q is not in the directory", ref)})
		}
	}
	after := rd.admins(next)
	if actor.Admin && actor.UserID != "" && !after[actor.UserID] {
		lockout("settings.admins_group", fmt.Sprintf("the change removes your own admin role: you (%s) are not in group %q nor in settings.admins", actor.UserName, next.AdminsGroup))
	}
	if len(after) == 0 {
		ps = append(ps, policy.Problem{Path: "settings.admins_group", Message: fmt.Sprintf(
			"no admin would remain: group %q has no active member and settings.admins names no active user; name a group that has admins in it", next.AdminsGroup)})
	}
	return ps
}

// RecoverResult is the outcome of RecoverAdmin.
type RecoverResult struct {
	UserName string
	Revision int  // the policy revision in effect afterwards
	Changed  bool // false: the user was already listed in settings.admins
}

// RecoverAdmin restores a user's admin role from the server's host (the
// `elevate admin recover` command, which opens the database directly): it
// adds the user to the settings' admins list, a new policy revision audited
// as admin.recovered by operator. It refuses a user the directory does not
// have or has disabled. The rest of the policy is kept as it is, even when
// it has problems: recovery must work on the policy that locked admins out.
func (s *Service) RecoverAdmin(ctx context.Context, userName, operator string) (RecoverResult, error) {
	userName = normalizeUser(userName)
	if userName == "" {
		return RecoverResult{}, access.Errorf(access.CodeInvalid, "user is empty: name the user to make an admin with --user")
	}
	var res RecoverResult
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		u, err := tx.FindUserByName(ctx, userName)
		if err != nil {
			return notFound(err, "user %q is not in the directory: check the name, or sync the directory first", userName)
		}
		if !u.Active {
			return access.Errorf(access.CodeUserDisabled, "user %s is disabled in the directory (IAM Identity Center): recover a user who can sign in", u.UserName)
		}
		res.UserName = u.UserName
		cur, rev, err := s.policyDocument(ctx, tx)
		if err != nil {
			return err
		}
		res.Revision = rev
		if isListedAdmin(cur.Settings, u) {
			return nil
		}
		next := cur
		next.Settings.Admins = append(slices.Clone(cur.Settings.Admins), u.UserName)
		doc, err := policy.Marshal(next)
		if err != nil {
			return err
		}
		before, err := policy.MarshalSettings(cur.Settings)
		if err != nil {
			return err
		}
		after, err := policy.MarshalSettings(next.Settings)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		res.Revision, res.Changed = rev+1, true
		if err := tx.PutPolicy(ctx, access.StoredPolicy{Revision: res.Revision, Document: doc, UpdatedAt: now, UpdatedBy: operator}); err != nil {
			return fmt.Errorf("store policy: %w", err)
		}
		actor := access.Actor{UserName: operator, Via: access.ViaSystem}
		return s.appendEvents(ctx, tx, access.Event{Type: EventAdminRecovered, Actor: actor, At: now, Details: map[string]string{
			"user": u.UserName, "user_id": u.ID, "revision": fmt.Sprint(res.Revision),
			"before": string(before), "after": string(after)}})
	})
	if errors.Is(err, store.ErrConflict) {
		return RecoverResult{}, access.Errorf(access.CodeConflict, "an admin applied a policy at the same time: run the command again")
	}
	if err != nil {
		return RecoverResult{}, fmt.Errorf("recover admin %s: %w", userName, err)
	}
	s.log.InfoContext(ctx, "admin recovered", "user", res.UserName, "revision", res.Revision, "changed", res.Changed, "by", operator)
	return res, nil
}
