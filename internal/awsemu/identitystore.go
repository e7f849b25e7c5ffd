package awsemu

import (
	"encoding/json"
	"strings"
	"time"
)

// Identity Store wire types.

type idsFilter struct {
	AttributePath  string
	AttributeValue string
}

type memberID struct {
	UserId string `json:",omitempty"`
}

func (e *Emulator) idsNotFound(kind, id string) *apiError {
	return newError("ResourceNotFoundException", "%s not found.", kind).with("ResourceType", kind).with("ResourceId", id)
}

func (e *Emulator) checkStore(id string) error {
	if id != e.ids.storeID {
		return e.idsNotFound("IDENTITY_STORE", id)
	}
	return nil
}

// enterpriseExtension is the only extension the identity store serves.
const enterpriseExtension = "aws:identitystore:enterprise"

// checkExtensions refuses extension names other than the enterprise one
// (the model's pattern lets aws:identitystore:anything through).
func checkExtensions(names []string) error {
	for _, n := range names {
		if n != enterpriseExtension {
			return newError("ValidationException", "Extension %s is not supported; %s is the only supported extension name", n, enterpriseExtension)
		}
	}
	return nil
}

// userWithExtensions renders a user with the extensions asked for: a user
// without the extension's attributes has no Extensions member.
func (e *Emulator) userWithExtensions(names []string) func(*user) map[string]any {
	return func(u *user) map[string]any {
		out := e.userJSON(u)
		if len(names) == 0 || u.enterprise == nil {
			return out
		}
		doc := map[string]any{}
		b, _ := json.Marshal(u.enterprise) // strings only: always encodes
		_ = json.Unmarshal(b, &doc)
		if u.enterprise.Manager != "" {
			if m := e.ids.userByName[foldKey(u.enterprise.Manager)]; m != nil {
				doc["manager"] = map[string]any{"value": m.id}
			}
		}
		if len(doc) > 0 {
			out["Extensions"] = map[string]any{enterpriseExtension: doc}
		}
		return out
	}
}

func (e *Emulator) userJSON(u *user) map[string]any {
	out := map[string]any{
		"IdentityStoreId": e.ids.storeID,
		"UserId":          u.id,
		"UserName":        u.userName,
		"DisplayName":     u.displayName,
		"UserStatus":      "ENABLED",
		"CreatedAt":       epochPtr(u.created),
		"UpdatedAt":       epochPtr(u.created),
	}
	if u.disabled {
		out["UserStatus"] = "DISABLED"
	}
	name := map[string]any{}
	if formatted := strings.TrimSpace(u.givenName + " " + u.familyName); formatted != "" {
		name["Formatted"] = formatted
	}
	if u.givenName != "" {
		name["GivenName"] = u.givenName
	}
	if u.familyName != "" {
		name["FamilyName"] = u.familyName
	}
	if len(name) > 0 {
		out["Name"] = name
	}
	if u.email != "" {
		out["Emails"] = []map[string]any{{"Value": u.email, "Type": "work", "Primary": true}}
	}
	if u.title != "" {
		out["Title"] = u.title
	}
	if u.userType != "" {
		out["UserType"] = u.userType
	}
	return out
}

func (e *Emulator) groupJSON(g *group) map[string]any {
	out := map[string]any{
		"IdentityStoreId": e.ids.storeID,
		"GroupId":         g.id,
		"DisplayName":     g.name,
		"CreatedAt":       epochPtr(g.created),
		"UpdatedAt":       epochPtr(g.created),
	}
	if g.description != "" {
		out["Description"] = g.description
	}
	return out
}

func (e *Emulator) membershipJSON(m *membership) map[string]any {
	return map[string]any{
		"IdentityStoreId": e.ids.storeID,
		"MembershipId":    m.id,
		"GroupId":         m.groupID,
		"MemberId":        memberID{UserId: m.userID},
		"CreatedAt":       epochPtr(m.created),
		"UpdatedAt":       epochPtr(m.created),
	}
}

// filterValue returns the value of the (deprecated) single filter on the
// given attribute path, or ok=false when no filter was sent.
func filterValue(filters []idsFilter, attr string) (value string, ok bool, err error) {
	if len(filters) == 0 {
		return "", false, nil
	}
	f := filters[0]
	if !strings.EqualFold(f.AttributePath, attr) {
		return "", false, newError("ValidationException", "Filtering on attribute %s is not supported; use %s", f.AttributePath, attr)
	}
	return f.AttributeValue, true, nil
}

func (e *Emulator) listUsers(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		IdentityStoreId string
		Filters         []idsFilter
		Extensions      []string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if err := checkExtensions(in.Extensions); err != nil {
		return nil, err
	}
	value, filtered, err := filterValue(in.Filters, "UserName")
	if err != nil {
		return nil, err
	}
	users := e.ids.users
	if filtered {
		users = nil
		for _, u := range e.ids.users {
			if strings.EqualFold(u.userName, value) {
				users = append(users, u)
			}
		}
	}
	// Only the page is rendered: a page of 100 out of 100,000 users.
	page, next, err := paginate(e, c, in.pageInput, users)
	if err != nil {
		return nil, err
	}
	return listResult("Users", jsonOf(page, e.userWithExtensions(in.Extensions)), next), nil
}

func (e *Emulator) describeUser(_ *call, raw []byte) (any, error) {
	var in struct {
		IdentityStoreId, UserId string
		Extensions              []string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if err := checkExtensions(in.Extensions); err != nil {
		return nil, err
	}
	u := e.ids.userByID[in.UserId]
	if u == nil {
		return nil, e.idsNotFound("USER", in.UserId)
	}
	return e.userWithExtensions(in.Extensions)(u), nil
}

func (e *Emulator) listGroups(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		IdentityStoreId string
		Filters         []idsFilter
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	value, filtered, err := filterValue(in.Filters, "DisplayName")
	if err != nil {
		return nil, err
	}
	groups := e.ids.groups
	if filtered {
		groups = nil
		for _, g := range e.ids.groups {
			if strings.EqualFold(g.name, value) {
				groups = append(groups, g)
			}
		}
	}
	page, next, err := paginate(e, c, in.pageInput, groups)
	if err != nil {
		return nil, err
	}
	return listResult("Groups", jsonOf(page, e.groupJSON), next), nil
}

func (e *Emulator) describeGroup(_ *call, raw []byte) (any, error) {
	var in struct{ IdentityStoreId, GroupId string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	g := e.ids.groupByID[in.GroupId]
	if g == nil {
		return nil, e.idsNotFound("GROUP", in.GroupId)
	}
	return e.groupJSON(g), nil
}

func (e *Emulator) listGroupMemberships(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		IdentityStoreId, GroupId string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if e.ids.groupByID[in.GroupId] == nil {
		return nil, e.idsNotFound("GROUP", in.GroupId)
	}
	page, next, err := paginate(e, c, in.pageInput, e.membershipsOfGroupLocked(in.GroupId))
	if err != nil {
		return nil, err
	}
	return listResult("GroupMemberships", jsonOf(page, e.membershipJSON), next), nil
}

func (e *Emulator) listGroupMembershipsForMember(c *call, raw []byte) (any, error) {
	var in struct {
		pageInput
		IdentityStoreId string
		MemberId        memberID
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if e.ids.userByID[in.MemberId.UserId] == nil {
		return nil, e.idsNotFound("USER", in.MemberId.UserId)
	}
	items := []map[string]any{}
	for _, m := range e.ids.memberships {
		if m.userID == in.MemberId.UserId {
			items = append(items, e.membershipJSON(m))
		}
	}
	page, next, err := paginate(e, c, in.pageInput, items)
	if err != nil {
		return nil, err
	}
	return listResult("GroupMemberships", page, next), nil
}

func (e *Emulator) getUserID(_ *call, raw []byte) (any, error) {
	var in struct {
		IdentityStoreId     string
		AlternateIdentifier struct {
			ExternalId *struct {
				Issuer, Id string
			}
			UniqueAttribute *struct {
				AttributePath  string
				AttributeValue json.RawMessage
			}
		}
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	alt := in.AlternateIdentifier
	if alt.ExternalId != nil {
		// Seeded users have no external ids.
		return nil, e.idsNotFound("USER", alt.ExternalId.Id)
	}
	ua := alt.UniqueAttribute
	var value string
	if err := json.Unmarshal(ua.AttributeValue, &value); err != nil {
		return nil, newError("ValidationException", "attribute value for attribute path %s must be a string", ua.AttributePath)
	}
	if strings.TrimSpace(value) == "" {
		return nil, newError("ValidationException", "attribute value cannot be empty or null for attribute path %s", ua.AttributePath)
	}
	var u *user
	switch strings.ToLower(ua.AttributePath) {
	case "username":
		u = e.ids.userByName[foldKey(value)]
	case "emails.value":
		u = e.ids.userByEmail[foldKey(value)]
	default:
		return nil, newError("ValidationException", "The attribute %s is not a unique attribute", ua.AttributePath)
	}
	if u == nil {
		return nil, e.idsNotFound("USER", value)
	}
	return map[string]any{"IdentityStoreId": e.ids.storeID, "UserId": u.id}, nil
}

func (e *Emulator) isMemberInGroups(_ *call, raw []byte) (any, error) {
	var in struct {
		IdentityStoreId string
		MemberId        memberID
		GroupIds        []string
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	if e.ids.userByID[in.MemberId.UserId] == nil {
		return nil, e.idsNotFound("USER", in.MemberId.UserId)
	}
	results := make([]map[string]any, 0, len(in.GroupIds))
	for _, gid := range in.GroupIds {
		if e.ids.groupByID[gid] == nil {
			return nil, e.idsNotFound("GROUP", gid)
		}
		exists := false
		for _, m := range e.ids.memberships {
			if m.groupID == gid && m.userID == in.MemberId.UserId {
				exists = true
				break
			}
		}
		results = append(results, map[string]any{"GroupId": gid, "MemberId": memberID{UserId: in.MemberId.UserId}, "MembershipExists": exists})
	}
	return map[string]any{"Results": results}, nil
}

func (e *Emulator) getGroupID(_ *call, raw []byte) (any, error) {
	var in struct {
		IdentityStoreId     string
		AlternateIdentifier struct {
			ExternalId *struct {
				Issuer, Id string
			}
			UniqueAttribute *struct {
				AttributePath  string
				AttributeValue json.RawMessage
			}
		}
	}
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	alt := in.AlternateIdentifier
	if alt.ExternalId != nil {
		// Seeded groups have no external ids.
		return nil, e.idsNotFound("GROUP", alt.ExternalId.Id)
	}
	ua := alt.UniqueAttribute
	var value string
	if err := json.Unmarshal(ua.AttributeValue, &value); err != nil {
		return nil, newError("ValidationException", "attribute value for attribute path %s must be a string", ua.AttributePath)
	}
	if strings.TrimSpace(value) == "" {
		return nil, newError("ValidationException", "attribute value cannot be empty or null for attribute path %s", ua.AttributePath)
	}
	if !strings.EqualFold(ua.AttributePath, "displayName") {
		return nil, newError("ValidationException", "The attribute %s is not a unique attribute", ua.AttributePath)
	}
	g := e.ids.groupByName[foldKey(value)]
	if g == nil {
		return nil, e.idsNotFound("GROUP", value)
	}
	return map[string]any{"IdentityStoreId": e.ids.storeID, "GroupId": g.id}, nil
}

// findMembership returns the membership of the user in the group, or nil.
func (e *Emulator) findMembership(groupID, userID string) *membership {
	for _, m := range e.ids.memberships {
		if m.groupID == groupID && m.userID == userID {
			return m
		}
	}
	return nil
}

// membershipInput is the input of GetGroupMembershipId and
// CreateGroupMembership.
type membershipInput struct {
	IdentityStoreId, GroupId string
	MemberId                 memberID
}

func (e *Emulator) resolveMembershipInput(raw []byte) (membershipInput, error) {
	var in membershipInput
	if err := decode(raw, &in); err != nil {
		return in, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return in, err
	}
	if e.ids.groupByID[in.GroupId] == nil {
		return in, e.idsNotFound("GROUP", in.GroupId)
	}
	if e.ids.userByID[in.MemberId.UserId] == nil {
		return in, e.idsNotFound("USER", in.MemberId.UserId)
	}
	return in, nil
}

func (e *Emulator) getGroupMembershipID(_ *call, raw []byte) (any, error) {
	in, err := e.resolveMembershipInput(raw)
	if err != nil {
		return nil, err
	}
	m := e.findMembership(in.GroupId, in.MemberId.UserId)
	if m == nil {
		return nil, e.idsNotFound("GROUP_MEMBERSHIP", in.GroupId+"/"+in.MemberId.UserId)
	}
	return map[string]any{"IdentityStoreId": e.ids.storeID, "MembershipId": m.id}, nil
}

func (e *Emulator) createGroupMembership(c *call, raw []byte) (any, error) {
	in, err := e.resolveMembershipInput(raw)
	if err != nil {
		return nil, err
	}
	if e.findMembership(in.GroupId, in.MemberId.UserId) != nil {
		return nil, newError("ConflictException", "Member %s is already in group %s", in.MemberId.UserId, in.GroupId).
			with("Reason", "UNIQUENESS_CONSTRAINT_VIOLATION")
	}
	m := e.addMembershipLocked(in.GroupId, in.MemberId.UserId, c.now)
	e.publishIdentityEventLocked("aws.identitystore", "CreateGroupMembership",
		map[string]any{"groupId": in.GroupId, "memberId": map[string]any{"userId": in.MemberId.UserId}})
	return map[string]any{"IdentityStoreId": e.ids.storeID, "MembershipId": m.id}, nil
}

func (e *Emulator) deleteGroupMembership(_ *call, raw []byte) (any, error) {
	var in struct{ IdentityStoreId, MembershipId string }
	if err := decode(raw, &in); err != nil {
		return nil, err
	}
	if err := e.checkStore(in.IdentityStoreId); err != nil {
		return nil, err
	}
	for i, m := range e.ids.memberships {
		if m.id == in.MembershipId {
			e.ids.memberships = append(e.ids.memberships[:i:i], e.ids.memberships[i+1:]...)
			// The record names only the membership, as AWS's does.
			e.publishIdentityEventLocked("aws.identitystore", "DeleteGroupMembership", map[string]any{"membershipId": m.id})
			return struct{}{}, nil
		}
	}
	return nil, e.idsNotFound("GROUP_MEMBERSHIP", in.MembershipId)
}

// addMembershipLocked adds a user to a group; the caller checked that both
// exist and that the membership does not.
func (e *Emulator) addMembershipLocked(groupID, userID string, now time.Time) *membership {
	m := &membership{
		id:      principalID(e.ids.storeID, "membership", groupID+"/"+userID),
		groupID: groupID,
		userID:  userID,
		created: now.UTC().Truncate(time.Millisecond),
	}
	e.ids.memberships = append(e.ids.memberships, m)
	return m
}
